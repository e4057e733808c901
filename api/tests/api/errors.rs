//! Bad input answers problem+json, never an HTML page, a plain-text error or a panic.

use reqwest::{Method, StatusCode};

use crate::helpers::{json_of, spawn_app, spawn_app_with};

async fn assert_problem(response: reqwest::Response, status: StatusCode, kind: &str) -> serde_json::Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let body = json_of(response).await;
    assert_eq!(body["type"], format!("urn:scoregrc:problem:{kind}"));
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string() && body["detail"].is_string());
    body
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/api/v1/tenants", &app.admin_token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::BAD_REQUEST, "malformed-request").await;
}

#[tokio::test]
async fn a_missing_field_is_a_422_naming_the_field() {
    let app = spawn_app().await;
    let response = app.post("/api/v1/tenants", &app.admin_token, &serde_json::json!({"nom": "x"})).await;
    let body = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(body["errors"][0]["field"], "name");
}

#[tokio::test]
async fn credentials_are_checked_before_the_body() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/api/v1/tenants", "")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let engineer = app.create_user("tom", "engineer").await;
    let response = app
        .request(Method::POST, "/api/v1/tenants", &engineer.token)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    assert_problem(app.get("/api/v1/nothing-here", &app.admin_token).await, StatusCode::NOT_FOUND, "not-found").await;
    assert_problem(app.get("/nothing-here", "").await, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let app = spawn_app().await;
    let response = app.request(Method::DELETE, "/api/v1/tenants", &app.admin_token).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET, POST");
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed").await;
    let response = app
        .request(Method::PUT, "/api/v1/tenants/01900000-0000-7000-8000-000000000000", &app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, PATCH");
}

#[tokio::test]
async fn an_oversized_body_is_a_413_problem() {
    let app = spawn_app_with(|c| c.max_json_bytes = 64 * 1024).await;
    let name = "x".repeat(128 * 1024);
    let response = app.post("/api/v1/tenants", &app.admin_token, &serde_json::json!({ "name": name })).await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    let app = spawn_app().await;
    let response = app
        .request(Method::POST, "/api/v1/tenants", &app.admin_token)
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type").await;
}

#[tokio::test]
async fn a_malformed_id_in_the_path_is_a_404_problem() {
    let app = spawn_app().await;
    assert_problem(app.get("/api/v1/users/not-a-uuid", &app.admin_token).await, StatusCode::NOT_FOUND, "not-found")
        .await;
    assert_problem(app.get("/api/v1/tenants/not-a-uuid", &app.admin_token).await, StatusCode::NOT_FOUND, "not-found")
        .await;
}

#[tokio::test]
async fn bad_paging_parameters_are_a_422_naming_the_parameter() {
    let app = spawn_app().await;
    let body = assert_problem(
        app.get("/api/v1/tenants?limit=501", &app.admin_token).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "limit");
    let body = assert_problem(
        app.get("/api/v1/tenants?cursor=%25%25", &app.admin_token).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "cursor");
    assert_problem(
        app.get("/api/v1/tenants?limit=ten", &app.admin_token).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    )
    .await;
}
