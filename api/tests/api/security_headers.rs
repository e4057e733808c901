//! The security headers on every kind of answer, and CORS: off unless origins are configured, then only those.

use reqwest::{Method, StatusCode};

use crate::helpers::{spawn_app, spawn_app_with};

const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

#[tokio::test]
async fn every_answer_has_a_policy_with_no_inline_script_and_no_framing() {
    let app = spawn_app().await;
    let answers = [
        ("/healthz", StatusCode::OK),
        ("/api/v1/tenants", StatusCode::UNAUTHORIZED),
        ("/api/v1/no-such-thing", StatusCode::NOT_FOUND),
        ("/api/v1/openapi.json", StatusCode::OK),
        ("/docs/", StatusCode::OK),
        ("/", StatusCode::OK),
        ("/ui/main.js", StatusCode::OK),
    ];
    for (path, status) in answers {
        let response = app.get(path, "").await;
        assert_eq!(response.status(), status, "{path}");
        let headers = response.headers();
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
        assert!(!script_src(policy).contains("'unsafe-inline'"), "{path}: {policy}");
        assert!(!policy.contains("unsafe-eval"), "{path}: {policy}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(headers.get("access-control-allow-origin").is_none(), "{path}: CORS is off by default");
    }
    let data = app.get("/api/v1/tenants", "").await;
    assert_eq!(data.headers()["content-security-policy"], API_POLICY, "API answers load nothing");
    let page = app.get("/", "").await;
    let ui = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(ui.contains("script-src 'self' 'sha256-"), "the UI keeps its own policy: {ui}");
}

/// The `script-src` directive, or `default-src` when there is none.
fn script_src(policy: &str) -> &str {
    let directives: Vec<&str> = policy.split(';').map(str::trim).collect();
    directives
        .iter()
        .find(|d| d.starts_with("script-src"))
        .or_else(|| directives.iter().find(|d| d.starts_with("default-src")))
        .copied()
        .unwrap_or("")
}

#[tokio::test]
async fn with_no_allow_list_a_preflight_from_another_origin_gets_no_cors_grant() {
    let app = spawn_app().await;
    let preflight = app
        .client
        .request(Method::OPTIONS, format!("{}/api/v1/tenants", app.address))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert!(preflight.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn an_allowed_origin_gets_cors_and_others_are_refused() {
    let app = spawn_app_with(|c| c.cors_origins = vec!["https://grc.example.com".into()]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, format!("{}/api/v1/tenants", app.address))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "PUT")
            .header("Access-Control-Request-Headers", "authorization, content-type, if-match")
            .send()
    };
    let allowed = preflight("https://grc.example.com").await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://grc.example.com");
    let methods = allowed.headers()["access-control-allow-methods"].to_str().unwrap().to_owned();
    assert!(methods.contains("PUT"), "{methods}");

    let refused = preflight("https://evil.example").await.unwrap();
    assert!(refused.headers().get("access-control-allow-origin").is_none());
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    let read = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("Origin", "https://grc.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(read.headers()["access-control-allow-origin"], "https://grc.example.com");
    assert!(read.headers()["access-control-expose-headers"].to_str().unwrap().to_lowercase().contains("etag"));
}
