//! A local HTTP receiver standing in for a webhook endpoint or a Teams Workflows URL: it records every POST and
//! answers 202, or a given status for the next N requests. Its `verify` checks a webhook's signature the way a
//! receiver documented in the README would.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::{Arc, Mutex};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub timestamp: Option<String>,
    pub signature: Option<String>,
    pub event: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Whether the signature is HMAC-SHA256 over `{timestamp}.{body}` with `secret`, compared in constant time.
    pub fn verify(&self, secret: &str) -> bool {
        let (Some(timestamp), Some(signature)) = (&self.timestamp, &self.signature) else { return false };
        let Some(hex_mac) = signature.strip_prefix("sha256=") else { return false };
        let Ok(expected) = hex::decode(hex_mac) else { return false };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(&self.body);
        mac.verify_slice(&expected).is_ok()
    }
}

#[derive(Debug, Default)]
struct State {
    received: Vec<Received>,
    /// Answer this status to the next `failures` requests.
    failures: u32,
    failure_status: u16,
}

/// The running receiver.
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<State>>,
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    let mut state = state.lock().unwrap();
    state.received.push(Received {
        path: req.path().to_owned(),
        timestamp: header(&req, "x-scoregrc-timestamp"),
        signature: header(&req, "x-scoregrc-signature"),
        event: header(&req, "x-scoregrc-event"),
        content_type: header(&req, "content-type"),
        body: body.to_vec(),
    });
    if state.failures > 0 {
        state.failures -= 1;
        let status = actix_web::http::StatusCode::from_u16(state.failure_status).unwrap();
        return HttpResponse::build(status).body("receiver is having a bad day");
    }
    HttpResponse::Accepted().finish()
}

impl Receiver {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let server = HttpServer::new(move || {
            App::new().app_data(web::Data::new(shared.clone())).default_service(web::post().to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { url, state }
    }

    /// Answers `status` to the next `count` requests.
    pub fn fail_next(&self, count: u32, status: u16) {
        let mut state = self.state.lock().unwrap();
        state.failures = count;
        state.failure_status = status;
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }
}
