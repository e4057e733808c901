//! Several instances behind a load balancer: two `scoregrc serve` processes on one database (the suite's:
//! PostgreSQL when `SCOREGRC_TEST_POSTGRES` names a server, else one SQLite file). What one writes the other
//! reads, a stale version is refused by either, concurrent writers through both leave every audit chain intact,
//! exactly one runs the background work and another takes it over when it dies, two started at once on an empty
//! database set it up once, and one with another data key refuses to start.

use reqwest::{Method, StatusCode};
use scoregrc::db::Location;
use scoregrc::domain::lease::Lease;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use tempfile::TempDir;

use crate::crash_safety::portal_csv;
use crate::graph_stub::{GraphStub, catalog_controls};
use crate::helpers::fresh_database;
use crate::process::{Server, serve_command};

/// The job runner's lease in these tests: short, so a takeover is quick to see.
const LEASE_SECONDS: &str = "2";
/// How long anything here may take before the test gives up (never how long it is expected to take).
const DEADLINE: Duration = Duration::from_secs(120);

/// Starts an instance on `database` with the short lease, logging to `name`.log in `dir`.
async fn instance(dir: &TempDir, database: &Location, name: &str) -> Server {
    let log = dir.path().join(format!("{name}.log"));
    Server::start_with(database, &log, &[("SCOREGRC_JOB_LEASE_SECONDS", LEASE_SECONDS)]).await
}

/// Two instances on one fresh database, the first started (and the database set up) before the second.
async fn two_instances() -> (TempDir, Location, Server, Server) {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(&dir).await;
    let a = instance(&dir, &database, "a").await;
    let b = instance(&dir, &database, "b").await;
    (dir, database, a, b)
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn json_body(response: reqwest::Response) -> Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// The job runner's lease as stored.
async fn runner_lease(db: &DatabaseConnection) -> Option<Lease> {
    scoregrc::store::leases::get(db, scoregrc::jobs::lease::JOB_RUNNER).await.unwrap()
}

/// Whether `lease` names the process of `server`.
fn held_by(lease: &Lease, server: &Server) -> bool {
    lease.holder.as_str().starts_with(&format!("pid {} ", server.pid()))
}

/// Polls `check` until it answers something, or fails with `what` at the deadline.
async fn eventually<T, F: Future<Output = Option<T>>>(what: &str, mut check: impl FnMut() -> F) -> T {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_write_through_one_instance_is_read_through_the_other_and_a_stale_version_is_refused_by_either() {
    let (_dir, _database, a, b) = two_instances().await;
    let created = a.request(Method::POST, "/api/v1/tenants").json(&json!({"name": "Fabrikam"})).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = json_body(created).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/tenants/{id}");
    assert_eq!(b.get(&path).await["name"], "Fabrikam", "b reads what a wrote");

    let renamed = b.request(Method::PATCH, &path).header("If-Match", "\"1\"").json(&json!({"name": "Fabrikam EU"}));
    let renamed = renamed.send().await.unwrap();
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(json_body(renamed).await["version"], 2);
    let stale = a.request(Method::PATCH, &path).header("If-Match", "\"1\"").json(&json!({"name": "Fabrikam US"}));
    let stale = stale.send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED, "a refuses a write based on what b replaced");
    assert_eq!(json_body(stale).await["current_version"], 2);
    assert_eq!(a.get(&path).await["name"], "Fabrikam EU");
}

#[tokio::test]
async fn concurrent_writes_through_both_instances_keep_every_audit_chain_intact() {
    const EACH: usize = 20;
    let (_dir, _database, a, b) = two_instances().await;
    let (tenant, engineer) = a.create_tenant("Contoso").await;
    let imported =
        a.post_bytes(&engineer, &format!("/api/v1/tenants/{tenant}/imports"), "text/csv", portal_csv(2 * EACH)).await;
    assert_eq!(imported.unwrap().status(), StatusCode::CREATED);
    let listed = b.get(&format!("/api/v1/tenants/{tenant}/recommendations?limit={}", 2 * EACH)).await;
    let items: Vec<String> =
        listed["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(items.len(), 2 * EACH);

    let mut writes = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let through = if i % 2 == 0 { &a } else { &b };
        let tenant_name = format!("Tenant {i}");
        let created = through.request(Method::POST, "/api/v1/tenants").json(&json!({"name": tenant_name}));
        writes.push(tokio::spawn(created.send()));
        let rating = json!({"risk_reduction": "high", "implementation_effort": "low", "note": format!("write {i}")});
        let path = format!("/api/v1/tenants/{tenant}/recommendations/{item}/rating");
        let rated = through.client.put(format!("{}{path}", through.address)).bearer_auth(&engineer).json(&rating);
        writes.push(tokio::spawn(rated.send()));
    }
    for write in writes {
        let response = write.await.unwrap().unwrap();
        assert!(response.status().is_success(), "{}: {}", response.status(), response.text().await.unwrap());
    }

    for server in [&a, &b] {
        let platform = server.get("/api/v1/audit/verify").await;
        assert_eq!(platform["intact"], true, "{platform}");
        let trail = server.get(&format!("/api/v1/tenants/{tenant}/audit/verify")).await;
        assert_eq!(trail["intact"], true, "{trail}");
    }
    assert_eq!(a.get("/api/v1/tenants?limit=1").await["total"], 2 * EACH + 1);
    let rated = b.get(&format!("/api/v1/tenants/{tenant}/recommendations?limit=1&bucket=unrated")).await;
    assert_eq!(rated["total"], 0, "every rating landed");
}

#[tokio::test]
async fn only_the_lease_holder_runs_jobs_and_another_takes_over_when_it_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(&dir).await;
    let db = &scoregrc::db::open(&database, 2).await.unwrap();
    let stub = GraphStub::start(catalog_controls(4), 10).await;
    let a = instance(&dir, &database, "a").await;
    let holder = &a;
    let first = eventually("the only instance takes the job runner's lease", || async move {
        runner_lease(db).await.filter(|l| held_by(l, holder))
    })
    .await;
    let (contoso, contoso_engineer) = connected_tenant(holder, &stub, "Contoso").await;
    // The holder is in the middle of an import (the stand-in holds its fetch) when a second instance starts.
    *stub.hold.lock().unwrap() = true;
    let first_run = queue_graph_import(holder, &contoso, &contoso_engineer).await;
    eventually("the holder starts the import", || async move { job_where(db, "running", 1).await }).await;
    let other = &instance(&dir, &database, "b").await;
    let (fabrikam, fabrikam_engineer) = connected_tenant(other, &stub, "Fabrikam").await;
    let second_run = queue_graph_import(other, &fabrikam, &fabrikam_engineer).await;

    // While the holder lives it keeps the lease; the other instance neither takes its running job for an
    // interrupted one nor runs the job queued through it.
    let renewed_after = first.expires_at + chrono::TimeDelta::seconds(4);
    let renewed = eventually("the holder renews its lease again and again", || async move {
        runner_lease(db).await.filter(|l| l.expires_at > renewed_after)
    })
    .await;
    assert!(held_by(&renewed, holder), "the lease stayed with its holder: {renewed:?}");
    assert!(job_where(db, "running", 1).await.is_some(), "the holder's job is still its first attempt");
    assert!(job_where(db, "queued", 0).await.is_some(), "the job queued through the other instance waits");

    a.kill();
    *stub.hold.lock().unwrap() = false;
    stub.release.notify_waiters();
    eventually("the other instance takes the lease over", || async move {
        runner_lease(db).await.filter(|l| held_by(l, other))
    })
    .await;
    for run in [&first_run, &second_run] {
        let finished = eventually("the survivor runs the queued imports to their end", || async move {
            let run = other.get(run).await;
            (!run["outcome"].is_null()).then_some(run)
        })
        .await;
        assert_eq!(finished["outcome"], "succeeded", "{finished}");
    }
    let mut jobs: Vec<(String, i32)> = scoregrc::entities::job::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|j| (j.state, j.attempts))
        .collect();
    jobs.sort();
    // The killed holder's job was recovered once and run again; the queued one ran once.
    assert_eq!(jobs, [("succeeded".to_owned(), 1), ("succeeded".to_owned(), 2)]);
}

/// A tenant with a Graph connector pointing at `stub`, and an engineer's token for it.
async fn connected_tenant(server: &Server, stub: &GraphStub, name: &str) -> (String, String) {
    let (tenant, engineer) = server.create_tenant(name).await;
    let connector = server.request(Method::PUT, &format!("/api/v1/tenants/{tenant}/connectors/graph"));
    assert_eq!(connector.json(&stub.graph_connector()).send().await.unwrap().status(), StatusCode::OK);
    (tenant, engineer)
}

/// Queues a Graph import through `server`; answers the run's location.
async fn queue_graph_import(server: &Server, tenant: &str, engineer: &str) -> String {
    let queued = server.client.post(format!("{}/api/v1/tenants/{tenant}/imports/graph", server.address));
    let queued = queued.bearer_auth(engineer).json(&json!({})).send().await.unwrap();
    assert_eq!(queued.status(), StatusCode::ACCEPTED);
    queued.headers()["location"].to_str().unwrap().to_owned()
}

/// A job in `state` after `attempts` claims, if there is one.
async fn job_where(db: &DatabaseConnection, state: &str, attempts: i32) -> Option<scoregrc::entities::job::Model> {
    let jobs = scoregrc::entities::job::Entity::find().all(db).await.unwrap();
    jobs.into_iter().find(|j| j.state == state && j.attempts == attempts)
}

#[tokio::test]
async fn two_instances_started_at_once_on_an_empty_database_set_it_up_once() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(&dir).await;
    let (a, b) = tokio::join!(instance(&dir, &database, "a"), instance(&dir, &database, "b"));
    let db = scoregrc::db::open(&database, 2).await.unwrap();
    let migrations = count(&db, "SELECT COUNT(*) FROM seaql_migrations").await;
    assert_eq!(migrations as usize, <migrations::Migrator as migrations::MigratorTrait>::migrations().len());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM users WHERE username = 'admin'").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM users").await, 1);
    for server in [&a, &b] {
        assert_eq!(server.get("/api/v1/audit/verify").await["intact"], true);
    }
    a.stop();
    b.stop();
}

#[tokio::test]
async fn an_instance_with_another_data_key_refuses_to_start_and_names_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(&dir).await;
    let running = instance(&dir, &database, "a").await;
    let other_key = "b3RoZXIgc2NvcmVncmMgZGF0YSBrZXksIDMyIGJ5dGU=";
    let stderr = dir.path().join("refused.log");
    let mut command = serve_command(&database, &[("SCOREGRC_DATA_KEY", other_key)]);
    let status = exit_of(&mut command, &stderr).await;
    let printed = std::fs::read_to_string(&stderr).unwrap();
    assert!(!status.success(), "started with another data key: {printed}");
    assert!(printed.contains("SCOREGRC_DATA_KEY"), "the message names the setting: {printed}");
    assert_eq!(running.get("/api/v1/audit/verify").await["intact"], true, "the running instance is untouched");
    running.stop();
}

/// Runs `command` with its output in `log` and answers how it exited, killing it at the deadline.
async fn exit_of(command: &mut std::process::Command, log: &Path) -> std::process::ExitStatus {
    let file = std::fs::File::create(log).unwrap();
    let mut child = command
        .stdout(std::process::Stdio::from(file.try_clone().unwrap()))
        .stderr(std::process::Stdio::from(file))
        .spawn()
        .unwrap();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if tokio::time::Instant::now() >= deadline {
            child.kill().unwrap();
            panic!("still running at the deadline: {}", std::fs::read_to_string(log).unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_graceful_stop_gives_the_lease_back_so_another_instance_takes_over_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(&dir).await;
    let db = &scoregrc::db::open(&database, 2).await.unwrap();
    // A lease that would take an hour to lapse: only giving it back hands it over within the deadline.
    let long = [("SCOREGRC_JOB_LEASE_SECONDS", "3600")];
    let a = Server::start_with(&database, &dir.path().join("a.log"), &long).await;
    let holder = &a;
    eventually("the first instance takes the lease", || async move {
        runner_lease(db).await.filter(|l| held_by(l, holder))
    })
    .await;
    let other = &Server::start_with(&database, &dir.path().join("b.log"), &long).await;
    a.stop();
    eventually("the other instance takes the lease as soon as it is given back", || async move {
        runner_lease(db).await.filter(|l| held_by(l, other))
    })
    .await;
}
