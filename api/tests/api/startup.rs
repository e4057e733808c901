//! First start: the admin account, and the demo with one account per role.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use scoregrc::app::Application;
use scoregrc::clock::ManualClock;
use serde_json::json;
use std::sync::Arc;

use crate::helpers::test_config;

/// Starts the app on `config` (cloned, so a test can start again on the same database) after `adjust`.
async fn start(
    config: &scoregrc::config::Config,
    adjust: impl FnOnce(&mut scoregrc::config::Config),
) -> (Application, String) {
    let mut config = config.clone();
    adjust(&mut config);
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()));
    let app = Application::build(config, clock).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    (app, address)
}

async fn login(address: &str, username: &str, password: &str) -> StatusCode {
    let body = json!({ "username": username, "password": password });
    reqwest::Client::new().post(format!("{address}/api/v1/auth/login")).json(&body).send().await.unwrap().status()
}

#[tokio::test]
async fn the_first_start_generates_an_admin_password_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(&dir).await;
    let (app, address) = start(&config, |c| c.admin_password = None).await;
    let password = app.report().generated_admin_password.clone().expect("a generated password");
    assert!(password.len() >= 20);
    tokio::spawn(app.run_until_stopped());
    assert_eq!(login(&address, "admin", &password).await, StatusCode::OK);

    let (again, _) = start(&config, |c| c.admin_password = None).await;
    assert!(again.report().generated_admin_password.is_none(), "shown only on the first start");
}

#[tokio::test]
async fn the_demo_creates_one_member_per_role_with_fresh_passwords_each_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(&dir).await;
    let (first, _) = start(&config, |c| c.demo = true).await;
    let old_accounts = first.report().demo_accounts.clone();
    drop(first);
    let (app, address) = start(&config, |c| c.demo = true).await;
    let accounts = app.report().demo_accounts.clone();
    tokio::spawn(app.run_until_stopped());
    assert_eq!(accounts.len(), 5);
    for (old, account) in old_accounts.iter().zip(&accounts) {
        assert_ne!(old.password, account.password);
        assert_eq!(login(&address, &old.username, &old.password).await, StatusCode::UNAUTHORIZED);
        let body = json!({ "username": account.username, "password": account.password });
        let response =
            reqwest::Client::new().post(format!("{address}/api/v1/auth/login")).json(&body).send().await.unwrap();
        let token = response.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
        let tenants: serde_json::Value = reqwest::Client::new()
            .get(format!("{address}/api/v1/tenants"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(tenants["items"][0]["name"], "Contoso (demo)", "{} sees the demo tenant", account.username);
        assert_eq!(tenants["total"], 1);
    }
}

#[tokio::test]
async fn the_demo_tenant_has_recommendations_history_regressions_and_defender_data() {
    let dir = tempfile::tempdir().unwrap();
    let (app, address) = start(&test_config(&dir).await, |c| c.demo = true).await;
    let admin = app.report().demo_accounts.iter().find(|a| a.username == "demo-auditor").cloned().unwrap();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let body = json!({ "username": admin.username, "password": admin.password });
    let login: serde_json::Value =
        client.post(format!("{address}/api/v1/auth/login")).json(&body).send().await.unwrap().json().await.unwrap();
    let token = login["token"].as_str().unwrap();
    let get = |path: String| client.get(format!("{address}{path}")).bearer_auth(token).send();
    let get = |path: String| {
        let sent = get(path);
        async move { sent.await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let tenants = get("/api/v1/tenants".into()).await;
    let tenant = tenants["items"][0]["id"].as_str().unwrap().to_owned();
    let all = get(format!("/api/v1/tenants/{tenant}/recommendations?product=m365&limit=1")).await;
    assert!(all["total"].as_u64().unwrap() >= 200, "{}", all["total"]);
    let regressed = get(format!("/api/v1/tenants/{tenant}/recommendations?regressed=true")).await;
    assert!(regressed["total"].as_u64().unwrap() >= 1);
    let completed = get(format!("/api/v1/tenants/{tenant}/recommendations?status=completed&limit=1")).await;
    assert!(completed["total"].as_u64().unwrap() >= 40);
    let history = get(format!("/api/v1/tenants/{tenant}/score/history?days=90")).await;
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 90);
    assert!(history[0]["percent"].as_f64() < history[89]["percent"].as_f64(), "the trend rises");
    let score = get(format!("/api/v1/tenants/{tenant}/score")).await;
    assert_eq!(score["defender"]["subscriptions"].as_array().unwrap().len(), 1);
    assert!(score["m365"]["percent"].as_f64().unwrap() > 0.0);
    let register = get(format!("/api/v1/tenants/{tenant}/risk-acceptances")).await;
    let states: Vec<&str> =
        register["items"].as_array().unwrap().iter().map(|e| e["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["submitted", "approved"], "a decision waiting for review and the seed's approved example");
    let plans = get(format!("/api/v1/tenants/{tenant}/roadmaps")).await;
    let quarter = plans[0]["quarter"].as_str().unwrap().to_owned();
    let plan = get(format!("/api/v1/tenants/{tenant}/roadmaps/{quarter}")).await;
    let mut phases: Vec<&str> =
        plan["items"].as_array().unwrap().iter().map(|i| i["phase"]["phase"].as_str().unwrap()).collect();
    phases.sort();
    phases.dedup();
    assert_eq!(phases, ["done", "early_adopters", "general", "not_started", "pilot"], "an item in every phase");
    let report = get(format!("/api/v1/tenants/{tenant}/reports/board/{quarter}")).await;
    assert!(report["roadmap"]["slipped"].as_u64().unwrap() >= 1, "one slipped item: {}", report["roadmap"]);
    let rows = get(format!("/api/v1/tenants/{tenant}/risk-register")).await;
    assert_eq!(rows[0]["risk_description"], "Reduces visibility into unsanctioned SaaS app usage (shadow IT)");
}

#[tokio::test]
async fn a_connector_import_interrupted_by_a_restart_is_resumed_and_one_interrupted_too_often_fails_visibly() {
    use scoregrc::domain::audit::Actor;
    use scoregrc::store::{connectors, import_runs, jobs};
    use sea_orm::{ActiveModelTrait, Set};

    let dir = tempfile::tempdir().unwrap();
    let stub = crate::graph_stub::GraphStub::start(crate::graph_stub::catalog_controls(4), 10).await;
    let config = test_config(&dir).await;
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    // Leave the database as a crash would: two connector imports claimed by a runner that died.
    let db = scoregrc::db::open_and_migrate(&config.database).await.unwrap();
    let key = crate::helpers::test_data_key(&config.database);
    let admin = Actor::system("test");
    let tenant = scoregrc::store::tenants::create(&db, &admin, now, "Contoso".into()).await.unwrap().id;
    let settings: connectors::ConnectorSettings = serde_json::from_value(stub.graph_connector()).unwrap();
    let write = connectors::ConnectorWrite { settings, client_secret: Some("s3cret".into()), version: None };
    connectors::put(&db, &key, &admin, now, tenant, connectors::ConnectorKind::Graph, write).await.unwrap();
    let mut runs = Vec::new();
    for attempts in [1, 3] {
        let new = import_runs::NewRun {
            tenant,
            source: scoregrc::domain::recommendation::Channel::Graph,
            actor: &admin,
            file_name: None,
            file_sha256: None,
            phase: import_runs::RunPhase::Fetching,
        };
        let run = import_runs::start(&db, now, new).await.unwrap();
        let job = jobs::enqueue(
            &db,
            jobs::JobKind::ConnectorImport,
            Some(tenant),
            json!({"run_id": run, "kind": "graph"}),
            now,
            now,
        )
        .await
        .unwrap();
        let running = scoregrc::entities::job::ActiveModel {
            id: Set(job),
            state: Set("running".to_owned()),
            attempts: Set(attempts),
            ..Default::default()
        };
        running.update(&db).await.unwrap();
        runs.push(run);
    }
    drop(db);

    let clock = Arc::new(ManualClock::new(now));
    let app = Application::build(config, clock).await.unwrap();
    let state = app.state().clone();
    let mut finished = state.jobs.finished();
    tokio::spawn(app.run_until_stopped());
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let resumed = import_runs::get(&state.db, tenant, runs[0]).await.unwrap();
        if resumed.outcome.is_some() {
            assert_eq!(resumed.outcome, Some(import_runs::RunOutcome::Succeeded), "{resumed:?}");
            assert_eq!(resumed.counts.new, 4);
            break;
        }
        tokio::time::timeout_at(deadline, finished.changed()).await.expect("the resumed import finishes").unwrap();
    }
    let abandoned = import_runs::get(&state.db, tenant, runs[1]).await.unwrap();
    assert_eq!(abandoned.outcome, Some(import_runs::RunOutcome::Failed));
    assert!(abandoned.errors[0].message.contains("interrupted"), "{:?}", abandoned.errors);
}
