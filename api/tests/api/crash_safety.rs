//! SIGKILL in the middle of an import: the real binary on a real SQLite file is killed while a 100 000-row
//! portal import (and, separately, a triage-workbook round trip) is writing, then started again on the same
//! file. The import is wholly there or wholly absent, SQLite's integrity check says `ok`, and every audit chain
//! verifies. It watches the write-ahead log and checks the file itself, so it runs on SQLite whatever the suite's
//! backend.

use reqwest::StatusCode;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::process::Server;
use crate::python;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

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
pub(crate) fn portal_csv(n: usize) -> Vec<u8> {
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
    let server = Server::on_sqlite(&db).await;
    let (tenant, engineer) = server.create_tenant("Contoso").await;
    server.stop();
    let server = Server::on_sqlite(&db).await;

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

    let server = Server::on_sqlite(&db).await;
    let items = server.total(&tenant, "").await;
    assert_eq!(items, 0, "killed before its commit, the import is wholly absent (not half-written)");
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
    let server = Server::on_sqlite(&db).await;
    let (tenant, engineer) = server.create_tenant("Contoso").await;
    let imported =
        server.post_bytes(&engineer, &format!("/api/v1/tenants/{tenant}/imports"), "text/csv", portal_csv(ITEMS)).await;
    assert_eq!(imported.unwrap().status(), StatusCode::CREATED);
    let request = server.client.get(format!("{}/api/v1/tenants/{tenant}/exports/triage.xlsx", server.address));
    let workbook = request.bearer_auth(&server.token).send().await.unwrap().bytes().await.unwrap();
    let edited = rate_every_row(&workbook);
    server.stop();

    let server = Server::on_sqlite(&db).await;
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

    let server = Server::on_sqlite(&db).await;
    let unrated = server.total(&tenant, "&bucket=unrated").await;
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
