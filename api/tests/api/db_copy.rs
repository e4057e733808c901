//! `scoregrc db copy`: a deployment built through the API moves into an empty database with every row and every
//! audit chain, a server started on the copy answers as the original did (the same sessions, keys and rows) and
//! keeps writing, and the copy moves back into a file. A target that holds rows, one database named twice,
//! locations that name nothing and a source whose trail was altered are refused, and the target stays empty.
//!
//! The deployment is always a SQLite file, so whenever the suite has a PostgreSQL server (`SCOREGRC_TEST_POSTGRES`)
//! the copy crosses backends: SQLite → PostgreSQL → SQLite. Without one it runs SQLite → SQLite → SQLite.

use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use crate::alert_channels::{add_channel, webhook};
use crate::evidence::{png, upload};
use crate::helpers::{
    ADMIN_PASSWORD, RunCommand, create_postgres_database, json_of, postgres_server, scoregrc, spawn_app,
};
use crate::register::{Register, register_with};
use scoregrc::clock::{Clock, ManualClock};
use scoregrc::db::Location;
use scoregrc::domain::register::workflow::Action;
use scoregrc::store::copy::table_names;

fn said(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `scoregrc db copy --from from --to to`, with the data key of neither in the environment.
async fn db_copy(from: &Location, to: &Location) -> Output {
    let mut command = scoregrc(Path::new("unused.db"));
    command.args(["db", "copy", "--from"]).arg(from.to_argument()).arg("--to").arg(to.to_argument());
    command.run().await
}

/// A database to copy into that does not exist yet: a new database on the suite's PostgreSQL server when there
/// is one, so the copy crosses backends; else a file in `dir`.
async fn new_target(dir: &Path, name: &str) -> Location {
    match postgres_server() {
        Some(server) => Location::Postgres(create_postgres_database(&server).await),
        None => Location::Sqlite(dir.join(name)),
    }
}

/// Every copied table's row count at `location`, in copy order.
async fn counts(location: &Location) -> Vec<(&'static str, i64)> {
    let db = scoregrc::db::open(location, 2).await.unwrap();
    let mut counts = Vec::new();
    for table in table_names() {
        counts.push((table, count(&db, table).await));
    }
    db.close().await.unwrap();
    counts
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index(0).unwrap()
}

/// A deployment in a SQLite file in `dir` (its key file beside it), with something in most tables: two tenants,
/// a member per role, imported items with ratings, an owner and a note, an approved register entry, a roadmap,
/// evidence of three chunks, a webhook with a sealed secret, a Graph connector with a sealed client secret and a
/// service token.
async fn deployment(dir: &Path) -> Register {
    let file = dir.join("source.db");
    let r = register_with(6, 2, |c| {
        c.database = Location::Sqlite(file);
        c.data_key = None;
    })
    .await;
    let (app, tenant) = (&r.app, r.tenant.as_str());
    let ratings = json!({"items": [
        {"id": r.items[0], "risk_reduction": "high", "implementation_effort": "low"},
        {"id": r.items[1], "risk_reduction": "medium", "implementation_effort": "high"},
    ]});
    let rated = app.request(Method::PUT, &format!("/api/v1/tenants/{tenant}/ratings"), &r.eng.token);
    assert_eq!(rated.json(&ratings).send().await.unwrap().status(), StatusCode::OK);
    let item = format!("/api/v1/tenants/{tenant}/recommendations/{}", r.items[0]);
    let owner = json!({"owner_user_id": r.itm.id, "tags": ["q1"], "version": 0});
    let owned = app.request(Method::PUT, &format!("{item}/ownership"), &r.eng.token).json(&owner).send().await;
    assert_eq!(owned.unwrap().status(), StatusCode::OK);
    let note = app.post(&format!("{item}/notes"), &r.eng.token, &json!({"text": "Exclude break-glass first"})).await;
    assert_eq!(note.status(), StatusCode::CREATED);

    let entry = r.propose(&r.eng.token, &[&r.items[2]], "risk_acceptance", "medium").await;
    let entry = entry["id"].as_str().unwrap();
    r.ok(&r.eng.token, entry, Action::Submit).await;
    r.ok(&r.itm.token, entry, Action::Review).await;
    r.ok(&r.ciso.token, entry, Action::Approve).await;
    let roadmap = format!("/api/v1/tenants/{tenant}/roadmaps/2026-Q4");
    let added = app.post(&format!("{roadmap}/items"), &r.eng.token, &json!({"recommendation_id": r.items[0]})).await;
    assert_eq!(added.status(), StatusCode::OK);
    let planned = json_of(added).await["items"][0]["id"].as_str().unwrap().to_owned();
    let dependency =
        json!({"dependencies": [{"kind": "budget", "description": "FIDO2 keys", "expected_date": "2026-12-01"}]});
    let patched = app.request(Method::PATCH, &format!("{roadmap}/items/{planned}"), &r.eng.token).json(&dependency);
    assert_eq!(patched.send().await.unwrap().status(), StatusCode::OK);

    // Three chunks of at most 1 MiB, so the chunk table is copied in more than one row.
    let mut big = png("copied evidence");
    big.extend((0..(5 * 512 * 1024)).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let fields = [("title", "Password policy export"), ("target_kind", "soa_control"), ("target_id", "A.5.17")];
    let uploaded = upload(app, tenant, &r.eng.token, big, "image/png", "policy.png", &fields).await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    // Disabled: nothing is delivered (and recorded) in the background while the counts are compared.
    let mut channel = webhook("SOC", "https://hooks.example.com/in", "HMAC-SECRET-FOR-THE-COPY");
    channel["enabled"] = json!(false);
    add_channel(app, tenant, channel).await;
    let graph = json!({"azure_tenant_id": "contoso.onmicrosoft.com", "client_id": "c1", "client_secret": "s3cret"});
    let connector = app.request(Method::PUT, &format!("/api/v1/tenants/{tenant}/connectors/graph"), &app.admin_token);
    assert!(connector.json(&graph).send().await.unwrap().status().is_success());
    app.issue_token("auditor", &[tenant]).await;
    app.create_tenant("Fabrikam").await;
    r
}

/// Starts the service on `database` with `data_key` at the time `clock` shows; answers its address.
async fn serve(database: &Location, data_key: Option<String>, clock: &ManualClock) -> String {
    let mut config = scoregrc::config::Config::new(database.clone());
    config.data_key = data_key;
    config.bind = "127.0.0.1:0".into();
    config.workers = 1;
    config.admin_password = Some(ADMIN_PASSWORD.into());
    let clock = Arc::new(ManualClock::new(clock.now()));
    let app = scoregrc::app::Application::build(config, clock).await.expect("the service starts on the copy");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

async fn get(client: &reqwest::Client, address: &str, path: &str, token: &str) -> (StatusCode, Vec<u8>) {
    let response = client.get(format!("{address}{path}")).bearer_auth(token).send().await.unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

/// The printed count table has a line per table whose two counts agree, and the chains line reports rows.
fn assert_reported(output: &Output) {
    let text = said(output);
    assert!(output.status.success(), "{text}");
    for table in table_names() {
        let line = text.lines().find(|l| l.split_whitespace().next() == Some(table));
        let numbers: Vec<&str> =
            line.unwrap_or_else(|| panic!("no count for {table}: {text}")).split_whitespace().collect();
        assert_eq!(numbers[1], numbers[2], "{table}: {text}");
    }
    let chains = text.lines().find(|l| l.contains("audit chains intact")).unwrap_or_else(|| panic!("{text}"));
    let words: Vec<&str> = chains.split_whitespace().collect();
    assert_eq!(words[0], words[2], "every chain intact: {chains}");
    assert!(words[0].parse::<u32>().unwrap() >= 2, "the platform's chain and Contoso's: {chains}");
    assert_ne!(words[6], "0", "{chains}");
}

#[tokio::test]
async fn a_deployment_moves_into_an_empty_database_and_back_with_every_row_and_chain() {
    let dir = tempfile::tempdir().unwrap();
    let r = deployment(dir.path()).await;
    let source = r.app.database.clone();
    let before = counts(&source).await;
    let some = ["audit_log", "ratings", "risk_acceptance_events", "roadmap_dependencies", "evidence_blob_chunks"];
    for table in some {
        assert!(before.iter().any(|(t, n)| *t == table && *n > 0), "the deployment has {table} rows: {before:?}");
    }
    assert!(before.iter().filter(|(_, n)| *n > 0).count() >= 30, "most tables hold rows: {before:?}");

    let target = new_target(dir.path(), "copy.db").await;
    let copied = db_copy(&source, &target).await;
    assert_reported(&copied);
    assert_eq!(counts(&target).await, before);
    let key_file = dir.path().join("source.db.key");
    let key = std::fs::read_to_string(&key_file).unwrap().trim().to_owned();
    let text = said(&copied);
    assert!(!text.contains(&key), "the key itself is never printed");
    let data_key = match &target {
        Location::Postgres(_) => {
            assert!(text.contains("SCOREGRC_DATA_KEY") && text.contains(&key_file.display().to_string()), "{text}");
            Some(key)
        }
        Location::Sqlite(path) => {
            assert_eq!(std::fs::read_to_string(path.with_file_name("copy.db.key")).unwrap().trim(), key, "{text}");
            None
        }
    };

    // The same sessions work there (the signing keys moved, sealed), and every sample reads the same.
    let copy = serve(&target, data_key, &r.app.clock).await;
    let t = &r.tenant;
    let samples = [
        ("/api/v1/tenants".to_owned(), &r.app.admin_token),
        ("/api/v1/users".to_owned(), &r.app.admin_token),
        ("/api/v1/tokens".to_owned(), &r.app.admin_token),
        ("/api/v1/audit?limit=500".to_owned(), &r.app.admin_token),
        ("/api/v1/audit/verify".to_owned(), &r.app.admin_token),
        ("/api/v1/signing-key".to_owned(), &r.app.admin_token),
        (format!("/api/v1/tenants/{t}/recommendations?limit=500"), &r.eng.token),
        (format!("/api/v1/tenants/{t}/recommendations/{}", r.items[0]), &r.eng.token),
        (format!("/api/v1/tenants/{t}/recommendations/{}/notes", r.items[0]), &r.eng.token),
        (format!("/api/v1/tenants/{t}/risk-acceptances"), &r.ciso.token),
        (format!("/api/v1/tenants/{t}/roadmaps/2026-Q4"), &r.eng.token),
        (format!("/api/v1/tenants/{t}/evidence"), &r.eng.token),
        (format!("/api/v1/tenants/{t}/alert-channels"), &r.app.admin_token),
        (format!("/api/v1/tenants/{t}/connectors/graph"), &r.app.admin_token),
        (format!("/api/v1/tenants/{t}/score/history"), &r.eng.token),
        (format!("/api/v1/tenants/{t}/audit?limit=500"), &r.auditor.token),
        (format!("/api/v1/tenants/{t}/audit/verify"), &r.auditor.token),
    ];
    for (path, token) in &samples {
        let (status, original) = get(&r.app.client, &r.app.address, path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&original));
        let (status, copied) = get(&r.app.client, &copy, path, token).await;
        assert_eq!(status, StatusCode::OK, "{path} on the copy: {}", String::from_utf8_lossy(&copied));
        let (original, copied): (Value, Value) =
            (serde_json::from_slice(&original).unwrap(), serde_json::from_slice(&copied).unwrap());
        assert_eq!(copied, original, "{path}");
    }
    let evidence = json_of(r.app.get(&format!("/api/v1/tenants/{t}/evidence"), &r.eng.token).await).await;
    let content = evidence["items"][0]["content_url"].as_str().unwrap();
    let original = get(&r.app.client, &r.app.address, content, &r.eng.token).await;
    assert_eq!(get(&r.app.client, &copy, content, &r.eng.token).await, original, "the evidence bytes");

    // The copy takes new rows after the copied ones (its id sequences moved past them) and its chain goes on.
    let notes = format!("{copy}/api/v1/tenants/{t}/recommendations/{}/notes", r.items[1]);
    let note = r.app.client.post(&notes).bearer_auth(&r.eng.token).json(&json!({"text": "Written on the copy"}));
    assert_eq!(note.send().await.unwrap().status(), StatusCode::CREATED);
    let created = r.app.client.post(format!("{copy}/api/v1/tenants")).bearer_auth(&r.app.admin_token);
    assert_eq!(created.json(&json!({"name": "Northwind"})).send().await.unwrap().status(), StatusCode::CREATED);
    let (_, verified) = get(&r.app.client, &copy, "/api/v1/audit/verify", &r.app.admin_token).await;
    assert!(String::from_utf8_lossy(&verified).contains("\"intact\":true"), "{}", String::from_utf8_lossy(&verified));

    // A second copy onto the copy, which now holds rows, is refused and changes nothing there.
    let after_writes = counts(&target).await;
    let refused = db_copy(&source, &target).await;
    assert!(!refused.status.success(), "{}", said(&refused));
    assert!(said(&refused).contains("not empty: `tenants` holds"), "{}", said(&refused));
    assert_eq!(counts(&target).await, after_writes);

    // And back into a file: PostgreSQL → SQLite when the copy is on the server.
    let back = Location::Sqlite(dir.path().join("back.db"));
    let moved_back = db_copy(&target, &back).await;
    assert_reported(&moved_back);
    assert_eq!(counts(&back).await, after_writes);
}

#[tokio::test]
async fn a_target_that_holds_rows_is_refused_and_keeps_them() {
    // On the suite's backend: PostgreSQL to PostgreSQL when it has a server.
    let source = spawn_app().await;
    source.create_tenant("Contoso").await;
    let target = spawn_app().await;
    let before = counts(&target.database).await;
    let refused = db_copy(&source.database, &target.database).await;
    assert!(!refused.status.success());
    let text = said(&refused);
    assert!(text.contains("the target is not empty") && text.contains("nothing was written"), "{text}");
    assert_eq!(counts(&target.database).await, before);
}

#[tokio::test]
async fn a_source_whose_trail_was_altered_is_not_copied_and_the_target_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let r = register_with(2, 2, |c| {
        c.database = Location::Sqlite(dir.path().join("source.db"));
        c.data_key = None;
    })
    .await;
    let edit = rusqlite::Connection::open(dir.path().join("source.db")).unwrap();
    edit.execute("UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 1", []).unwrap();
    drop(edit);

    // Every row is written first and the chains are checked before the commit, so this rolls back a full copy.
    let target = new_target(dir.path(), "copy.db").await;
    let refused = db_copy(&r.app.database, &target).await;
    assert!(!refused.status.success());
    assert!(said(&refused).contains("in the source already"), "{}", said(&refused));
    assert!(counts(&target).await.iter().all(|(_, n)| *n == 0), "the target stays empty");
    if let Location::Sqlite(path) = &target {
        assert!(!path.with_file_name("copy.db.key").exists(), "no key file beside a failed copy");
    }
}

#[tokio::test]
async fn locations_that_name_nothing_or_the_same_database_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let source = Location::Sqlite(dir.path().join("source.db"));
    assert!(scoregrc(&source).arg("migrate").run().await.status.success());
    let target = Location::Sqlite(dir.path().join("copy.db"));

    let mut unknown = scoregrc(&source);
    let refused =
        unknown.args(["db", "copy", "--from"]).arg(source.to_argument()).args(["--to", "mysql://h/db"]).run().await;
    assert!(!refused.status.success());
    let text = said(&refused);
    assert!(text.contains("`mysql://` is not a database scoregrc runs on"), "{text}");

    let missing = Location::Sqlite(dir.path().join("missing.db"));
    let refused = db_copy(&missing, &target).await;
    assert!(!refused.status.success());
    assert!(said(&refused).contains("there is no database at"), "{}", said(&refused));
    assert!(!dir.path().join("missing.db").exists() && !dir.path().join("copy.db").exists(), "nothing was created");

    let same = Location::Sqlite(dir.path().join(".").join("source.db"));
    let refused = db_copy(&source, &same).await;
    assert!(!refused.status.success());
    assert!(said(&refused).contains("name the same database"), "{}", said(&refused));

    let unreachable = Location::Postgres("postgres://scoregrc:s3cret-pw@127.0.0.1:1/nowhere".into());
    let refused = db_copy(&source, &unreachable).await;
    assert!(!refused.status.success());
    let text = said(&refused);
    assert!(text.contains("postgres://scoregrc:***@127.0.0.1:1/nowhere") && !text.contains("s3cret-pw"), "{text}");

    let newer = rusqlite::Connection::open(dir.path().join("source.db")).unwrap();
    newer
        .execute("INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29991231_000001_future', 0)", [])
        .unwrap();
    drop(newer);
    let refused = db_copy(&source, &target).await;
    assert!(!refused.status.success());
    assert!(said(&refused).contains("migrated by a newer scoregrc"), "{}", said(&refused));
    assert!(!dir.path().join("copy.db").exists(), "nothing was created");
}

#[tokio::test]
async fn every_table_of_the_schema_is_copied_and_parents_come_before_children() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.db");
    scoregrc::db::open_and_migrate(&Location::Sqlite(file.clone())).await.unwrap().close().await.unwrap();
    let order = table_names();
    let schema = rusqlite::Connection::open(&file).unwrap();
    let mut tables: Vec<String> = schema
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .filter(|t: &String| t != "seaql_migrations")
        .collect();
    tables.sort();
    let mut copied: Vec<String> = order.iter().map(|t| t.to_string()).collect();
    copied.sort();
    assert_eq!(copied, tables, "`store::copy::tables` lists every table of the schema once");
    for (position, table) in order.iter().enumerate() {
        let mut parents = schema.prepare(&format!("SELECT \"table\" FROM pragma_foreign_key_list('{table}')")).unwrap();
        for parent in parents.query_map([], |row| row.get::<_, String>(0)).unwrap().map(Result::unwrap) {
            let at = order.iter().position(|t| *t == parent).unwrap();
            assert!(at < position, "{table} references {parent}, which must be copied first");
        }
    }
    if let Some(server) = postgres_server() {
        let database = Location::Postgres(create_postgres_database(&server).await);
        let db = scoregrc::db::open_and_migrate(&database).await.unwrap();
        let mut on_server = scoregrc::db::table_names(&db).await.unwrap();
        on_server.retain(|t| t != "seaql_migrations");
        assert_eq!(on_server, tables, "the same tables on PostgreSQL");
    }
}
