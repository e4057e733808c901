//! The service as a separate process (the real binary on a real database), for tests that kill or restart it, or
//! run several instances on one database.

use reqwest::{Client, Method, RequestBuilder, StatusCode};
use scoregrc::db::Location;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The first admin's password in every process this module starts.
pub const ADMIN_PASSWORD: &str = "process test operator passphrase";

/// The service as a separate process, so it can be killed.
pub struct Server {
    child: Child,
    pub address: String,
    /// The first admin's session.
    pub token: String,
    pub client: Client,
}

/// Where a server started on the SQLite file `db` writes everything it prints (both streams, every start
/// appended).
pub fn log_of(db: &Path) -> PathBuf {
    db.with_extension("log")
}

/// `scoregrc serve` on `database`, with the first admin's password and the test's data key (the key file beside
/// a SQLite database, [`crate::helpers::TEST_DATA_KEY`] on PostgreSQL), logging at info, and `env` on top.
pub fn serve_command(database: &Location, env: &[(&str, &str)]) -> Command {
    let mut command = crate::helpers::scoregrc(database);
    command
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("SCOREGRC_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "info")
        .envs(env.iter().copied());
    command
}

impl Server {
    /// Starts `scoregrc serve` on `database`, appending its output to `log`, and signs the admin in.
    pub async fn start(database: &Location, log: &Path) -> Server {
        Self::start_with(database, log, &[]).await
    }

    /// [`Server::start`] on the SQLite file `db`, logging to [`log_of`] it: for tests that look inside the file,
    /// its write-ahead log or its key file, whatever the suite's backend.
    pub async fn on_sqlite(db: &Path) -> Server {
        Self::start(&Location::Sqlite(db.to_owned()), &log_of(db)).await
    }

    /// [`Server::start`] with more environment (e.g. `SCOREGRC_JOB_LEASE_SECONDS`).
    pub async fn start_with(database: &Location, log_path: &Path, env: &[(&str, &str)]) -> Server {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log_path).unwrap();
        let mut child = serve_command(database, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log.try_clone().unwrap()))
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().unwrap();
        let shown = log_path.to_owned();
        let address = tokio::task::spawn_blocking(move || {
            let mut log = log;
            let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
            let address = lines
                .by_ref()
                .inspect(|l| drop(writeln!(log, "{l}")))
                .find_map(|l| l.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_owned))
                .unwrap_or_else(|| {
                    let printed = std::fs::read_to_string(&shown).unwrap_or_default();
                    panic!("the server never said where it listens; it printed:\n{printed}")
                });
            // Keep reading, into the log, so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(|l| drop(writeln!(log, "{l}"))));
            address
        })
        .await
        .unwrap();
        let client = Client::builder().timeout(Duration::from_secs(600)).build().unwrap();
        let login = json!({"username": "admin", "password": ADMIN_PASSWORD});
        let session: Value = client
            .post(format!("{address}/api/v1/auth/login"))
            .json(&login)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = session["token"].as_str().expect("the admin signs in").to_owned();
        Server { child, address, token, client }
    }

    /// The process id (the job runner's lease names it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A request to `path` as the admin.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address)).bearer_auth(&self.token)
    }

    pub async fn get(&self, path: &str) -> Value {
        let response = self.request(Method::GET, path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    pub async fn post_bytes(
        &self,
        token: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> reqwest::Result<reqwest::Response> {
        let request = self.client.post(format!("{}{path}", self.address)).bearer_auth(token);
        request.header("content-type", content_type).body(body).send().await
    }

    /// A new tenant, and the secret of an engineer service token for it (the admin does not import).
    pub async fn create_tenant(&self, name: &str) -> (String, String) {
        let request = self.client.post(format!("{}/api/v1/tenants", self.address)).bearer_auth(&self.token);
        let created: Value = request.json(&json!({"name": name})).send().await.unwrap().json().await.unwrap();
        let tenant = created["id"].as_str().unwrap().to_owned();
        let body = json!({"name": "crash-test importer", "role": "engineer", "tenant_ids": [tenant]});
        let request = self.client.post(format!("{}/api/v1/tokens", self.address)).bearer_auth(&self.token);
        let issued: Value = request.json(&body).send().await.unwrap().json().await.unwrap();
        (tenant, issued["secret"].as_str().unwrap().to_owned())
    }

    /// SIGKILL: no shutdown, no checkpoint, nothing flushed that SQLite had not already made durable.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM and wait: the service closes the database, which checkpoints and removes the write-ahead log.
    pub fn stop(mut self) {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        self.child.wait().unwrap();
    }

    pub async fn total(&self, tenant: &str, filter: &str) -> u64 {
        self.get(&format!("/api/v1/tenants/{tenant}/recommendations?limit=1{filter}")).await["total"].as_u64().unwrap()
    }

    /// Every audit chain verifies and SQLite finds the file sound.
    pub async fn assert_sound(&self, db: &Path, tenant: &str) {
        let platform = self.get("/api/v1/audit/verify").await;
        assert_eq!(platform["intact"], true, "{platform}");
        let trail = self.get(&format!("/api/v1/tenants/{tenant}/audit/verify")).await;
        assert_eq!(trail["intact"], true, "{trail}");
        let conn = rusqlite::Connection::open(db).unwrap();
        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(integrity, "ok");
    }
}

// A test that fails half-way leaves no server running.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
