//! The seed UI's paths: thin aliases that find the caller's tenant themselves.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, spawn_app};

#[tokio::test]
async fn the_seed_paths_answer_for_the_callers_only_tenant_and_ask_when_there_are_several() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let b = app.create_tenant("Tenant B").await;
    let engineer = app.member_of(&a, "eng", "engineer").await;
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    app.upload(&a, &engineer.token, export, "text/csv").await;

    let score = json_of(app.get("/api/security-defender/secure-score", &engineer.token).await).await;
    assert_eq!(score["tenant_id"], a.as_str());
    assert_eq!(score["score"]["m365"]["current"], 17.5);
    assert_eq!(score["history"].as_array().unwrap().len(), 1);
    let list = json_of(
        app.get("/api/security-defender/secure-score/recommendations?sort=score_impact&limit=1", &engineer.token).await,
    )
    .await;
    assert_eq!(list["items"][0]["external_id"], "AdminMFAV2");
    assert_eq!(list["items"][0]["quick_win"], false);

    let several = app.get("/api/security-defender/secure-score", &app.admin_token).await;
    assert_eq!(several.status(), StatusCode::BAD_REQUEST);
    assert!(json_of(several).await["detail"].as_str().unwrap().contains(&b));
    let named = app.get(&format!("/api/security-defender/secure-score?tenant_id={a}"), &app.admin_token).await;
    assert_eq!(named.status(), StatusCode::OK);
    let hidden = app.get(&format!("/api/security-defender/secure-score?tenant_id={b}"), &engineer.token).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_actions_status_is_set_in_the_portals_words_and_risk_acceptance_goes_to_the_register() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let engineer = app.member_of(&a, "eng", "engineer").await;
    app.upload(&a, &engineer.token, include_bytes!("../fixtures/portal-export.csv").to_vec(), "text/csv").await;
    let path = "/api/security-defender/secure-score/actions/AdminMFAV2/status";
    let moved = json_of(app.post(path, &engineer.token, &json!({"status": "In progress"})).await).await;
    assert_eq!(moved["status"], "in_progress");
    let accepted = app.post(path, &engineer.token, &json!({"status": "Risk accepted"})).await;
    assert_eq!(accepted.status(), StatusCode::CONFLICT);
    assert!(json_of(accepted).await["detail"].as_str().unwrap().contains("register"));
    let unknown = app
        .post(
            "/api/security-defender/secure-score/actions/NoSuchControl/status",
            &engineer.token,
            &json!({"status": "Planned"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let bad = app.post(path, &engineer.token, &json!({"status": "Finished"})).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
