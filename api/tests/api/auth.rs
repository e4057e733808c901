//! Sign-in, session tokens and their refusal cases, password changes.

use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, TestApp, USER_PASSWORD, json_of, spawn_app};
use scoregrc::clock::Clock;

#[tokio::test]
async fn login_answers_a_token_its_expiry_and_the_role() {
    let app = spawn_app().await;
    let body = json_of(app.login("admin", ADMIN_PASSWORD).await).await;
    assert_eq!(body["role"], "admin");
    assert_eq!(body["must_change_password"], false);
    assert_eq!(body["expires_at"], "2026-11-23T21:00:00Z");
    assert_eq!(body["token"].as_str().unwrap().split('.').count(), 3);
}

#[tokio::test]
async fn usernames_are_case_insensitive_at_sign_in() {
    let app = spawn_app().await;
    assert_eq!(app.login("  ADMIN ", ADMIN_PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_failed_login_says_the_same_whatever_the_cause() {
    let app = spawn_app().await;
    let user = app.create_user("bob", "engineer").await;
    app.patch(&format!("/api/v1/users/{}", user.id), &app.admin_token, &json!({ "disabled": true })).await;
    let wrong_password = app.login("bob-never", "whatever password").await;
    let cases = [
        app.login("admin", "wrong password here").await,
        app.login("nobody-by-that-name", "whatever password").await,
        app.login("bob", USER_PASSWORD).await,
        app.login("x", "y").await,
        wrong_password,
    ];
    let mut bodies = Vec::new();
    for response in cases {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        bodies.push(json_of(response).await);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "bodies differ: {bodies:?}");
}

/// The real signing key, read the way the service reads it.
async fn signing_key(app: &TestApp) -> Vec<u8> {
    let key = crate::helpers::test_data_key(&app.database);
    scoregrc::store::settings::jwt_signing_key(&app.db, &key, app.clock.now()).await.unwrap()
}

fn claims(app_user: &str, aud: &str, iss: &str, exp_offset: Duration, app: &TestApp) -> Value {
    let now = app.clock.now();
    json!({
        "sub": app_user, "role": "admin", "iat": now.timestamp(), "exp": (now + exp_offset).timestamp(),
        "iss": iss, "aud": aud, "sep": 0
    })
}

async fn status_with(app: &TestApp, token: &str) -> StatusCode {
    app.get("/api/v1/tenants", token).await.status()
}

#[tokio::test]
async fn forged_and_expired_tokens_are_refused_with_401() {
    let app = spawn_app().await;
    let me = json_of(app.get("/api/v1/me", &app.admin_token).await).await;
    let admin_id = me["id"].as_str().unwrap().to_owned();
    let key = signing_key(&app).await;
    let sign = |alg: Algorithm, claims: &Value, key: &[u8]| {
        jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(key)).unwrap()
    };
    let good = claims(&admin_id, "scoregrc-api", "scoregrc", Duration::hours(1), &app);
    // The control: a token built this way with the real key works.
    assert_eq!(status_with(&app, &sign(Algorithm::HS256, &good, &key)).await, StatusCode::OK);

    let unsigned = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.", b64.encode(br#"{"alg":"none","typ":"JWT"}"#), b64.encode(good.to_string()))
    };
    let cases = [
        ("wrong algorithm", sign(Algorithm::HS512, &good, &key)),
        ("alg none", unsigned),
        ("bad signature", sign(Algorithm::HS256, &good, b"some other key that is long enough")),
        (
            "wrong aud",
            sign(Algorithm::HS256, &claims(&admin_id, "another-api", "scoregrc", Duration::hours(1), &app), &key),
        ),
        (
            "wrong iss",
            sign(Algorithm::HS256, &claims(&admin_id, "scoregrc-api", "evil", Duration::hours(1), &app), &key),
        ),
        (
            "past exp",
            sign(Algorithm::HS256, &claims(&admin_id, "scoregrc-api", "scoregrc", Duration::seconds(-1), &app), &key),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (case, token) in cases {
        assert_eq!(status_with(&app, &token).await, StatusCode::UNAUTHORIZED, "{case}");
    }
}

#[tokio::test]
async fn a_session_expires_by_the_service_clock() {
    let app = spawn_app().await;
    assert_eq!(status_with(&app, &app.admin_token).await, StatusCode::OK);
    app.clock.advance(Duration::hours(12));
    assert_eq!(status_with(&app, &app.admin_token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn missing_or_non_bearer_credentials_are_refused_with_a_challenge() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/tenants", "").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let basic = app
        .client
        .get(format!("{}/api/v1/tenants", app.address))
        .basic_auth("admin", Some(ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn changing_your_password_ends_old_sessions_and_answers_a_new_one() {
    let app = spawn_app().await;
    let user = app.create_user("carol", "engineer").await;
    let body = json!({ "current_password": USER_PASSWORD, "new_password": "a brand new passphrase" });
    let response = app.post("/api/v1/auth/password", &user.token, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let fresh = json_of(response).await["token"].as_str().unwrap().to_owned();
    assert_eq!(status_with(&app, &user.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_with(&app, &fresh).await, StatusCode::OK);
    assert_eq!(app.login("carol", USER_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("carol", "a brand new passphrase").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_current_password_or_a_weak_new_one_names_the_field() {
    let app = spawn_app().await;
    let user = app.create_user("dave", "engineer").await;
    let wrong = json!({ "current_password": "not my password", "new_password": "a brand new passphrase" });
    let body = json_of(app.post("/api/v1/auth/password", &user.token, &wrong).await).await;
    assert_eq!(body["errors"][0]["field"], "current_password");
    let weak = json!({ "current_password": USER_PASSWORD, "new_password": "short" });
    let response = app.post("/api/v1/auth/password", &user.token, &weak).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(response).await["errors"][0]["field"], "new_password");
}

#[tokio::test]
async fn after_an_admin_reset_only_the_password_change_works_until_done() {
    let app = spawn_app().await;
    let user = app.create_user("erin", "auditor").await;
    let reset = json!({ "new_password": "temporary passphrase 42" });
    let response = app.post(&format!("/api/v1/users/{}/password-reset", user.id), &app.admin_token, &reset).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(status_with(&app, &user.token).await, StatusCode::UNAUTHORIZED, "old sessions end");

    let login = json_of(app.login("erin", "temporary passphrase 42").await).await;
    assert_eq!(login["must_change_password"], true);
    let temporary = login["token"].as_str().unwrap();
    let blocked = app.get("/api/v1/tenants", temporary).await;
    assert_eq!(blocked.status(), StatusCode::FORBIDDEN);
    assert_eq!(json_of(blocked).await["type"], "urn:scoregrc:problem:password-change-required");
    assert_eq!(json_of(app.get("/api/v1/me", temporary).await).await["must_change_password"], true);

    let change = json!({ "current_password": "temporary passphrase 42", "new_password": "a passphrase of her own" });
    let changed = json_of(app.post("/api/v1/auth/password", temporary, &change).await).await;
    assert_eq!(changed["must_change_password"], false);
    assert_eq!(status_with(&app, changed["token"].as_str().unwrap()).await, StatusCode::OK);
}

#[tokio::test]
async fn service_tokens_have_no_password_to_change() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Tenant A").await;
    let (_, secret) = app.issue_token("engineer", &[&tenant]).await;
    let body = json!({ "current_password": "x", "new_password": "a brand new passphrase" });
    assert_eq!(app.post("/api/v1/auth/password", &secret, &body).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn repeated_failures_lock_the_username_for_fifteen_minutes_whether_or_not_it_exists() {
    let app = spawn_app().await;
    for username in ["admin", "nobody-at-all"] {
        for _ in 0..5 {
            assert_eq!(app.login(username, "guess guess guess").await.status(), StatusCode::UNAUTHORIZED);
        }
        let locked = app.login(username, ADMIN_PASSWORD).await;
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS, "{username}");
        assert_eq!(locked.headers()["retry-after"], "900");
        assert_eq!(json_of(locked).await["type"], "urn:scoregrc:problem:too-many-attempts");
    }
    app.clock.advance(Duration::minutes(15));
    assert_eq!(app.login("admin", ADMIN_PASSWORD).await.status(), StatusCode::OK);
    let trail = json_of(app.get("/api/v1/audit?entity=sign_in", &app.admin_token).await).await;
    let locked: Vec<&str> =
        trail["items"].as_array().unwrap().iter().map(|r| r["entity_id"].as_str().unwrap()).collect();
    assert_eq!(locked, ["admin", "nobody-at-all"], "each lock's start is in the platform trail");
}

#[tokio::test]
async fn an_address_that_fails_for_twenty_usernames_is_refused_for_every_username_and_the_lock_is_audited() {
    let app = spawn_app().await;
    for i in 0..20 {
        let refused = app.login(&format!("sprayed-{i}"), "Winter2026!").await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let locked = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS, "the right password, from the locked address");
    assert_eq!(locked.headers()["retry-after"], "900");
    let trail = json_of(app.get("/api/v1/audit?entity=sign_in", &app.admin_token).await).await;
    let row = &trail["items"][0];
    assert_eq!((row["action"].as_str(), row["entity_id"].as_str()), (Some("locked"), Some("127.0.0.1")));
    assert_eq!(row["after"]["client_address"], "127.0.0.1");
    assert_eq!(row["after"]["locked_until"], "2026-11-23T09:15:00Z");
    assert_eq!(trail["items"].as_array().unwrap().len(), 1, "the refused attempt after the lock adds no row");
    app.clock.advance(Duration::minutes(15));
    assert_eq!(app.login("admin", ADMIN_PASSWORD).await.status(), StatusCode::OK);
}
