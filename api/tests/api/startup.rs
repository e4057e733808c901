//! First start: the admin account, and the demo with one account per role.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use scoregrc::app::Application;
use scoregrc::clock::ManualClock;
use serde_json::json;
use std::sync::Arc;

use crate::helpers::test_config;

async fn start(dir: &tempfile::TempDir, adjust: impl FnOnce(&mut scoregrc::config::Config)) -> (Application, String) {
    let mut config = test_config(dir);
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
    let (app, address) = start(&dir, |c| c.admin_password = None).await;
    let password = app.report().generated_admin_password.clone().expect("a generated password");
    assert!(password.len() >= 20);
    tokio::spawn(app.run_until_stopped());
    assert_eq!(login(&address, "admin", &password).await, StatusCode::OK);

    let (again, _) = start(&dir, |c| c.admin_password = None).await;
    assert!(again.report().generated_admin_password.is_none(), "shown only on the first start");
}

#[tokio::test]
async fn the_demo_creates_one_member_per_role_with_fresh_passwords_each_start() {
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = start(&dir, |c| c.demo = true).await;
    let old_accounts = first.report().demo_accounts.clone();
    drop(first);
    let (app, address) = start(&dir, |c| c.demo = true).await;
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
