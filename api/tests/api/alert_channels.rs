//! Alert channels over HTTP: an admin adds, reads, changes, disables and deletes them; secrets are write-only
//! everywhere (answers, lists, the audit trail); input is checked field by field. Shared set-up for the delivery
//! tests.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

use crate::helpers::{TestApp, json_of, spawn_app};
use scoregrc::clock::Clock;
use scoregrc::domain::ids::TenantId;
use scoregrc::entities::alert_channel;
use sea_orm::EntityTrait;

pub fn channels_path(tenant: &str) -> String {
    format!("/api/v1/tenants/{tenant}/alert-channels")
}

/// Adds a channel as the admin and answers it.
pub async fn add_channel(app: &TestApp, tenant: &str, body: Value) -> Value {
    let response = app.post(&channels_path(tenant), &app.admin_token, &body).await;
    let status = response.status();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    let created = json_of(response).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(location, Some(format!("{}/{}", channels_path(tenant), created["id"].as_str().unwrap())));
    created
}

/// A webhook channel body.
pub fn webhook(name: &str, url: &str, secret: &str) -> Value {
    json!({"name": name, "kind": "webhook", "webhook": {"url": url, "secret": secret}})
}

/// Writes a notification into the outbox, as the register's sweep or the monitoring would.
pub async fn enqueue(app: &TestApp, tenant: &str, kind: &str, payload: Value) {
    let tenant = TenantId(tenant.parse().unwrap());
    let key = format!("{kind}:{}", uuid::Uuid::now_v7());
    let now = app.clock.now();
    let written = scoregrc::store::notifications::enqueue(&app.db, Some(tenant), kind, &key, &payload, now).await;
    assert!(written.unwrap());
}

/// Reads `path` as the admin until `done` holds, waiting on the runner's ticks (never on a timer).
pub async fn wait_for(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut finished = app.jobs_finished.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let value = json_of(app.get(path, &app.admin_token).await).await;
        if done(&value) {
            return value;
        }
        let waited = tokio::time::timeout_at(deadline, finished.changed()).await;
        assert!(waited.is_ok(), "{path} never got there: {value}");
    }
}

/// Every text the admin can read about the tenant's channels: list, each channel, and the tenant's audit trail.
async fn everything_shown(app: &TestApp, tenant: &str) -> String {
    let list = app.get(&channels_path(tenant), &app.admin_token).await.text().await.unwrap();
    let mut shown = list.clone();
    for channel in serde_json::from_str::<Value>(&list).unwrap()["items"].as_array().unwrap() {
        let path = format!("{}/{}", channels_path(tenant), channel["id"].as_str().unwrap());
        shown.push_str(&app.get(&path, &app.admin_token).await.text().await.unwrap());
    }
    let audit = format!("/api/v1/tenants/{tenant}/audit?limit=500");
    shown.push_str(&app.get(&audit, &app.admin_token).await.text().await.unwrap());
    shown
}

#[tokio::test]
async fn secrets_are_write_only_for_every_kind_of_channel() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let hook =
        add_channel(&app, &tenant, webhook("SOC webhook", "https://hooks.example.com/in", "hmac key 0123456789")).await;
    assert_eq!(hook["webhook"], json!({"url": "https://hooks.example.com/in", "has_secret": true}));
    assert_eq!((hook["enabled"].as_bool(), hook["version"].as_i64()), (Some(true), Some(1)));
    assert_eq!(hook["health"]["status"], "untested");
    let teams_url = "https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=TEAMS-SIG-SECRET";
    let teams =
        add_channel(&app, &tenant, json!({"name": "SOC Teams", "kind": "teams", "teams": {"url": teams_url}})).await;
    assert_eq!(
        teams["teams"]["url_hint"],
        "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"
    );
    let email = json!({"name": "SOC mail", "kind": "email", "email": {"host": "smtp.example.com", "port": 587,
        "username": "scoregrc", "password": "SMTP-PASSWORD-SECRET", "from": "scoregrc <alerts@example.com>",
        "to": ["soc@example.com"]}});
    let mail = add_channel(&app, &tenant, email).await;
    assert_eq!(
        (mail["email"]["has_password"].as_bool(), mail["email"]["starttls"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(mail["email"].get("password").is_none());

    // Rotating a secret is audited as a change, without the secret.
    let path = format!("{}/{}", channels_path(&tenant), hook["id"].as_str().unwrap());
    let rotate =
        json!({"webhook": {"url": "https://hooks.example.com/in", "secret": "ROTATED-HMAC-SECRET"}, "version": 1});
    let rotated = json_of(app.patch(&path, &app.admin_token, &rotate).await).await;
    assert_eq!(rotated["version"], 2);
    let shown = everything_shown(&app, &tenant).await;
    for secret in ["hmac key 0123456789", "ROTATED-HMAC-SECRET", "TEAMS-SIG-SECRET", "SMTP-PASSWORD-SECRET"] {
        assert!(!shown.contains(secret), "{secret} was shown");
    }
    assert!(shown.contains("\"secret_changed\":true"));
    let stored: Vec<Option<String>> =
        alert_channel::Entity::find().all(&app.db).await.unwrap().into_iter().map(|c| c.secret_sealed).collect();
    assert!(stored.iter().all(|s| s.as_deref().is_some_and(|s| s.starts_with("v1."))), "sealed at rest: {stored:?}");
}

#[tokio::test]
async fn invalid_settings_answer_422_naming_each_field() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let cases = [
        (webhook("x", "ftp://hooks.example.com", "0123456789abcdef"), vec!["webhook.url"]),
        (webhook("x", "https://hooks.example.com", "short"), vec!["webhook.secret"]),
        (json!({"name": "x", "kind": "webhook", "webhook": {"url": "https://h.example.com"}}), vec!["webhook.secret"]),
        (json!({"name": "", "kind": "teams", "teams": {}}), vec!["name", "teams.url"]),
        (
            json!({"name": "x", "kind": "teams", "webhook": {"url": "https://h.example.com", "secret": "0123456789abcdef"}}),
            vec!["webhook", "teams"],
        ),
        (
            json!({"name": "x", "kind": "email", "email": {"host": "smtp example", "port": 70000, "from": "alerts",
                "to": ["soc@example.com", "nobody"], "password": "p"}}),
            vec!["email.host", "email.port", "email.from", "email.to[1]"],
        ),
    ];
    for (body, fields) in cases {
        let response = app.post(&channels_path(&tenant), &app.admin_token, &body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let problem = json_of(response).await;
        let named: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(named, fields, "{problem}");
    }
    // A password needs a user to log in as; the store says so once the settings are complete.
    let body = json!({"name": "x", "kind": "email", "email": {"host": "smtp.example.com", "port": 25, "starttls": false,
        "from": "alerts@example.com", "to": ["soc@example.com"], "password": "p"}});
    let problem = json_of(app.post(&channels_path(&tenant), &app.admin_token, &body).await).await;
    assert_eq!(problem["errors"][0]["field"], "email.username", "{problem}");
}

#[tokio::test]
async fn changes_need_the_version_keep_the_secret_and_never_change_the_kind() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let hook = add_channel(&app, &tenant, webhook("SOC", "https://hooks.example.com/in", "0123456789abcdef")).await;
    add_channel(&app, &tenant, webhook("Other", "https://hooks.example.com/other", "0123456789abcdef")).await;
    let path = format!("{}/{}", channels_path(&tenant), hook["id"].as_str().unwrap());
    let admin = &app.admin_token;

    assert_eq!(app.patch(&path, admin, &json!({"enabled": false})).await.status(), StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(
        app.patch(&path, admin, &json!({"enabled": false, "version": 7})).await.status(),
        StatusCode::PRECONDITION_FAILED
    );
    let taken = app.patch(&path, admin, &json!({"name": "Other", "version": 1})).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let other_kind = app.patch(&path, admin, &json!({"teams": {"url": "https://x.example.com"}, "version": 1})).await;
    assert_eq!(other_kind.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(other_kind).await["errors"][0]["field"], "teams");

    let disabled = app
        .request(Method::PATCH, &path, admin)
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "SOC (paused)", "enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), StatusCode::OK);
    let disabled = json_of(disabled).await;
    assert_eq!((disabled["name"].as_str(), disabled["enabled"].as_bool()), (Some("SOC (paused)"), Some(false)));
    assert_eq!(disabled["webhook"]["has_secret"], true, "the secret is kept");
    let listed = json_of(app.get(&channels_path(&tenant), admin).await).await;
    assert_eq!(listed["total"], 2);

    assert_eq!(app.delete(&path, admin).await.status(), StatusCode::PRECONDITION_REQUIRED);
    let deleted = app.request(Method::DELETE, &path, admin).header("If-Match", "2").send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path, admin).await.status(), StatusCode::NOT_FOUND);
    let trail = json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?limit=500"), admin).await).await;
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["entity"] == "alert_channel")
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "create").count(), 2);
    assert!(actions.contains(&"update") && actions.contains(&"delete"), "{actions:?}");
}

#[tokio::test]
async fn only_an_admin_touches_channels_while_every_member_reads_the_outbox() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let ciso = app.member_of(&tenant, "ciso", "ciso").await;
    let auditor = app.member_of(&tenant, "aud", "auditor").await;
    // Pointing nowhere (the discard port): the notification below fails there, which does not matter here.
    let hook = add_channel(&app, &tenant, webhook("SOC", "http://127.0.0.1:9/in", "0123456789abcdef")).await;
    assert_eq!(app.get(&channels_path(&tenant), &ciso.token).await.status(), StatusCode::FORBIDDEN);
    let test = format!("{}/{}/test", channels_path(&tenant), hook["id"].as_str().unwrap());
    assert_eq!(app.post(&test, &ciso.token, &json!({})).await.status(), StatusCode::FORBIDDEN);
    enqueue(&app, &tenant, "alert.score_drop", json!({"title": "Score dropped", "severity": "warning"})).await;
    let outbox = json_of(app.get(&format!("/api/v1/tenants/{tenant}/notifications"), &auditor.token).await).await;
    assert_eq!(outbox["total"], 1);
    assert_eq!(
        (outbox["items"][0]["title"].as_str(), outbox["items"][0]["severity"].as_str()),
        (Some("Score dropped"), Some("warning"))
    );
}
