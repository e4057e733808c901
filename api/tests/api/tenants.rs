//! Tenants: created by admins, renamed with a version check, archived, never lost to a concurrent writer.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, spawn_app};

#[tokio::test]
async fn creating_a_tenant_answers_201_with_its_location() {
    let app = spawn_app().await;
    let response = app.post("/api/v1/tenants", &app.admin_token, &json!({"name": "  Fabrikam  "})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body = json_of(response).await;
    assert_eq!(body["name"], "Fabrikam");
    assert_eq!(location, format!("/api/v1/tenants/{}", body["id"].as_str().unwrap()));
    assert_eq!(json_of(app.get(&location, &app.admin_token).await).await, body);
}

#[tokio::test]
async fn tenant_names_are_unique() {
    let app = spawn_app().await;
    app.create_tenant("Fabrikam").await;
    let again = app.post("/api/v1/tenants", &app.admin_token, &json!({"name": "Fabrikam"})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_rename_based_on_a_stale_version_is_refused_with_412() {
    let app = spawn_app().await;
    let id = app.create_tenant("Fabrikam").await;
    let path = format!("/api/v1/tenants/{id}");
    let renamed =
        json_of(app.patch(&path, &app.admin_token, &json!({"name": "Fabrikam EU", "version": 1})).await).await;
    assert_eq!(renamed["version"], 2);
    let stale = app.patch(&path, &app.admin_token, &json!({"name": "Fabrikam US", "version": 1})).await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(json_of(stale).await["current_version"], 2);
    let by_header = app
        .request(reqwest::Method::PATCH, &path, &app.admin_token)
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(json_of(app.get(&path, &app.admin_token).await).await["name"], "Fabrikam EU");
}

#[tokio::test]
async fn archiving_and_restoring_a_tenant_is_recorded() {
    let app = spawn_app().await;
    let id = app.create_tenant("Fabrikam").await;
    let path = format!("/api/v1/tenants/{id}");
    let archived = json_of(app.patch(&path, &app.admin_token, &json!({"archived": true})).await).await;
    assert_eq!(archived["archived"], true);
    assert_eq!(archived["archived_at"], "2026-11-23T09:00:00Z");
    let restored = json_of(app.patch(&path, &app.admin_token, &json!({"archived": false})).await).await;
    assert_eq!(restored["archived"], false);
    let trail = json_of(app.get(&format!("/api/v1/audit?entity=tenant&entity_id={id}"), &app.admin_token).await).await;
    let actions: Vec<&str> = trail["items"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "archive", "restore"]);
}

#[tokio::test]
async fn concurrent_writers_wait_for_each_other_instead_of_failing() {
    let app = spawn_app().await;
    let mut writers = Vec::new();
    for i in 0..24 {
        let client = app.client.clone();
        let url = format!("{}/api/v1/tenants", app.address);
        let token = app.admin_token.clone();
        writers.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"name": format!("Tenant {i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for writer in writers {
        assert_eq!(writer.await.unwrap(), StatusCode::CREATED);
    }
    let report = json_of(app.get("/api/v1/audit/verify", &app.admin_token).await).await;
    assert_eq!(report["intact"], true);
    // The two signing keys (sessions, evidence packs), the shipped catalogs and the first admin, then 24 tenants,
    // in one unbroken chain.
    assert_eq!(report["rows_checked"], 28);
}

#[tokio::test]
async fn members_are_listed_for_admins() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let member = app.member_of(&a, "leo", "it_manager").await;
    let list = json_of(app.get(&format!("/api/v1/tenants/{a}/members"), &app.admin_token).await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["user_id"], member.id.as_str());
    assert_eq!(list["items"][0]["role"], "it_manager");
    let missing_user =
        app.put(&format!("/api/v1/tenants/{a}/members/01900000-0000-7000-8000-000000000000"), &app.admin_token).await;
    assert_eq!(missing_user.status(), StatusCode::NOT_FOUND);
}
