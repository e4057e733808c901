//! Health, readiness, metrics, request ids, the docs page and the landing page.

use reqwest::StatusCode;

use crate::helpers::{json_of, spawn_app};

#[tokio::test]
async fn health_and_readiness_answer_ok() {
    let app = spawn_app().await;
    assert_eq!(json_of(app.get("/healthz", "").await).await["status"], "ok");
    assert_eq!(json_of(app.get("/readyz", "").await).await["status"], "ok");
}

#[tokio::test]
async fn metrics_count_requests_per_route_pattern_and_status() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Tenant A").await;
    app.get(&format!("/api/v1/tenants/{tenant}"), &app.admin_token).await;
    app.get("/api/v1/tenants", "").await;
    let text = app.get("/metrics", "").await.text().await.unwrap();
    assert!(
        text.contains(
            r#"scoregrc_http_requests_total{method="GET",route="/api/v1/tenants/{tenant_id}",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"scoregrc_http_requests_total{method="GET",route="/api/v1/tenants",status="401"} 1"#));
    assert!(text.contains("scoregrc_http_request_duration_seconds_bucket"));
    assert!(!text.contains(&tenant), "raw ids must not become label values");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_safe_headers() {
    let app = spawn_app().await;
    let response = app.get("/healthz", "").await;
    assert_eq!(response.headers()["x-request-id"].len(), 36);
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let other = app.get("/healthz", "").await;
    assert_ne!(response.headers()["x-request-id"], other.headers()["x-request-id"]);
}

#[tokio::test]
async fn the_docs_page_works_with_no_internet() {
    let app = spawn_app().await;
    let redirect = app.get("/docs", "").await;
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    let page = app.get("/docs/", "").await.text().await.unwrap();
    assert!(page.contains("swagger-ui"));
    assert!(!page.contains("https://"), "the docs page must not load anything from the internet");
    let bundle = app.get("/docs/swagger-ui-bundle.js", "").await;
    assert_eq!(bundle.status(), StatusCode::OK);
    let init = app.get("/docs/swagger-initializer.js", "").await.text().await.unwrap();
    assert!(init.contains("/api/v1/openapi.json"));
}

#[tokio::test]
async fn the_landing_page_says_what_the_service_is_and_links_to_the_docs() {
    let app = spawn_app().await;
    let response = app.get("/", "").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(response.headers().contains_key("content-security-policy"));
    let page = response.text().await.unwrap();
    assert!(page.contains("scoregrc"));
    assert!(page.contains("Secure Score"));
    assert!(page.contains("href=\"/docs/\""));
}
