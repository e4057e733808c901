//! `scoregrc backup` while a server writes, and `scoregrc restore`: what it checks, what it refuses, what it keeps.

use reqwest::StatusCode;
use serde_json::json;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::helpers::{RunCommand, scoregrc, spawn_sqlite_app};

fn said(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[tokio::test]
async fn a_backup_taken_while_tenants_are_created_restores_with_every_chain_intact() {
    let app = Arc::new(spawn_sqlite_app().await);
    let dir = tempfile::tempdir().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let created = Arc::new(AtomicU32::new(0));
    let writer = {
        let (app, stop, created) = (app.clone(), stop.clone(), created.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = created.load(Ordering::Relaxed);
                let body = json!({"name": format!("Tenant {n}")});
                let response = app.post("/api/v1/tenants", &app.admin_token, &body).await;
                assert_eq!(response.status(), StatusCode::CREATED, "a write during the backup failed");
                created.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    while created.load(Ordering::Relaxed) < 5 {
        // A write refused before the backup starts fails here, rather than leaving this loop waiting forever.
        assert!(!writer.is_finished(), "the writer stopped before the backup began");
        tokio::task::yield_now().await;
    }
    let copy = dir.path().join("backup.db");
    let backup = scoregrc(&app.database).arg("backup").arg("--out").arg(&copy).run().await;
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(backup.status.success(), "{}", said(&backup));
    assert!(said(&backup).contains("audit chains intact"), "{}", said(&backup));
    let again = scoregrc(&app.database).arg("backup").arg("--out").arg(&copy).run().await;
    assert!(!again.status.success(), "an existing file is never overwritten");

    let restored_db = dir.path().join("restored.db");
    let restore = scoregrc(&restored_db).arg("restore").arg("--from").arg(&copy).run().await;
    assert!(restore.status.success(), "{}", said(&restore));
    let text = said(&restore);
    let intact = text.lines().find(|l| l.starts_with("restored")).unwrap_or_default().to_owned();
    assert!(intact.contains("audit chains intact") && !intact.contains(" 0 rows"), "{text}");
    let tenants = count_rows(&restored_db, "tenants");
    assert!(tenants >= 5 && tenants <= created.load(Ordering::Relaxed) as i64, "{tenants} tenants in the copy");

    let refused = scoregrc(&restored_db).arg("restore").arg("--from").arg(&copy).run().await;
    assert!(!refused.status.success());
    assert!(said(&refused).contains("pass --force"), "{}", said(&refused));
    let forced = scoregrc(&restored_db).args(["restore", "--force", "--from"]).arg(&copy).run().await;
    assert!(forced.status.success(), "{}", said(&forced));
    let kept = std::fs::read_dir(dir.path()).unwrap().filter_map(Result::ok);
    assert_eq!(kept.filter(|e| e.file_name().to_string_lossy().contains(".replaced-")).count(), 1);

    let live = scoregrc(&app.database).args(["restore", "--force", "--from"]).arg(&copy).run().await;
    assert!(!live.status.success(), "a running service's database is not replaced");
    assert!(said(&live).contains("stop it first"), "{}", said(&live));
}

#[tokio::test]
async fn a_backup_whose_audit_trail_was_edited_is_not_restored() {
    let app = spawn_sqlite_app().await;
    app.create_tenant("Contoso").await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");
    assert!(scoregrc(&app.database).arg("backup").arg("--out").arg(&copy).run().await.status.success());
    let edit = rusqlite::Connection::open(&copy).unwrap();
    edit.execute("UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 1", []).unwrap();
    drop(edit);

    let target = dir.path().join("restored.db");
    let refused = scoregrc(&target).arg("restore").arg("--from").arg(&copy).run().await;
    assert!(!refused.status.success());
    assert!(said(&refused).contains("breaks after row 0"), "{}", said(&refused));
    assert!(!target.exists(), "nothing was written");

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, b"not a database at all, just some bytes").unwrap();
    let refused = scoregrc(&target).arg("restore").arg("--from").arg(&garbage).run().await;
    assert!(!refused.status.success(), "{}", said(&refused));
    assert!(!target.exists());
}

fn count_rows(db: &std::path::Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[tokio::test]
async fn backup_and_restore_of_a_postgresql_database_point_to_the_server_tools() {
    // Refused before any connection: the address need not answer.
    let server = scoregrc::db::Location::Postgres("postgres://scoregrc@127.0.0.1:1/scoregrc".into());
    for args in [vec!["backup", "--out", "copy.db"], vec!["restore", "--from", "copy.db"]] {
        let refused = scoregrc(&server).args(&args).run().await;
        assert!(!refused.status.success());
        assert!(said(&refused).contains("pg_dump") && said(&refused).contains("db copy"), "{}", said(&refused));
    }
}
