//! Accounts: creation, role changes and disabling take effect on the very next request.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, spawn_app};

#[tokio::test]
async fn a_role_change_takes_effect_on_the_next_request() {
    let app = spawn_app().await;
    let user = app.create_user("frank", "engineer").await;
    assert_eq!(app.get("/api/v1/users", &user.token).await.status(), StatusCode::FORBIDDEN);
    let promoted = app.patch(&format!("/api/v1/users/{}", user.id), &app.admin_token, &json!({"role": "admin"})).await;
    assert_eq!(promoted.status(), StatusCode::OK);
    assert_eq!(app.get("/api/v1/users", &user.token).await.status(), StatusCode::OK);
    app.patch(&format!("/api/v1/users/{}", user.id), &app.admin_token, &json!({"role": "auditor"})).await;
    assert_eq!(app.get("/api/v1/users", &user.token).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_disabled_user_is_refused_at_once_and_can_be_enabled_again() {
    let app = spawn_app().await;
    let user = app.create_user("grace", "ciso").await;
    assert_eq!(app.get("/api/v1/me", &user.token).await.status(), StatusCode::OK);
    app.patch(&format!("/api/v1/users/{}", user.id), &app.admin_token, &json!({"disabled": true})).await;
    assert_eq!(app.get("/api/v1/me", &user.token).await.status(), StatusCode::UNAUTHORIZED);
    let enabled =
        json_of(app.patch(&format!("/api/v1/users/{}", user.id), &app.admin_token, &json!({"disabled": false})).await)
            .await;
    assert_eq!(enabled["disabled"], false);
    // Disabling ended the old session for good; signing in again works.
    assert_eq!(app.get("/api/v1/me", &user.token).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("grace", crate::helpers::USER_PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn membership_changes_take_effect_on_the_next_request() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let user = app.create_user("heidi", "engineer").await;
    let path = format!("/api/v1/tenants/{a}");
    assert_eq!(app.get(&path, &user.token).await.status(), StatusCode::NOT_FOUND);
    app.grant(&a, &user.id).await;
    assert_eq!(app.get(&path, &user.token).await.status(), StatusCode::OK);
    let removed = app.delete(&format!("/api/v1/tenants/{a}/members/{}", user.id), &app.admin_token).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path, &user.token).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_be_demoted_or_disabled() {
    let app = spawn_app().await;
    let me = json_of(app.get("/api/v1/me", &app.admin_token).await).await;
    let path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    for body in [json!({"role": "ciso"}), json!({"disabled": true})] {
        let response = app.patch(&path, &app.admin_token, &body).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "{body}");
    }
    app.create_user("second-admin", "admin").await;
    assert_eq!(app.patch(&path, &app.admin_token, &json!({"role": "ciso"})).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn usernames_are_unique_and_checked() {
    let app = spawn_app().await;
    app.create_user("ivan", "auditor").await;
    let again = json!({"username": "IVAN", "password": "another long passphrase", "role": "auditor"});
    assert_eq!(app.post("/api/v1/users", &app.admin_token, &again).await.status(), StatusCode::CONFLICT);
    let bad = json!({"username": "a b", "password": "short", "role": "auditor"});
    let response = app.post("/api/v1/users", &app.admin_token, &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(response).await["errors"][0]["field"], "username");
    let unknown_role = json!({"username": "judy", "password": "a long passphrase", "role": "root"});
    let response = app.post("/api/v1/users", &app.admin_token, &unknown_role).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn common_and_patterned_passwords_are_refused_with_the_reason() {
    let app = spawn_app().await;
    for (password, reason) in [
        ("qwerty123456", "is on a list of commonly used passwords"),
        ("Sunshine2026!!", "is a commonly used password with digits or symbols added"),
        ("abcabcabcabcabc", "repeats a short pattern"),
        ("olga-olga-password", "must not contain the username"),
    ] {
        let body = json!({"username": "olga", "password": password, "role": "auditor"});
        let response = app.post("/api/v1/users", &app.admin_token, &body).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        let error = &json_of(response).await["errors"][0];
        assert_eq!(error["field"], "password", "{password}");
        assert!(error["message"].as_str().unwrap().contains(reason), "{password}: {error}");
    }
    let own = json!({"current_password": crate::helpers::ADMIN_PASSWORD, "new_password": "password123456789"});
    let response = app.post("/api/v1/auth/password", &app.admin_token, &own).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "changing one's own password follows the policy");
}

#[tokio::test]
async fn a_new_user_must_change_the_admin_chosen_password_by_default() {
    let app = spawn_app().await;
    let body = json!({"username": "kim", "password": "admin chose this one", "role": "engineer"});
    let created = json_of(app.post("/api/v1/users", &app.admin_token, &body).await).await;
    assert_eq!(created["must_change_password"], true);
    assert!(created.get("password_hash").is_none());
    assert_eq!(json_of(app.login("kim", "admin chose this one").await).await["must_change_password"], true);
}

#[tokio::test]
async fn users_list_with_their_tenants_and_page_with_a_cursor() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    for i in 0..4 {
        app.member_of(&a, &format!("user-{i}"), "engineer").await;
    }
    let first = json_of(app.get("/api/v1/users?limit=3", &app.admin_token).await).await;
    assert_eq!(first["total"], 5);
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json_of(app.get(&format!("/api/v1/users?limit=3&cursor={cursor}"), &app.admin_token).await).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    assert!(second["next_cursor"].is_null());
    assert_eq!(second["items"][1]["tenant_ids"][0], a.as_str());
}
