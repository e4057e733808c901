//! SIGKILL in the middle of an import: the real binary on a real SQLite file is killed while a 100 000-row
//! portal import (and, separately, a triage-workbook round trip) is writing, then started again on the same
//! file. The import is wholly there or wholly absent, SQLite's integrity check says `ok`, and every audit chain
//! verifies.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::python;

const ADMIN_PASSWORD: &str = "crash test operator passphrase";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The service as a separate process, so it can be killed.
struct Server {
    child: Child,
    address: String,
    token: String,
    client: Client,
}

impl Server {
    async fn start(db: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scoregrc"))
            .arg("--db")
            .arg(db)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("SCOREGRC_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env_remove("SCOREGRC_DATA_KEY")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().unwrap();
        let address = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            let address = lines
                .by_ref()
                .map_while(Result::ok)
                .find_map(|l| l.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_owned))
                .expect("the server says where it listens");
            // Keep reading so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
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

    async fn get(&self, path: &str) -> Value {
        let response =
            self.client.get(format!("{}{path}", self.address)).bearer_auth(&self.token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    async fn post_bytes(
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
    async fn create_tenant(&self, name: &str) -> (String, String) {
        let request = self.client.post(format!("{}/api/v1/tenants", self.address)).bearer_auth(&self.token);
        let created: Value = request.json(&json!({"name": name})).send().await.unwrap().json().await.unwrap();
        let tenant = created["id"].as_str().unwrap().to_owned();
        let body = json!({"name": "crash-test importer", "role": "engineer", "tenant_ids": [tenant]});
        let request = self.client.post(format!("{}/api/v1/tokens", self.address)).bearer_auth(&self.token);
        let issued: Value = request.json(&body).send().await.unwrap().json().await.unwrap();
        (tenant, issued["secret"].as_str().unwrap().to_owned())
    }

    /// SIGKILL: no shutdown, no checkpoint, nothing flushed that SQLite had not already made durable.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM and wait: the service closes the database, which checkpoints and removes the write-ahead log.
    fn stop(mut self) {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        self.child.wait().unwrap();
    }

    async fn total(&self, tenant: &str, filter: &str) -> u64 {
        self.get(&format!("/api/v1/tenants/{tenant}/recommendations?limit=1{filter}")).await["total"].as_u64().unwrap()
    }

    /// Every audit chain verifies and SQLite finds the file sound.
    async fn assert_sound(&self, db: &Path, tenant: &str) {
        let platform = self.get("/api/v1/audit/verify").await;
        assert_eq!(platform["intact"], true, "{platform}");
        let trail = self.get(&format!("/api/v1/tenants/{tenant}/audit/verify")).await;
        assert_eq!(trail["intact"], true, "{trail}");
        let conn = rusqlite::Connection::open(db).unwrap();
        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(integrity, "ok");
    }
}

/// Waits until the write-ahead log beside `db` holds more than `bytes` (the import's transaction is spilling its
/// pages there), or `upload` has answered; answers whether the upload was still running.
async fn wait_until_writing(db: &Path, bytes: u64, upload: &tokio::task::JoinHandle<StatusCode>) -> bool {
    let wal = wal_of(db);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    loop {
        if upload.is_finished() {
            return false;
        }
        if std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > bytes {
            return true;
        }
        assert!(tokio::time::Instant::now() < deadline, "the import never started writing");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn wal_of(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap().to_os_string();
    name.push("-wal");
    db.with_file_name(name)
}

/// A portal export of `n` synthetic actions, in the portal's English CSV layout.
fn portal_csv(n: usize) -> Vec<u8> {
    let mut out = String::from(
        "Rank,Recommended action,Score impact,Points achieved,Status,Regressed,Have license?,Category,Product,Last synced ,Microsoft update,Notes\r\n",
    );
    for i in 0..n {
        let max = [1, 2, 3, 5, 8, 10][i % 6];
        let category = ["Identity", "Device", "Apps", "Data", "Infrastructure"][i % 5];
        out.push_str(&format!(
            "{},Synthetic action {i:06} for the crash test,+{:.2} %,0/{max},To address,No,Yes,{category},Entra,11/22/2026 9:05 AM,,\r\n",
            i + 1,
            f64::from(max) * 0.9
        ));
    }
    out.into_bytes()
}

#[tokio::test]
async fn a_kill_during_a_100k_row_import_leaves_it_wholly_absent_and_the_file_sound() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scoregrc.db");
    let server = Server::start(&db).await;
    let (tenant, engineer) = server.create_tenant("Contoso").await;
    server.stop();
    let server = Server::start(&db).await;

    let (address, token, client) = (server.address.clone(), engineer.clone(), server.client.clone());
    let path = format!("/api/v1/tenants/{tenant}/imports");
    let upload = tokio::spawn(async move {
        let request = client.post(format!("{address}{path}")).bearer_auth(token).header("content-type", "text/csv");
        request.body(portal_csv(100_000)).send().await.map(|r| r.status()).unwrap_or(StatusCode::BAD_GATEWAY)
    });
    let in_the_middle = wait_until_writing(&db, 8 * 1024 * 1024, &upload).await;
    server.kill();
    assert!(in_the_middle, "the import finished before the kill: {:?}", upload.await);
    let _ = upload.await;

    let server = Server::start(&db).await;
    let items = server.total(&tenant, "").await;
    assert!(items == 0 || items == 100_000, "{items} of 100 000 rows survived the kill: a half-written import");
    assert_eq!(items, 0, "killed before its commit, the import is wholly absent");
    server.assert_sound(&db, &tenant).await;
    // The database takes the same import again, whole.
    let again =
        server.post_bytes(&engineer, &format!("/api/v1/tenants/{tenant}/imports"), "text/csv", portal_csv(2_000)).await;
    assert_eq!(again.unwrap().status(), StatusCode::CREATED);
    assert_eq!(server.total(&tenant, "").await, 2_000);
    server.stop();
}

#[tokio::test]
async fn a_kill_during_a_triage_workbook_import_leaves_every_rating_or_none() {
    const ITEMS: usize = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scoregrc.db");
    let server = Server::start(&db).await;
    let (tenant, engineer) = server.create_tenant("Contoso").await;
    let imported =
        server.post_bytes(&engineer, &format!("/api/v1/tenants/{tenant}/imports"), "text/csv", portal_csv(ITEMS)).await;
    assert_eq!(imported.unwrap().status(), StatusCode::CREATED);
    let request = server.client.get(format!("{}/api/v1/tenants/{tenant}/exports/triage.xlsx", server.address));
    let workbook = request.bearer_auth(&server.token).send().await.unwrap().bytes().await.unwrap();
    let edited = rate_every_row(&workbook);
    server.stop();

    let server = Server::start(&db).await;
    let (address, token, client) = (server.address.clone(), engineer.clone(), server.client.clone());
    let path = format!("/api/v1/tenants/{tenant}/imports/triage");
    let upload = tokio::spawn(async move {
        let request = client.post(format!("{address}{path}")).bearer_auth(token).header("content-type", XLSX);
        request.body(edited).send().await.map(|r| r.status()).unwrap_or(StatusCode::BAD_GATEWAY)
    });
    let in_the_middle = wait_until_writing(&db, 2 * 1024 * 1024, &upload).await;
    server.kill();
    assert!(in_the_middle, "the workbook import finished before the kill: {:?}", upload.await);
    let _ = upload.await;

    let server = Server::start(&db).await;
    let unrated = server.total(&tenant, "&bucket=unrated").await;
    assert!(unrated == ITEMS as u64 || unrated == 0, "{unrated} of {ITEMS} items unrated: a half-applied workbook");
    assert_eq!(unrated, ITEMS as u64, "killed before its commit, no rating was applied");
    server.assert_sound(&db, &tenant).await;
    server.stop();
}

/// The workbook with every row rated high risk reduction, low effort, edited by openpyxl.
fn rate_every_row(workbook: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (source, target) = (dir.path().join("export.xlsx"), dir.path().join("edited.xlsx"));
    std::fs::write(&source, workbook).unwrap();
    let rated = python::run(
        r#"
import sys, openpyxl
workbook = openpyxl.load_workbook(sys.argv[1])
sheet = workbook["Triage"]
headers = {cell.value: cell.column for cell in sheet[1]}
for row in range(2, sheet.max_row + 1):
    sheet.cell(row=row, column=headers["Risk Reduction"]).value = "High"
    sheet.cell(row=row, column=headers["Implementation Effort"]).value = "Low"
workbook.save(sys.argv[2])
print(sheet.max_row - 1)
"#,
        &[source.to_str().unwrap(), target.to_str().unwrap()],
    );
    assert_eq!(rated.trim(), "20000");
    std::fs::read(&target).unwrap()
}
