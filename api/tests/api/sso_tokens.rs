//! Automation with Entra access tokens (daemons using the client-credentials grant) and the provider's key
//! rollover: a new `kid` makes the service fetch the JWKS again, at most once a minute of its clock, so a flood
//! of made-up kids cannot make it hammer the provider.

use crate::helpers::{TestApp, json_of};
use crate::oidc_stub::{OTHER_TENANT_ID, OidcStub, StubApp, StubUser, Tamper};
use crate::sso::{SignIn, configure, rule, session, settings, sign_in, sso_app, tenants_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Settings accepting v2 access tokens; `Scoregrc.Automation` maps to engineer in `tenant`.
fn automation(stub: &OidcStub, tenant: &str) -> Value {
    let rules = json!([
        rule("role", "Scoregrc.Automation", "engineer", &[tenant]),
        rule("group", "g-everyone", "auditor", &[tenant]),
    ]);
    let mut body = settings(stub, rules);
    body["accept_access_tokens"] = json!(true);
    body
}

/// A daemon's token from the provider's token endpoint (client credentials, scoregrc's `.default` scope).
async fn daemon_token(app: &TestApp, stub: &OidcStub, daemon: &StubApp) -> String {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", &daemon.client_id),
        ("client_secret", &daemon.client_secret),
        ("scope", "api://scoregrc/.default"),
    ];
    let response = app.client.post(stub.token_endpoint()).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the provider issues the daemon a token");
    json_of(response).await["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_daemon_with_a_client_credentials_token_works_as_its_mapped_role_in_its_tenants_only() {
    let (app, stub) = sso_app().await;
    let (a, b) = (app.create_tenant("A").await, app.create_tenant("B").await);
    configure(&app, automation(&stub, &a)).await;
    let daemon = StubApp::new(&["Scoregrc.Automation"]);
    stub.register_app(&daemon);
    let token = daemon_token(&app, &stub, &daemon).await;

    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me = json_of(me).await;
    assert_eq!((&me["kind"], &me["role"]), (&json!("application"), &json!("engineer")));
    assert_eq!(me["name"], format!("app:{}", daemon.client_id));
    assert_eq!(tenants_of(&me), vec![a.clone()]);
    assert_eq!(app.get(&format!("/api/v1/tenants/{a}"), &token).await.status(), StatusCode::OK);
    let elsewhere = app.get(&format!("/api/v1/tenants/{b}"), &token).await.status();
    assert!(matches!(elsewhere, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "another tenant: {elsewhere}");
    for admin_only in ["/api/v1/users", "/api/v1/audit", "/api/v1/sso-settings"] {
        assert_eq!(app.get(admin_only, &token).await.status(), StatusCode::FORBIDDEN, "{admin_only}");
    }
}

#[tokio::test]
async fn access_tokens_are_refused_while_the_admin_has_not_accepted_them() {
    let (app, stub) = sso_app().await;
    let a = app.create_tenant("A").await;
    let mut body = automation(&stub, &a);
    body["accept_access_tokens"] = json!(false);
    configure(&app, body.clone()).await;
    let daemon = StubApp::new(&["Scoregrc.Automation"]);
    stub.register_app(&daemon);
    let token = daemon_token(&app, &stub, &daemon).await;
    let refused = app.get("/api/v1/me", &token).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
    body["accept_access_tokens"] = json!(true);
    configure(&app, body).await;
    assert_eq!(app.get("/api/v1/me", &token).await.status(), StatusCode::OK, "the same token, once accepted");
}

#[tokio::test]
async fn a_v1_token_counts_only_once_v1_tokens_are_accepted_for_the_application_id_uri() {
    let (app, stub) = sso_app().await;
    let a = app.create_tenant("A").await;
    let mut body = automation(&stub, &a);
    configure(&app, body.clone()).await;
    let daemon = StubApp::new(&["Scoregrc.Automation"]);
    stub.register_app(&daemon);
    stub.set(|s| s.v1_access_tokens = true);
    let token = daemon_token(&app, &stub, &daemon).await;
    assert_eq!(app.get("/api/v1/me", &token).await.status(), StatusCode::UNAUTHORIZED);

    body["accept_v1_access_tokens"] = json!(true);
    body["app_id_uri"] = json!(crate::oidc_stub::APP_ID_URI);
    configure(&app, body).await;
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me = json_of(me).await;
    assert_eq!((&me["name"], &me["role"]), (&json!(format!("app:{}", daemon.client_id)), &json!("engineer")));
    // A v1 token for another audience is still refused.
    let other = stub.app_token_v1(&daemon, &Tamper::WrongAudience);
    assert_eq!(app.get("/api/v1/me", &other).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_for_people_other_apps_other_directories_or_other_times_are_refused() {
    let (app, stub) = sso_app().await;
    let a = app.create_tenant("A").await;
    configure(&app, automation(&stub, &a)).await;
    let daemon = StubApp::new(&["Scoregrc.Automation"]);
    let ada = StubUser::new("ada").with_roles(&["Scoregrc.Automation"]).with_groups(&["g-everyone"]);
    let now = {
        use scoregrc::clock::Clock;
        app.clock.now().timestamp()
    };
    assert_eq!(app.get("/api/v1/me", &stub.app_token(&daemon, &Tamper::None)).await.status(), StatusCode::OK);
    let refused = [
        ("delegated (scp)", stub.delegated_token(&ada, &Tamper::None)),
        ("Graph's token", stub.provider.graph_token(&ada)),
        ("expired", stub.app_token(&daemon, &Tamper::Expired)),
        ("expired 90 s ago", stub.app_token(&daemon, &Tamper::Claims(json!({"exp": now - 90})))),
        ("not yet valid", stub.app_token(&daemon, &Tamper::NotYetValid)),
        ("another audience", stub.app_token(&daemon, &Tamper::WrongAudience)),
        ("another issuer", stub.app_token(&daemon, &Tamper::WrongIssuer)),
        ("bad signature", stub.app_token(&daemon, &Tamper::BadSignature)),
        ("unknown key", stub.app_token(&daemon, &Tamper::UnknownKid)),
        (
            "another directory",
            stub.app_token(&StubApp { tid: OTHER_TENANT_ID.into(), ..daemon.clone() }, &Tamper::None),
        ),
        ("no tid", stub.app_token(&daemon, &Tamper::Claims(json!({"tid": null})))),
        ("not a JWT", "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln".to_owned()),
    ];
    for (what, token) in &refused {
        assert_eq!(app.get("/api/v1/me", token).await.status(), StatusCode::UNAUTHORIZED, "{what}");
    }
    let unmapped = stub.app_token(&StubApp::new(&["Some.Other.Role"]), &Tamper::None);
    let status = app.get("/api/v1/me", &unmapped).await.status();
    assert!(matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN), "no role maps: {status}");
}

#[tokio::test]
async fn a_new_signing_key_is_fetched_once_and_another_unknown_kid_within_a_minute_is_not() {
    let (app, stub) = sso_app().await;
    let a = app.create_tenant("A").await;
    configure(&app, automation(&stub, &a)).await;
    let ada = StubUser::new("ada").with_roles(&["Scoregrc.Automation"]);
    session(&app, &stub, &ada).await;
    let fetched = stub.jwks_requests();
    assert!(fetched >= 1);

    app.clock.advance(chrono::TimeDelta::seconds(61));
    stub.rotate_keys(false);
    session(&app, &stub, &ada).await;
    assert_eq!(stub.jwks_requests(), fetched + 1, "the new kid made the service fetch the keys again");
    session(&app, &stub, &ada).await;
    assert_eq!(stub.jwks_requests(), fetched + 1, "a known kid needs no fetch");

    // Within the same minute another kid appears: the service does not fetch again, so it cannot verify.
    stub.rotate_keys(true);
    let refused = sign_in(&app, &stub, &ada).await;
    assert_eq!(refused, SignIn::Refused(StatusCode::FORBIDDEN, "bad_signature".into()));
    let daemon = StubApp::new(&["Scoregrc.Automation"]);
    let token = stub.app_token(&daemon, &Tamper::None);
    assert_eq!(app.get("/api/v1/me", &token).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(stub.jwks_requests(), fetched + 1);

    app.clock.advance(chrono::TimeDelta::seconds(61));
    session(&app, &stub, &ada).await;
    assert_eq!(stub.jwks_requests(), fetched + 2);
    assert_eq!(app.get("/api/v1/me", &token).await.status(), StatusCode::OK);
}

/// An ID token is for the client that signed the person in, not a credential for its API: it has the API's
/// audience and issuer, no `scp` and maybe app roles, so only its kind tells it apart (no `azp`/`appid`, a
/// `nonce`, a pairwise `sub` unlike `oid`, no `idtyp: app`).
#[tokio::test]
async fn an_id_token_is_not_accepted_as_an_access_token() {
    let (app, stub) = sso_app().await;
    let a = app.create_tenant("A").await;
    configure(&app, automation(&stub, &a)).await;
    let ada = StubUser::new("ada").with_roles(&["Scoregrc.Automation"]);
    let id_token = stub.id_token(&ada, "n-1", &Tamper::None);
    let response = app.get("/api/v1/me", &id_token).await;
    let status = response.status();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an ID token as a bearer: {}", response.text().await.unwrap());
}

/// Automation never administers the platform: a daemon whose app role maps to admin is refused, like a service
/// token, which can never be issued as admin.
#[tokio::test]
async fn a_daemon_whose_role_maps_to_admin_is_refused() {
    let (app, stub) = sso_app().await;
    let a = app.create_tenant("A").await;
    let mut body = automation(&stub, &a);
    body["rules"].as_array_mut().unwrap().push(rule("role", "Scoregrc.Admin", "admin", &[]));
    configure(&app, body).await;
    let engineer = stub.app_token(&StubApp::new(&["Scoregrc.Automation"]), &Tamper::None);
    assert_eq!(app.get("/api/v1/me", &engineer).await.status(), StatusCode::OK);
    let admin = stub.app_token(&StubApp::new(&["Scoregrc.Automation", "Scoregrc.Admin"]), &Tamper::None);
    assert_eq!(app.get("/api/v1/me", &admin).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/users", &admin).await.status(), StatusCode::UNAUTHORIZED);
}
