//! Service tokens: issued once, scoped to their tenants, revocable at once, always expiring.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, spawn_app};

#[tokio::test]
async fn a_service_token_sees_only_its_tenants() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let b = app.create_tenant("Tenant B").await;
    let (_, secret) = app.issue_token("auditor", &[&a]).await;
    let list = json_of(app.get("/api/v1/tenants", &secret).await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], a.as_str());
    assert_eq!(app.get(&format!("/api/v1/tenants/{a}"), &secret).await.status(), StatusCode::OK);
    assert_eq!(app.get(&format!("/api/v1/tenants/{b}"), &secret).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/tenants/{a}/audit"), &secret).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_secret_is_shown_once_and_only_its_hash_is_stored() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let (id, secret) = app.issue_token("engineer", &[&a]).await;
    assert!(secret.starts_with("sgt_"));
    let list = app.get("/api/v1/tokens", &app.admin_token).await.text().await.unwrap();
    assert!(!list.contains(&secret));
    assert!(list.contains(&id));
    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), "SELECT secret_sha256 FROM api_tokens"))
        .await
        .unwrap();
    let stored: String = rows[0].try_get("", "secret_sha256").unwrap();
    assert_eq!(stored, scoregrc::auth::service_token::digest(&secret));
}

#[tokio::test]
async fn a_revoked_token_stops_working_on_the_next_request() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let (id, secret) = app.issue_token("engineer", &[&a]).await;
    assert_eq!(app.get("/api/v1/tenants", &secret).await.status(), StatusCode::OK);
    let revoked = json_of(app.delete(&format!("/api/v1/tokens/{id}"), &app.admin_token).await).await;
    assert_eq!(revoked["state"], "revoked");
    assert_eq!(app.get("/api/v1/tenants", &secret).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_expires_after_its_lifetime() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let body = json!({ "name": "short", "role": "auditor", "tenant_ids": [a], "expires_in_days": 1 });
    let secret =
        json_of(app.post("/api/v1/tokens", &app.admin_token, &body).await).await["secret"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/tenants", &secret).await.status(), StatusCode::OK);
    app.clock.advance(Duration::days(1));
    assert_eq!(app.get("/api/v1/tenants", &secret).await.status(), StatusCode::UNAUTHORIZED);
    let admin = app.token_for("admin", crate::helpers::ADMIN_PASSWORD).await;
    let list = json_of(app.get("/api/v1/tokens", &admin).await).await;
    assert_eq!(list["items"][0]["state"], "expired");
}

#[tokio::test]
async fn tokens_default_to_90_days_refuse_more_than_365_admin_and_unknown_tenants() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let default = json_of(
        app.post("/api/v1/tokens", &app.admin_token, &json!({"name": "n", "role": "engineer", "tenant_ids": [a]}))
            .await,
    )
    .await;
    assert_eq!(default["token"]["expires_at"], "2027-02-21T09:00:00Z");
    let cases = [
        (json!({"name": "n", "role": "engineer", "tenant_ids": [a], "expires_in_days": 366}), "expires_in_days"),
        (json!({"name": "n", "role": "admin", "tenant_ids": [a]}), "role"),
        (
            json!({"name": "n", "role": "engineer", "tenant_ids": [a, "01900000-0000-7000-8000-000000000000"]}),
            "tenant_ids[1]",
        ),
        (json!({"name": " ", "role": "engineer", "tenant_ids": [a]}), "name"),
    ];
    for (body, field) in cases {
        let response = app.post("/api/v1/tokens", &app.admin_token, &body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(json_of(response).await["errors"][0]["field"], field);
    }
}
