//! Every way a single sign-on is refused: the person gets a page that says why (`data-reason`), the platform
//! audit trail gets an `sso`/`refused` row with the same reason, and nobody gets a session or an account.

use crate::helpers::{TestApp, json_of};
use crate::oidc_stub::{OTHER_TENANT_ID, OidcStub, StubUser, Tamper};
use crate::sso::{
    BROWSER_ACCEPT, SignIn, at_provider, audit_rows, browser_cookie, callback, configure, outcome, rule, session,
    settings, sign_in, sso_app, start,
};
use reqwest::{Method, StatusCode};
use scoregrc::clock::Clock;
use serde_json::json;

/// Configures one mapping (`Scoregrc.Engineer` → engineer) and answers a person it maps.
async fn engineer_sign_in(app: &TestApp, stub: &OidcStub) -> StubUser {
    let rules = json!([rule("role", "Scoregrc.Engineer", "engineer", &[]), rule("group", "g-staff", "auditor", &[])]);
    configure(app, settings(stub, rules)).await;
    StubUser::new("ada").with_roles(&["Scoregrc.Engineer"])
}

/// Asserts `got` is a refusal with `status` and `reason`, and that the newest refusal in the trail says so.
async fn assert_refused(app: &TestApp, got: SignIn, status: StatusCode, reason: &str) {
    assert_eq!(got, SignIn::Refused(status, reason.into()));
    let refusals = audit_rows(app, "sso", "refused").await;
    let newest = refusals.last().unwrap_or_else(|| panic!("the refusal ({reason}) is audited"));
    assert_eq!(newest["after"]["reason"], reason);
}

/// The accounts there are (the admin's included).
async fn accounts(app: &TestApp) -> u64 {
    json_of(app.get("/api/v1/users", &app.admin_token).await).await["total"].as_u64().unwrap()
}

#[tokio::test]
async fn each_broken_id_token_is_refused_with_its_reason_and_audited() {
    let (app, stub) = sso_app().await;
    let ada = engineer_sign_in(&app, &stub).await;
    let before = accounts(&app).await;
    let cases = [
        (Tamper::BadSignature, "bad_signature"),
        (Tamper::WrongAudience, "wrong_audience"),
        (Tamper::WrongIssuer, "wrong_issuer"),
        (Tamper::Expired, "expired"),
        (Tamper::NotYetValid, "not_yet_valid"),
        (Tamper::Claims(json!({"oid": null})), "missing_claim"),
    ];
    for (tamper, reason) in &cases {
        stub.set(|s| s.tamper = tamper.clone());
        assert_refused(&app, sign_in(&app, &stub, &ada).await, StatusCode::FORBIDDEN, reason).await;
    }
    assert_eq!(audit_rows(&app, "sso", "refused").await.len(), cases.len());
    assert_eq!(accounts(&app).await, before, "no account for a refused sign-in");
    assert!(audit_rows(&app, "sso", "sign_in").await.is_empty());

    // The same person with an untouched token gets in: the tampering was the only reason.
    stub.set(|s| s.tamper = Tamper::None);
    let (_, me) = session(&app, &stub, &ada).await;
    assert_eq!(me["role"], "engineer");
}

#[tokio::test]
async fn a_token_just_past_its_times_is_within_the_minute_of_leeway() {
    let (app, stub) = sso_app().await;
    let ada = engineer_sign_in(&app, &stub).await;
    let now = app.clock.now().timestamp();
    stub.set(|s| s.tamper = Tamper::Claims(json!({"iat": now - 3630, "nbf": now - 3630, "exp": now - 30})));
    assert!(matches!(sign_in(&app, &stub, &ada).await, SignIn::Code(_)), "expired 30 s ago");
    stub.set(|s| s.tamper = Tamper::Claims(json!({"iat": now + 30, "nbf": now + 30, "exp": now + 3630})));
    assert!(matches!(sign_in(&app, &stub, &ada).await, SignIn::Code(_)), "valid in 30 s");
    stub.set(|s| s.tamper = Tamper::Claims(json!({"iat": now - 3690, "nbf": now - 3690, "exp": now - 90})));
    assert_refused(&app, sign_in(&app, &stub, &ada).await, StatusCode::FORBIDDEN, "expired").await;
}

#[tokio::test]
async fn an_id_token_replayed_from_an_earlier_sign_in_is_refused_as_a_nonce_mismatch() {
    let (app, stub) = sso_app().await;
    let ada = engineer_sign_in(&app, &stub).await;
    session(&app, &stub, &ada).await;
    let earlier = stub.last_nonce();
    stub.set(|s| s.tamper = Tamper::Nonce(earlier));
    assert_refused(&app, sign_in(&app, &stub, &ada).await, StatusCode::FORBIDDEN, "nonce_mismatch").await;
}

#[tokio::test]
async fn a_person_from_a_directory_that_is_not_allowed_is_refused() {
    let (app, stub) = sso_app().await;
    let ada = engineer_sign_in(&app, &stub).await;
    let outsider = StubUser { tid: OTHER_TENANT_ID.into(), ..ada };
    assert_refused(&app, sign_in(&app, &stub, &outsider).await, StatusCode::FORBIDDEN, "tenant_not_allowed").await;
}

#[tokio::test]
async fn a_person_no_rule_maps_is_refused_and_gets_no_account() {
    let (app, stub) = sso_app().await;
    engineer_sign_in(&app, &stub).await;
    let before = accounts(&app).await;
    let stranger = StubUser::new("sam").with_roles(&["Other.App.Role"]).with_groups(&["g-unmapped"]);
    assert_refused(&app, sign_in(&app, &stub, &stranger).await, StatusCode::FORBIDDEN, "no_mapping").await;
    assert_eq!(accounts(&app).await, before);
}

#[tokio::test]
async fn too_many_groups_without_a_matching_app_role_is_refused_but_an_app_role_still_maps() {
    let (app, stub) = sso_app().await;
    let ada = engineer_sign_in(&app, &stub).await;
    // In `g-staff` (mapped), but with too many groups for the token to say so.
    let crowded = StubUser { groups_overage: true, ..StubUser::new("cy").with_groups(&["g-staff"]) };
    assert_refused(&app, sign_in(&app, &stub, &crowded).await, StatusCode::FORBIDDEN, "groups_overage").await;
    let crowded_engineer = StubUser { groups_overage: true, ..ada };
    let (_, me) = session(&app, &stub, &crowded_engineer).await;
    assert_eq!(me["role"], "engineer");
}

#[tokio::test]
async fn an_account_disabled_in_scoregrc_is_refused_at_its_next_sign_in() {
    let (app, stub) = sso_app().await;
    let ada = engineer_sign_in(&app, &stub).await;
    let (_, me) = session(&app, &stub, &ada).await;
    let path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    assert_eq!(app.patch(&path, &app.admin_token, &json!({"disabled": true})).await.status(), StatusCode::OK);
    assert_refused(&app, sign_in(&app, &stub, &ada).await, StatusCode::FORBIDDEN, "account_disabled").await;
}

#[tokio::test]
async fn an_unknown_expired_or_used_state_is_refused_with_400_and_not_audited() {
    let (app, stub) = sso_app().await;
    let ada = engineer_sign_in(&app, &stub).await;
    stub.sign_in_as(&ada);
    let forged = url::Url::parse(&format!("{}/api/v1/auth/sso/callback?code=1.AXEAforged&state=forged", app.address));
    let forged = outcome(callback(&app, &forged.unwrap()).await).await;
    assert_eq!(forged, SignIn::Refused(StatusCode::BAD_REQUEST, "unknown_state".into()));

    let back = at_provider(&app, &start(&app).await).await;
    assert!(matches!(outcome(callback(&app, &back).await).await, SignIn::Code(_)));
    let replayed = outcome(callback(&app, &back).await).await;
    assert_eq!(replayed, SignIn::Refused(StatusCode::BAD_REQUEST, "unknown_state".into()));

    // A sign-in left at the provider for longer than its ten minutes is not finished later.
    let authorize = start(&app).await;
    app.clock.advance(chrono::TimeDelta::minutes(11));
    let late = outcome(callback(&app, &at_provider(&app, &authorize).await).await).await;
    assert_eq!(late, SignIn::Refused(StatusCode::BAD_REQUEST, "unknown_state".into()));
    assert_eq!(stub.get(|s| s.redeemed), 1, "codes of refused states are never redeemed");
    // Anyone can send a made-up state: those are not worth a row each in the trail.
    assert!(audit_rows(&app, "sso", "refused").await.is_empty());
}

#[tokio::test]
async fn a_refusal_answers_a_problem_to_a_client_that_is_not_a_browser() {
    let (app, stub) = sso_app().await;
    let ada = engineer_sign_in(&app, &stub).await;
    stub.sign_in_as(&ada);
    stub.set(|s| s.tamper = Tamper::WrongAudience);
    let back = at_provider(&app, &start(&app).await).await;
    let path = format!("{}?{}", back.path(), back.query().unwrap());
    let response = app.request(Method::GET, &path, "").header("cookie", browser_cookie(&back)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
    assert!(json_of(response).await["detail"].as_str().unwrap().contains("wrong_audience"));
    assert_eq!(audit_rows(&app, "sso", "refused").await.len(), 1);
}

#[tokio::test]
async fn a_provider_error_is_shown_to_the_person_and_audited() {
    let (app, stub) = sso_app().await;
    let ada = engineer_sign_in(&app, &stub).await;
    stub.set(|s| s.deny = Some("AADSTS65004: User declined to consent to access the app.".into()));
    assert_refused(&app, sign_in(&app, &stub, &ada).await, StatusCode::FORBIDDEN, "provider_error").await;
}

#[tokio::test]
async fn a_code_the_provider_will_not_redeem_is_refused_as_a_failed_exchange() {
    let (app, stub) = sso_app().await;
    let ada = engineer_sign_in(&app, &stub).await;
    stub.set(|s| s.fail_token_exchange = true);
    assert_refused(&app, sign_in(&app, &stub, &ada).await, StatusCode::FORBIDDEN, "token_exchange_failed").await;
}

/// Login CSRF: someone starts a sign-in, stops at the return link and sends it to a victim, whose browser would
/// then be signed in as them. The return is accepted only by the browser holding the sign-in's state cookie.
#[tokio::test]
async fn a_return_link_opened_in_another_browser_is_refused() {
    let (app, stub) = sso_app().await;
    let ada = engineer_sign_in(&app, &stub).await;
    stub.sign_in_as(&ada);
    let back = at_provider(&app, &start(&app).await).await;
    let path = format!("{}?{}", back.path(), back.query().unwrap());
    let victim = app.request(Method::GET, &path, "").header("accept", BROWSER_ACCEPT).send().await.unwrap();
    assert_eq!(outcome(victim).await, SignIn::Refused(StatusCode::FORBIDDEN, "browser_mismatch".into()));

    let mine = at_provider(&app, &start(&app).await).await;
    let theirs = at_provider(&app, &start(&app).await).await;
    let crossed = app
        .request(Method::GET, &format!("{}?{}", theirs.path(), theirs.query().unwrap()), "")
        .header("accept", BROWSER_ACCEPT)
        .header("cookie", browser_cookie(&mine))
        .send()
        .await
        .unwrap();
    assert_eq!(outcome(crossed).await, SignIn::Refused(StatusCode::FORBIDDEN, "browser_mismatch".into()));
    let reasons: Vec<_> =
        audit_rows(&app, "sso", "refused").await.iter().map(|r| r["after"]["reason"].clone()).collect();
    assert_eq!(reasons, vec![json!("browser_mismatch"), json!("browser_mismatch")]);
    assert!(matches!(outcome(callback(&app, &mine).await).await, SignIn::Code(_)), "the right browser still signs in");
}
