//! Two-step sign-in (RFC 6238 TOTP): enrolment, sign-in with a code or a recovery code, replay and clock drift,
//! the throttle, turning it off, an admin's reset, the policy for admins, and the audit trail of all of it. Codes
//! are computed here by the tests' own RFC 6238 reader, and time moves by the test clock.

use chrono::Duration;
use hmac_totp::{Hmac, KeyInit, Mac};
use reqwest::{Response, StatusCode};
use scoregrc::clock::Clock;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, TestApp, USER_PASSWORD, json_of, spawn_app};

/// The bytes of a base32 (RFC 4648, no padding) secret.
pub fn secret_bytes(secret: &str) -> Vec<u8> {
    let mut bits = 0u64;
    let mut held = 0;
    let mut key = Vec::new();
    for c in secret.trim_end_matches('=').bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {secret}"),
        };
        bits = (bits << 5) | u64::from(value);
        held += 5;
        if held >= 8 {
            held -= 8;
            key.push((bits >> held) as u8);
        }
    }
    key
}

/// The 6-digit RFC 6238 code (HMAC-SHA-1, 30-second steps) of the base32 `secret` at `unix` seconds.
pub fn code(secret: &str, unix: i64) -> String {
    let key = secret_bytes(secret);
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&(unix / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let number = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", number % 1_000_000)
}

fn now(app: &TestApp) -> i64 {
    app.clock.now().timestamp()
}

async fn login(app: &TestApp, username: &str, password: &str, factor: Value) -> Response {
    let mut body = json!({ "username": username, "password": password });
    body.as_object_mut().unwrap().extend(factor.as_object().unwrap().clone());
    app.post("/api/v1/auth/login", "", &body).await
}

async fn problem_type(response: Response) -> String {
    json_of(response).await["type"].as_str().unwrap_or_default().to_owned()
}

/// Turns two-step sign-in on for the session `token`; answers the secret and the recovery codes, with the clock
/// moved on to the next step so the next code is a fresh one.
async fn enrol(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let started = app.post("/api/v1/me/second-factor/enrolment", token, &json!({})).await;
    assert_eq!(started.status(), StatusCode::OK);
    let started = json_of(started).await;
    let secret = started["secret"].as_str().unwrap().to_owned();
    let uri = started["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/scoregrc:") && uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(started["qr_svg"].as_str().unwrap().contains("<svg"));
    let confirm = json!({ "totp_code": code(&secret, now(app)) });
    let confirmed = app.post("/api/v1/me/second-factor/enrolment/confirm", token, &confirm).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let codes: Vec<String> = serde_json::from_value(json_of(confirmed).await["recovery_codes"].clone()).unwrap();
    app.clock.advance(Duration::seconds(30));
    (secret, codes)
}

/// The platform trail's `second_factor` rows about `user`, oldest first, as `(action, actor name)`.
async fn trail(app: &TestApp, user: &str) -> Vec<(String, String)> {
    let path = format!("/api/v1/audit?entity=second_factor&entity_id={user}&limit=500");
    let page = json_of(app.get(&path, &app.admin_token).await).await;
    let mut rows: Vec<(i64, String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["seq"].as_i64().unwrap(), r["action"].as_str().unwrap().into(), r["actor_name"].as_str().unwrap().into())
        })
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, action, actor)| (action, actor)).collect()
}

#[tokio::test]
async fn after_enrolment_sign_in_asks_for_the_code_and_takes_each_code_once() {
    let app = spawn_app().await;
    let tess = app.create_user("tess", "engineer").await;
    let status = json_of(app.get("/api/v1/me/second-factor", &tess.token).await).await;
    assert_eq!(status["enabled"], false);
    let confirm = json!({ "totp_code": "123456" });
    let early = app.post("/api/v1/me/second-factor/enrolment/confirm", &tess.token, &confirm).await;
    assert_eq!(early.status(), StatusCode::CONFLICT, "no enrolment was started");

    let (secret, codes) = enrol(&app, &tess.token).await;
    assert_eq!(codes.len(), 10);
    let status = json_of(app.get("/api/v1/me/second-factor", &tess.token).await).await;
    assert_eq!((status["enabled"].clone(), status["recovery_codes_left"].clone()), (json!(true), json!(10)));
    let again = app.post("/api/v1/me/second-factor/enrolment", &tess.token, &json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "already on");

    let bare = login(&app, "tess", USER_PASSWORD, json!({})).await;
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(problem_type(bare).await, "urn:scoregrc:problem:second-factor-required");
    let wrong_password =
        login(&app, "tess", "not the password", json!({ "totp_code": code(&secret, now(&app)) })).await;
    assert_eq!(problem_type(wrong_password).await, "urn:scoregrc:problem:unauthenticated");
    let current = code(&secret, now(&app));
    let wrong = if current == "000000" { "000001" } else { "000000" };
    let refused = login(&app, "tess", USER_PASSWORD, json!({ "totp_code": wrong })).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(problem_type(refused).await, "urn:scoregrc:problem:second-factor-refused");
    let accepted = login(&app, "tess", USER_PASSWORD, json!({ "totp_code": current })).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(json_of(accepted).await["must_enrol_second_factor"], false);
    let replayed = login(&app, "tess", USER_PASSWORD, json!({ "totp_code": current })).await;
    assert_eq!(problem_type(replayed).await, "urn:scoregrc:problem:second-factor-refused", "a code works once");
    app.clock.advance(Duration::seconds(30));
    let next = login(&app, "tess", USER_PASSWORD, json!({ "totp_code": code(&secret, now(&app)) })).await;
    assert_eq!(next.status(), StatusCode::OK, "the next step's code works");

    let actions = trail(&app, &tess.id).await;
    let refusals = actions.iter().filter(|(a, _)| a == "refuse_code").count();
    assert_eq!(actions.first(), Some(&("enrol".to_owned(), "tess".to_owned())));
    assert_eq!(refusals, 2, "the wrong code and the replay: {actions:?}");
}

#[tokio::test]
async fn a_wrong_code_counts_as_a_failed_sign_in_and_five_lock_the_username() {
    let app = spawn_app().await;
    let tess = app.create_user("tess", "engineer").await;
    let (secret, _) = enrol(&app, &tess.token).await;
    let current = code(&secret, now(&app));
    let wrong = if current == "999999" { "999998" } else { "999999" };
    for attempt in 1..=4 {
        let refused = login(&app, "tess", USER_PASSWORD, json!({ "totp_code": wrong })).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let fifth = login(&app, "tess", USER_PASSWORD, json!({ "recovery_code": "zzzz-zzzz-zzzz-zzzz" })).await;
    assert_eq!(fifth.status(), StatusCode::UNAUTHORIZED, "a wrong recovery code counts too");
    let locked = login(&app, "tess", USER_PASSWORD, json!({ "totp_code": current })).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS, "even the right code waits out the lock");
    let actions = trail(&app, &tess.id).await;
    assert_eq!(actions.iter().filter(|(a, _)| a == "refuse_code").count(), 5);
    let locks = json_of(app.get("/api/v1/audit?entity=sign_in", &app.admin_token).await).await;
    assert_eq!(locks["items"][0]["entity_id"], "tess");
}

#[tokio::test]
async fn one_step_of_clock_drift_either_way_is_accepted_and_two_are_refused() {
    let app = spawn_app().await;
    let tess = app.create_user("tess", "engineer").await;
    let (secret, _) = enrol(&app, &tess.token).await;
    app.clock.advance(Duration::minutes(10) + Duration::seconds(12));
    let at = |steps: i64| code(&secret, now(&app) + steps * 30);
    for (steps, expected) in [
        (-2, StatusCode::UNAUTHORIZED),
        (-1, StatusCode::OK),
        (2, StatusCode::UNAUTHORIZED),
        (1, StatusCode::OK),
        (0, StatusCode::UNAUTHORIZED),
    ] {
        let response = login(&app, "tess", USER_PASSWORD, json!({ "totp_code": at(steps) })).await;
        assert_eq!(response.status(), expected, "a code {steps} step(s) off");
    }
    // The last: the current step is older than the step already used (one ahead), so it counts as a replay.
    let actions = trail(&app, &tess.id).await;
    assert_eq!(actions.iter().filter(|(a, _)| a == "refuse_code").count(), 3);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_new_codes_replace_the_old() {
    let app = spawn_app().await;
    let tess = app.create_user("tess", "engineer").await;
    let (secret, codes) = enrol(&app, &tess.token).await;
    let first = login(&app, "tess", USER_PASSWORD, json!({ "recovery_code": codes[0].to_uppercase() })).await;
    assert_eq!(first.status(), StatusCode::OK);
    let token = json_of(first).await["token"].as_str().unwrap().to_owned();
    let reused = login(&app, "tess", USER_PASSWORD, json!({ "recovery_code": codes[0] })).await;
    assert_eq!(problem_type(reused).await, "urn:scoregrc:problem:second-factor-refused");
    let status = json_of(app.get("/api/v1/me/second-factor", &token).await).await;
    assert_eq!(status["recovery_codes_left"], 9);

    let path = "/api/v1/me/second-factor/recovery-codes";
    let refused = app.post(path, &token, &json!({ "totp_code": "12345" })).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let renewed = app.post(path, &token, &json!({ "totp_code": code(&secret, now(&app)) })).await;
    assert_eq!(renewed.status(), StatusCode::OK);
    let fresh: Vec<String> = serde_json::from_value(json_of(renewed).await["recovery_codes"].clone()).unwrap();
    assert_eq!(fresh.len(), 10);
    let old = login(&app, "tess", USER_PASSWORD, json!({ "recovery_code": codes[1] })).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED, "the old set is gone");
    let new = login(&app, "tess", USER_PASSWORD, json!({ "recovery_code": fresh[0] })).await;
    assert_eq!(new.status(), StatusCode::OK);

    let actions: Vec<String> = trail(&app, &tess.id).await.into_iter().map(|(a, _)| a).collect();
    let expected = ["enrol", "use_recovery_code", "refuse_code", "refuse_code", "regenerate_recovery_codes"];
    assert_eq!(actions[..5], expected);
    assert_eq!(actions[5..], ["refuse_code", "use_recovery_code"]);
}

#[tokio::test]
async fn turning_two_step_sign_in_off_needs_the_password_and_a_code() {
    let app = spawn_app().await;
    let tess = app.create_user("tess", "engineer").await;
    let (secret, _) = enrol(&app, &tess.token).await;
    let path = "/api/v1/me/second-factor/disable";
    let current = code(&secret, now(&app));
    let wrong_password =
        app.post(path, &tess.token, &json!({ "password": "not mine at all", "totp_code": current })).await;
    assert_eq!(wrong_password.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(wrong_password).await["errors"][0]["field"], "password");
    let no_code = app.post(path, &tess.token, &json!({ "password": USER_PASSWORD })).await;
    assert_eq!(no_code.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stale = code(&secret, now(&app) - 90);
    let wrong_code = app.post(path, &tess.token, &json!({ "password": USER_PASSWORD, "totp_code": stale })).await;
    assert_eq!(json_of(wrong_code).await["errors"][0]["field"], "totp_code");
    let off = app.post(path, &tess.token, &json!({ "password": USER_PASSWORD, "totp_code": current })).await;
    assert_eq!(off.status(), StatusCode::NO_CONTENT);
    assert_eq!(login(&app, "tess", USER_PASSWORD, json!({})).await.status(), StatusCode::OK);
    let again = app.post(path, &tess.token, &json!({ "password": USER_PASSWORD, "totp_code": current })).await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "it is off");
    let actions: Vec<String> = trail(&app, &tess.id).await.into_iter().map(|(a, _)| a).collect();
    assert_eq!(actions, ["enrol", "refuse_code", "disable"]);
}

#[tokio::test]
async fn an_admin_resets_a_users_second_factor_and_the_trail_names_the_admin() {
    let app = spawn_app().await;
    let tess = app.create_user("tess", "engineer").await;
    let other = app.create_user("olga", "ciso").await;
    enrol(&app, &tess.token).await;
    let user = json_of(app.get(&format!("/api/v1/users/{}", tess.id), &app.admin_token).await).await;
    assert_eq!(user["second_factor"], true);
    let path = format!("/api/v1/users/{}/second-factor", tess.id);
    assert_eq!(app.delete(&path, &other.token).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.delete(&path, &app.admin_token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(login(&app, "tess", USER_PASSWORD, json!({})).await.status(), StatusCode::OK, "password alone");
    assert_eq!(app.delete(&path, &app.admin_token).await.status(), StatusCode::NOT_FOUND, "nothing left to reset");
    let users = json_of(app.get("/api/v1/users", &app.admin_token).await).await;
    let listed = users["items"].as_array().unwrap().iter().find(|u| u["username"] == "tess").unwrap().clone();
    assert_eq!(listed["second_factor"], false);
    assert_eq!(trail(&app, &tess.id).await.last(), Some(&("reset".to_owned(), "admin".to_owned())));
}

#[tokio::test]
async fn the_policy_limits_an_admin_without_a_second_factor_to_enrolment() {
    let app = spawn_app().await;
    let policy = "/api/v1/sign-in-policy";
    let on = json!({ "require_second_factor_for_admins": true, "version": 0 });
    let refused = app.request(reqwest::Method::PUT, policy, &app.admin_token).json(&on).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT, "the calling admin has no second factor yet");
    enrol(&app, &app.admin_token).await;
    let unversioned = json!({ "require_second_factor_for_admins": true });
    let put = app.request(reqwest::Method::PUT, policy, &app.admin_token).json(&unversioned).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::PRECONDITION_REQUIRED);
    let put = app.request(reqwest::Method::PUT, policy, &app.admin_token).json(&on).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(json_of(app.get(policy, &app.admin_token).await).await["require_second_factor_for_admins"], true);

    let body = json!({"username": "root2", "password": USER_PASSWORD, "role": "admin", "must_change_password": false});
    assert_eq!(app.post("/api/v1/users", &app.admin_token, &body).await.status(), StatusCode::CREATED);
    let signed_in = login(&app, "root2", USER_PASSWORD, json!({})).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let signed_in = json_of(signed_in).await;
    assert_eq!(signed_in["must_enrol_second_factor"], true);
    let root2 = signed_in["token"].as_str().unwrap().to_owned();
    assert_eq!(json_of(app.get("/api/v1/me", &root2).await).await["must_enrol_second_factor"], true);
    let blocked = app.get("/api/v1/users", &root2).await;
    assert_eq!(blocked.status(), StatusCode::FORBIDDEN);
    assert_eq!(problem_type(blocked).await, "urn:scoregrc:problem:second-factor-enrolment-required");
    let engineer = app.create_user("tess", "engineer").await;
    assert_eq!(app.get("/api/v1/tenants", &engineer.token).await.status(), StatusCode::OK, "only admins");

    let (secret, _) = enrol(&app, &root2).await;
    assert_eq!(json_of(app.get("/api/v1/me", &root2).await).await["must_enrol_second_factor"], false);
    assert_eq!(app.get("/api/v1/users", &root2).await.status(), StatusCode::OK, "the same session, now enrolled");
    let off = json!({ "password": USER_PASSWORD, "totp_code": code(&secret, now(&app)) });
    let disable = app.post("/api/v1/me/second-factor/disable", &root2, &off).await;
    assert_eq!(disable.status(), StatusCode::CONFLICT, "the policy keeps it on for admins");
    let trail = json_of(app.get("/api/v1/audit?entity=setting&entity_id=sign_in_policy", &app.admin_token).await).await;
    assert_eq!(trail["items"][0]["after"]["require_second_factor_for_admins"], true);
    let admin_login = login(&app, "admin", ADMIN_PASSWORD, json!({})).await;
    assert_eq!(problem_type(admin_login).await, "urn:scoregrc:problem:second-factor-required");
}
