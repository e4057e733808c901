//! Every secret the test configures (the admin's password, a Graph client secret, a webhook signing secret, an
//! SMTP password, a user's TOTP secret) is absent from the log, the database file and its write-ahead log;
//! `scoregrc keys rotate-data-key` re-seals them all, and afterwards not even the old ciphertext is left in either
//! file.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;

use crate::helpers::{RunCommand, scoregrc};
use crate::process::{ADMIN_PASSWORD, Server, log_of};
use crate::totp::{code, secret_bytes};
use scoregrc::secrets::DataKey;

const GRAPH_SECRET: &str = "GRAPH-CLIENT-SECRET-5f3a9c";
const WEBHOOK_SECRET: &str = "WEBHOOK-HMAC-SECRET-8d21e7";
const SMTP_PASSWORD: &str = "SMTP-RELAY-PASSWORD-41b6f0";

/// The files in `dir` (the database, its WAL, the log) that contain `needle`.
fn holders(dir: &Path, needle: &[u8]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().contains(".key"))
        .filter(|e| std::fs::read(e.path()).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle)))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

async fn put(server: &Server, path: &str, body: Value) -> Value {
    let url = format!("{}{path}", server.address);
    let response = server.client.put(url).bearer_auth(&server.token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

async fn post(server: &Server, path: &str, body: Value) -> Value {
    let url = format!("{}{path}", server.address);
    let response = server.client.post(url).bearer_auth(&server.token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{path}");
    response.json().await.unwrap()
}

fn sealed_values(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut sealed = Vec::new();
    for sql in [
        "SELECT secret_sealed FROM connectors",
        "SELECT secret_sealed FROM alert_channels WHERE secret_sealed IS NOT NULL",
        "SELECT secret_sealed FROM user_second_factors",
        "SELECT json_extract(value, '$') FROM settings WHERE value LIKE '\"v1.%'",
    ] {
        let mut statement = conn.prepare(sql).unwrap();
        sealed.extend(statement.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap));
    }
    sealed
}

/// The wall clock's Unix time: the process runs on the real clock.
fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn sign_in(server: &Server, body: Value) -> reqwest::Response {
    server.client.post(format!("{}/api/v1/auth/login", server.address)).json(&body).send().await.unwrap()
}

/// Creates `tess`, turns on her two-step sign-in and answers its secret (base32).
async fn enrol_tess(server: &Server) -> String {
    let user =
        json!({"username": "tess", "password": USER_PASSWORD, "role": "engineer", "must_change_password": false});
    post(server, "/api/v1/users", user).await;
    let session: Value =
        sign_in(server, json!({"username": "tess", "password": USER_PASSWORD})).await.json().await.unwrap();
    let token = session["token"].as_str().unwrap();
    let enrolment = format!("{}/api/v1/me/second-factor/enrolment", server.address);
    let started: Value = server.client.post(&enrolment).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    let secret = started["secret"].as_str().unwrap().to_owned();
    let confirm = json!({"totp_code": code(&secret, unix_now())});
    let confirmed = server.client.post(format!("{enrolment}/confirm")).bearer_auth(token).json(&confirm).send().await;
    assert_eq!(confirmed.unwrap().status(), StatusCode::OK);
    secret
}

const USER_PASSWORD: &str = "an engineer's long passphrase";

#[tokio::test]
async fn configured_secrets_never_reach_the_log_or_the_file_and_a_data_key_rotation_leaves_no_old_ciphertext() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scoregrc.db");
    let server = Server::on_sqlite(&db).await;
    let tenant = post(&server, "/api/v1/tenants", json!({"name": "Contoso"})).await["id"].as_str().unwrap().to_owned();
    let graph = json!({
        "azure_tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
        "client_secret": GRAPH_SECRET,
    });
    put(&server, &format!("/api/v1/tenants/{tenant}/connectors/graph"), graph).await;
    let channels = format!("/api/v1/tenants/{tenant}/alert-channels");
    let webhook = json!({"name": "SOC", "kind": "webhook", "webhook": {"url": "https://hooks.example.com/in", "secret": WEBHOOK_SECRET}});
    post(&server, &channels, webhook).await;
    let email = json!({"name": "SOC mail", "kind": "email", "email": {
        "host": "smtp.example.com", "port": 587, "starttls": true, "from": "alerts@contoso.example",
        "to": ["soc@contoso.example"], "username": "relay", "password": SMTP_PASSWORD,
    }});
    post(&server, &channels, email).await;
    let totp_secret = enrol_tess(&server).await;
    let totp_bytes = secret_bytes(&totp_secret);
    // While the service runs, the secrets' latest writes may sit in the WAL: look there too. (A control: the
    // search does find what is stored in clear.)
    assert!(!holders(dir.path(), b"hooks.example.com/in").is_empty());
    for secret in [ADMIN_PASSWORD, GRAPH_SECRET, WEBHOOK_SECRET, SMTP_PASSWORD, &totp_secret] {
        assert_eq!(holders(dir.path(), secret.as_bytes()), Vec::<String>::new(), "{secret} stored or logged in clear");
    }
    assert_eq!(holders(dir.path(), &totp_bytes), Vec::<String>::new(), "the TOTP secret's bytes stored in clear");
    server.stop();
    assert!(std::fs::metadata(log_of(&db)).unwrap().len() > 0, "the log was captured");

    let before = sealed_values(&db);
    assert_eq!(before.len(), 6, "two settings (the session and pack keys), a connector, two channels, a TOTP secret");
    assert!(!holders(dir.path(), before[0].as_bytes()).is_empty(), "the search finds a ciphertext before rotating");
    let rotated = scoregrc(&db).args(["keys", "rotate-data-key"]).run().await;
    let said = String::from_utf8_lossy(&rotated.stdout).into_owned();
    assert!(rotated.status.success(), "{said}{}", String::from_utf8_lossy(&rotated.stderr));
    assert!(said.contains("re-sealed 6 values"), "{said}");

    for old in &before {
        assert_eq!(holders(dir.path(), old.as_bytes()), Vec::<String>::new(), "an old ciphertext lingers");
    }
    for secret in [ADMIN_PASSWORD, GRAPH_SECRET, WEBHOOK_SECRET, SMTP_PASSWORD, &totp_secret] {
        assert_eq!(
            holders(dir.path(), secret.as_bytes()),
            Vec::<String>::new(),
            "{secret} in clear after the rotation"
        );
    }
    assert_eq!(holders(dir.path(), &totp_bytes), Vec::<String>::new(), "the TOTP secret's bytes after the rotation");
    let key_file = dir.path().join("scoregrc.db.key");
    let new_key = DataKey::parse(&std::fs::read_to_string(&key_file).unwrap()).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let sealed: String = conn.query_row("SELECT secret_sealed FROM connectors", [], |r| r.get(0)).unwrap();
    let opened = new_key.open(&format!("connector:{tenant}:graph"), &sealed).unwrap();
    assert_eq!(opened, GRAPH_SECRET.as_bytes(), "the new key opens what was re-sealed");
    drop(conn);

    // The service starts on the new key (it opens its session key at start) and the old session still works.
    let server = Server::on_sqlite(&db).await;
    let connector = server.get(&format!("/api/v1/tenants/{tenant}/connectors/graph")).await;
    assert_eq!(connector["has_secret"], true);
    let trail = server.get("/api/v1/audit?entity=data_key").await;
    assert_eq!(trail["items"][0]["after"]["key_id"], new_key.key_id());
    assert_eq!(trail["items"][0]["after"]["resealed_second_factors"], 1);
    // The re-sealed TOTP secret still opens: a code one step ahead (within the drift, never the step used at
    // enrolment) signs tess in, and without a code she is asked for one.
    let bare = sign_in(&server, json!({"username": "tess", "password": USER_PASSWORD})).await;
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    let with_code =
        json!({"username": "tess", "password": USER_PASSWORD, "totp_code": code(&totp_secret, unix_now() + 30)});
    assert_eq!(sign_in(&server, with_code).await.status(), StatusCode::OK);
    server.stop();
}
