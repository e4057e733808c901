//! A person's status decisions: what is refused, what waits for Microsoft's confirmation, what is recorded.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, spawn_app};

async fn imported() -> (TestApp, String, String) {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    assert_eq!(app.upload(&tenant, &engineer.token, export, "text/csv").await.status(), StatusCode::CREATED);
    (app, tenant, engineer.token)
}

async fn id_of(app: &TestApp, tenant: &str, token: &str, q: &str) -> String {
    let list = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?q={q}"), token).await).await;
    list["items"][0]["id"].as_str().unwrap().to_owned()
}

async fn set(app: &TestApp, tenant: &str, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.request(Method::PUT, &format!("/api/v1/tenants/{tenant}/recommendations/{id}/status"), token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn risk_accepted_is_refused_here_and_points_to_the_register() {
    let (app, tenant, token) = imported().await;
    let id = id_of(&app, &tenant, &token, "AdminMFAV2").await;
    let refused = set(&app, &tenant, &token, &id, json!({"status": "risk_accepted"})).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(json_of(refused).await["detail"].as_str().unwrap().contains("register"));
}

#[tokio::test]
async fn a_completion_records_its_evidence_and_waits_for_microsofts_confirmation() {
    let (app, tenant, token) = imported().await;
    let id = id_of(&app, &tenant, &token, "complete%20multifactor").await;
    let body = json!({"status": "completed", "note": "All users registered", "evidence_url": "https://contoso.sharepoint.com/mfa-report.pdf"});
    let done = json_of(set(&app, &tenant, &token, &id, body).await).await;
    assert_eq!(
        (done["status"].as_str(), done["status_confirmed"].as_bool(), done["pending_confirmation"].as_bool()),
        (Some("completed"), Some(false), Some(true))
    );
    let trail =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?entity=recommendation"), &app.admin_token).await)
            .await;
    let row = &trail["items"][0];
    assert_eq!(
        (row["action"].as_str(), row["actor_name"].as_str(), row["comment"].as_str()),
        (Some("set_status"), Some("eng"), Some("All users registered"))
    );
    assert_eq!(row["after"]["evidence_url"], "https://contoso.sharepoint.com/mfa-report.pdf");
    assert_eq!(row["after"]["evidence_recorded_at"], "2026-11-23T09:00:00Z");
    let summary = status_summary(&app, &tenant, &token).await;
    assert_eq!(
        summary["completed"],
        json!({"status": "completed", "items": 3, "points_available": 4.5, "pending_confirmation": 1}),
        "two items the export shows achieved, and this one"
    );
    assert_eq!(summary.len(), 7, "every status is listed, zeros included");

    // Microsoft's next export shows every point: the completion is confirmed, not overwritten.
    let export =
        String::from_utf8(include_bytes!("../fixtures/portal-export.csv").to_vec()).unwrap().replace("4.5/9", "9/9");
    app.upload(&tenant, &token, export.into_bytes(), "text/csv").await;
    let confirmed = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{id}"), &token).await).await;
    assert_eq!(
        (confirmed["status_confirmed"].as_bool(), confirmed["pending_confirmation"].as_bool()),
        (Some(true), Some(false))
    );
    let summary = status_summary(&app, &tenant, &token).await;
    assert_eq!((&summary["completed"]["items"], &summary["completed"]["pending_confirmation"]), (&json!(3), &json!(0)));
    let listed = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations"), &token).await).await;
    let counted: u64 = summary.values().map(|s| s["items"].as_u64().unwrap()).sum();
    assert_eq!(json!(counted), listed["total"], "the counts add up to the list");
}

/// `GET …/statuses/summary`, keyed by status.
async fn status_summary(app: &TestApp, tenant: &str, token: &str) -> std::collections::BTreeMap<String, Value> {
    let rows = json_of(app.get(&format!("/api/v1/tenants/{tenant}/statuses/summary"), token).await).await;
    rows.as_array().unwrap().iter().map(|r| (r["status"].as_str().unwrap().to_owned(), r.clone())).collect()
}

#[tokio::test]
async fn third_party_and_alternate_mitigation_are_undocumented_until_the_register_covers_them() {
    let (app, tenant, token) = imported().await;
    let id = id_of(&app, &tenant, &token, "DLP").await;
    let third =
        json_of(set(&app, &tenant, &token, &id, json!({"status": "third_party", "note": "Mimecast DLP"})).await).await;
    assert_eq!((third["status"].as_str(), third["undocumented"].as_bool()), (Some("third_party"), Some(true)));
    let planned = json_of(set(&app, &tenant, &token, &id, json!({"status": "planned"})).await).await;
    assert_eq!(planned["undocumented"], false);
}

#[tokio::test]
async fn a_stale_or_malformed_status_change_is_refused() {
    let (app, tenant, token) = imported().await;
    let id = id_of(&app, &tenant, &token, "DLP").await;
    assert_eq!(
        set(&app, &tenant, &token, &id, json!({"status": "planned", "version": 99})).await.status(),
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        set(&app, &tenant, &token, &id, json!({"status": "done"})).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let bad_link =
        set(&app, &tenant, &token, &id, json!({"status": "completed", "evidence_url": "javascript:alert(1)"})).await;
    assert_eq!(bad_link.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(bad_link).await["errors"][0]["field"], "evidence_url");
}
