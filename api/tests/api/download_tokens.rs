//! Single-use download tokens: good once, for one path, for a minute, and never more than the credential that
//! asked for them.

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, spawn_app};

async fn token_for(app: &TestApp, bearer: &str, path: &str) -> reqwest::Response {
    app.post("/api/v1/download-tokens", bearer, &json!({ "path": path })).await
}

async fn fetch(app: &TestApp, url: &str) -> StatusCode {
    app.client.get(format!("{}{url}", app.address)).send().await.unwrap().status()
}

#[tokio::test]
async fn a_download_token_works_once_for_its_path_within_a_minute_and_only_as_far_as_its_owner_may_go() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let auditor = app.member_of(&tenant, "aud", "auditor").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let workbook = format!("/api/v1/tenants/{tenant}/exports/auditor.xlsx");

    let issued = token_for(&app, &auditor.token, &workbook).await;
    assert_eq!(issued.status(), StatusCode::OK);
    assert_eq!(issued.headers()["cache-control"], "no-store");
    let issued: Value = json_of(issued).await;
    let url = issued["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("{workbook}?download_token=")));
    assert_eq!(fetch(&app, &url).await, StatusCode::OK);
    assert_eq!(fetch(&app, &url).await, StatusCode::UNAUTHORIZED, "used up");

    // Bound to its path: a token for the workbook opens nothing else.
    let other: Value = json_of(token_for(&app, &auditor.token, &workbook).await).await;
    let token = other["token"].as_str().unwrap();
    let register = format!("/api/v1/tenants/{tenant}/risk-register.csv?download_token={token}");
    assert_eq!(fetch(&app, &register).await, StatusCode::UNAUTHORIZED);

    // A minute, not more.
    let late: Value = json_of(token_for(&app, &auditor.token, &workbook).await).await;
    app.clock.advance(TimeDelta::seconds(61));
    assert_eq!(fetch(&app, late["url"].as_str().unwrap()).await, StatusCode::UNAUTHORIZED);

    // It stands for its owner: an engineer's token does not open the auditor workbook.
    let engineers: Value = json_of(token_for(&app, &engineer.token, &workbook).await).await;
    assert_eq!(fetch(&app, engineers["url"].as_str().unwrap()).await, StatusCode::FORBIDDEN);

    // Only downloads, and only for GET.
    let not_a_download = token_for(&app, &auditor.token, &format!("/api/v1/tenants/{tenant}/recommendations")).await;
    assert_eq!(not_a_download.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let post: Value = json_of(token_for(&app, &auditor.token, &workbook).await).await;
    let posted = app.client.post(format!("{}{}", app.address, post["url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(posted.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        fetch(&app, post["url"].as_str().unwrap()).await,
        StatusCode::OK,
        "a refused POST does not use the token"
    );
    assert_eq!(token_for(&app, "", &workbook).await.status(), StatusCode::UNAUTHORIZED);
}
