//! Single sign-on with Entra ID (OpenID Connect, authorization code with PKCE) against the local stand-in: the
//! browser's round trip is followed by hand (start → provider → callback → exchange), with no cookies and no
//! automatic redirects, so every hop is checked. Refusals are in `sso_refusals`, access tokens and key
//! rollover in `sso_tokens`, the admin's settings in `sso_settings`.

use crate::helpers::{TestApp, json_of, spawn_app};
use crate::oidc_stub::{CLIENT_ID, CLIENT_SECRET, OidcStub, StubUser, TENANT_ID};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;

/// An app and a provider sharing its clock.
pub async fn sso_app() -> (TestApp, OidcStub) {
    let app = spawn_app().await;
    let stub = OidcStub::start(app.clock.clone()).await;
    (app, stub)
}

/// A mapping rule: a token whose `claim` (`role` or `group`) holds `value` gets `role` in `tenants`.
pub fn rule(claim: &str, value: &str, role: &str, tenants: &[&str]) -> Value {
    json!({"claim": claim, "value": value, "role": role, "tenant_ids": tenants})
}

/// Settings that enable sign-in through `stub` for its allowed tenant, with `rules`.
pub fn settings(stub: &OidcStub, rules: Value) -> Value {
    json!({
        "enabled": true,
        "issuer": stub.issuer(),
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "allowed_tenant_ids": [TENANT_ID],
        "rules": rules,
        "accept_access_tokens": false,
        "accept_v1_access_tokens": false,
        "app_id_uri": null,
        "button_label": "Sign in with Microsoft",
    })
}

/// `PUT /api/v1/sso-settings` as the admin, on the current version.
pub async fn put_settings(app: &TestApp, mut body: Value) -> Response {
    let current = json_of(app.get("/api/v1/sso-settings", &app.admin_token).await).await;
    body["version"] = current["version"].clone();
    app.request(Method::PUT, "/api/v1/sso-settings", &app.admin_token).json(&body).send().await.unwrap()
}

/// Stores `body` and answers the stored view.
pub async fn configure(app: &TestApp, body: Value) -> Value {
    let response = put_settings(app, body).await;
    assert_eq!(response.status(), StatusCode::OK, "the SSO settings are stored");
    json_of(response).await
}

/// The query of `url` as a map.
pub fn params(url: &url::Url) -> HashMap<String, String> {
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The absolute `Location` of a redirect.
fn location(response: &Response) -> String {
    assert_eq!(response.status(), StatusCode::FOUND, "a redirect");
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// `GET /api/v1/auth/sso/start`: answers where the browser is sent (the provider's authorize URL).
pub async fn start(app: &TestApp) -> url::Url {
    url::Url::parse(&location(&app.get("/api/v1/auth/sso/start", "").await)).unwrap()
}

/// The browser at the provider: answers where the provider sends it back (the service's callback).
pub async fn at_provider(app: &TestApp, authorize: &url::Url) -> url::Url {
    let response = app.client.get(authorize.as_str()).send().await.unwrap();
    let back = location(&response);
    url::Url::parse(&back).unwrap()
}

/// What a browser accepts on a navigation: the callback answers such a client a page, anything else a problem.
pub const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// The cookie the browser that started a sign-in holds when the provider sends it back: the service set it to
/// the sign-in's state at the start (checked in the round-trip test), and the state rides back in the query.
pub fn browser_cookie(back: &url::Url) -> String {
    format!("scoregrc_sso_state={}", params(back).get("state").cloned().unwrap_or_default())
}

/// The browser that started the sign-in, back at the service: the callback's path and query sent to this app
/// (whatever host the service named in its redirect URI) with the browser's cookie.
pub async fn callback(app: &TestApp, back: &url::Url) -> Response {
    let path = format!("{}?{}", back.path(), back.query().unwrap_or_default());
    let request = app.request(Method::GET, &path, "").header("accept", BROWSER_ACCEPT);
    request.header("cookie", browser_cookie(back)).send().await.unwrap()
}

/// How a sign-in ended.
#[derive(Debug, PartialEq)]
pub enum SignIn {
    /// Back at the web UI with this one-time code.
    Code(String),
    /// The refusal page with this status and `data-reason`.
    Refused(StatusCode, String),
}

/// The outcome of a callback response.
pub async fn outcome(response: Response) -> SignIn {
    if response.status() == StatusCode::FOUND {
        let to = location(&response);
        let code = to.strip_prefix("/#sso-code=").unwrap_or_else(|| panic!("back to the web UI, not {to}"));
        return SignIn::Code(code.to_owned());
    }
    let status = response.status();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = response.text().await.unwrap();
    assert!(kind.starts_with("text/html"), "a refusal is a page for a person, not {kind}: {body}");
    assert!(body.contains("Sign-in refused") && body.contains("href=\"/\""), "the refusal page: {body}");
    let reason = body.split("data-reason=\"").nth(1).and_then(|rest| rest.split('"').next());
    SignIn::Refused(status, reason.unwrap_or_else(|| panic!("no data-reason in {body}")).to_owned())
}

/// A whole browser sign-in as `user`.
pub async fn sign_in(app: &TestApp, stub: &OidcStub, user: &StubUser) -> SignIn {
    stub.sign_in_as(user);
    let authorize = start(app).await;
    let back = at_provider(app, &authorize).await;
    outcome(callback(app, &back).await).await
}

/// `POST /api/v1/auth/sso/exchange`.
pub async fn exchange(app: &TestApp, code: &str) -> Response {
    app.post("/api/v1/auth/sso/exchange", "", &json!({ "code": code })).await
}

/// Signs `user` in and answers their `/me`.
pub async fn session(app: &TestApp, stub: &OidcStub, user: &StubUser) -> (String, Value) {
    let SignIn::Code(code) = sign_in(app, stub, user).await else { panic!("{} signs in", user.preferred_username) };
    let response = exchange(app, &code).await;
    assert_eq!(response.status(), StatusCode::OK, "the code is exchanged for a session");
    let token = json_of(response).await["token"].as_str().unwrap().to_owned();
    let me = json_of(app.get("/api/v1/me", &token).await).await;
    (token, me)
}

/// The platform audit rows about `entity` with `action`, oldest first.
pub async fn audit_rows(app: &TestApp, entity: &str, action: &str) -> Vec<Value> {
    let page = json_of(app.get(&format!("/api/v1/audit?entity={entity}&limit=500"), &app.admin_token).await).await;
    page["items"].as_array().unwrap().iter().filter(|r| r["action"] == action).cloned().collect()
}

/// The tenant ids of a `/me`, sorted.
pub fn tenants_of(me: &Value) -> Vec<String> {
    let mut ids: Vec<String> =
        me["tenant_ids"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().into()).collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|t| (*t).to_owned()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_person_signs_in_with_microsoft_and_works_with_the_mapped_role_in_the_mapped_tenants() {
    let (app, stub) = sso_app().await;
    let contoso = app.create_tenant("Contoso").await;
    let view = configure(&app, settings(&stub, json!([rule("role", "Scoregrc.Ciso", "ciso", &[&contoso])]))).await;
    let public = json_of(app.get("/api/v1/auth/sso", "").await).await;
    assert_eq!(
        public,
        json!({"enabled": true, "label": "Sign in with Microsoft", "start_url": "/api/v1/auth/sso/start"})
    );

    let ada = StubUser::new("ada").with_roles(&["Scoregrc.Ciso"]);
    stub.sign_in_as(&ada);
    let authorize = start(&app).await;
    assert!(authorize.as_str().starts_with(&format!("{}/organizations/oauth2/v2.0/authorize?", stub.url)));
    let sent = params(&authorize);
    assert_eq!((sent["response_type"].as_str(), sent["client_id"].as_str()), ("code", CLIENT_ID));
    assert_eq!(sent["redirect_uri"], view["redirect_uri"].as_str().unwrap());
    assert!(sent["redirect_uri"].ends_with("/api/v1/auth/sso/callback"));
    assert!(sent["scope"].split(' ').any(|s| s == "openid"), "{sent:?}");
    assert_eq!((sent["code_challenge_method"].as_str(), sent["code_challenge"].len()), ("S256", 43));
    assert!(sent["state"].len() >= 22 && sent["nonce"].len() >= 22, "unguessable state and nonce: {sent:?}");
    assert_ne!(sent["state"], sent["nonce"]);

    // The browser keeps the state in a cookie only the sign-in's routes get, which scripts cannot read.
    let started = app.get("/api/v1/auth/sso/start", "").await;
    let cookie = started.headers()["set-cookie"].to_str().unwrap().to_owned();
    let state = params(&url::Url::parse(started.headers()["location"].to_str().unwrap()).unwrap())["state"].clone();
    assert_eq!(
        cookie,
        format!("scoregrc_sso_state={state}; Path=/api/v1/auth/sso; Max-Age=600; HttpOnly; SameSite=Lax"),
        "no Secure on plain http, which this test server speaks"
    );

    let back = at_provider(&app, &authorize).await;
    assert_eq!(params(&back)["state"], sent["state"]);
    let SignIn::Code(code) = outcome(callback(&app, &back).await).await else { panic!("ada signs in") };
    assert_eq!(stub.get(|s| s.redeemed), 1, "the service redeemed the code with its PKCE verifier");

    let login = exchange(&app, &code).await;
    assert_eq!(login.status(), StatusCode::OK);
    let login = json_of(login).await;
    assert_eq!((&login["role"], &login["must_change_password"]), (&json!("ciso"), &json!(false)));
    let me = json_of(app.get("/api/v1/me", login["token"].as_str().unwrap()).await).await;
    assert_eq!((&me["kind"], &me["role"], &me["name"]), (&json!("user"), &json!("ciso"), &json!("ada@contoso.com")));
    assert_eq!(tenants_of(&me), vec![contoso.clone()]);
    let tenant = app.get(&format!("/api/v1/tenants/{contoso}"), login["token"].as_str().unwrap()).await;
    assert_eq!(tenant.status(), StatusCode::OK);

    assert_eq!(exchange(&app, &code).await.status(), StatusCode::UNAUTHORIZED, "a code works once");
    let signed_in = audit_rows(&app, "sso", "sign_in").await;
    assert_eq!(signed_in.len(), 1);
    let after = &signed_in[0]["after"];
    assert_eq!((&after["object_id"], &after["tenant_id"]), (&json!(ada.oid), &json!(TENANT_ID)));
    assert_eq!((&after["issuer"], &after["role"]), (&json!(stub.issuer_template()), &json!("ciso")));
    let created = audit_rows(&app, "user", "create").await;
    assert_eq!(created.last().unwrap()["entity_id"], me["id"]);
}

#[tokio::test]
async fn the_one_time_code_is_refused_after_sixty_seconds() {
    let (app, stub) = sso_app().await;
    configure(&app, settings(&stub, json!([rule("role", "Scoregrc.Engineer", "engineer", &[])]))).await;
    let ada = StubUser::new("ada").with_roles(&["Scoregrc.Engineer"]);
    let SignIn::Code(first) = sign_in(&app, &stub, &ada).await else { panic!("ada signs in") };
    let SignIn::Code(second) = sign_in(&app, &stub, &ada).await else { panic!("ada signs in again") };
    app.clock.advance(chrono::TimeDelta::seconds(59));
    assert_eq!(exchange(&app, &first).await.status(), StatusCode::OK, "59 s later the code still works");
    app.clock.advance(chrono::TimeDelta::seconds(2));
    assert_eq!(exchange(&app, &second).await.status(), StatusCode::UNAUTHORIZED, "61 s later it does not");
    assert_eq!(exchange(&app, "made-up").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_in_again_is_the_same_user_and_a_local_account_with_the_same_name_is_not_linked() {
    let (app, stub) = sso_app().await;
    configure(&app, settings(&stub, json!([rule("role", "Scoregrc.Engineer", "engineer", &[])]))).await;
    let local = app.create_user("ada@contoso.com", "auditor").await;
    let ada = StubUser::new("ada").with_roles(&["Scoregrc.Engineer"]);
    let (_, first) = session(&app, &stub, &ada).await;
    assert_ne!(first["id"], local.id.as_str(), "an e-mail-like name is no proof of identity");
    assert_eq!(first["name"], "ada@contoso.com-2");
    let (_, again) = session(&app, &stub, &ada).await;
    assert_eq!(again["id"], first["id"]);

    // Another person at the provider with the same name is yet another account.
    let namesake = StubUser { oid: uuid::Uuid::new_v4().to_string(), ..ada.clone() };
    let (_, other) = session(&app, &stub, &namesake).await;
    assert_ne!(other["id"], first["id"]);
    assert_eq!(other["name"], "ada@contoso.com-3");

    let path = format!("/api/v1/users/{}/identities", first["id"].as_str().unwrap());
    let identities = json_of(app.get(&path, &app.admin_token).await).await;
    assert_eq!(identities.as_array().unwrap().len(), 1);
    assert_eq!(identities[0]["issuer"], stub.issuer_template());
    assert_eq!((&identities[0]["tenant_id"], &identities[0]["object_id"]), (&json!(TENANT_ID), &json!(ada.oid)));
    let local_identities = json_of(app.get(&format!("/api/v1/users/{}/identities", local.id), &app.admin_token).await);
    assert_eq!(local_identities.await, json!([]));
    // The local account still signs in with its password, as what it was.
    let me = json_of(app.get("/api/v1/me", &local.token).await).await;
    assert_eq!(me["role"], "auditor");
}

#[tokio::test]
async fn app_roles_win_over_groups_and_several_matches_give_the_strongest_role_with_all_their_tenants() {
    let (app, stub) = sso_app().await;
    let (a, b, c) = (app.create_tenant("A").await, app.create_tenant("B").await, app.create_tenant("C").await);
    let rules = json!([
        rule("role", "Scoregrc.Auditor", "auditor", &[&a]),
        rule("role", "Scoregrc.ItManager", "it_manager", &[&b]),
        rule("group", "6b0e7c1d-admins", "admin", &[]),
        rule("group", "0f4d2a9e-engineers", "engineer", &[&c]),
    ]);
    configure(&app, settings(&stub, rules)).await;

    let both =
        StubUser::new("bo").with_roles(&["Scoregrc.Auditor", "Scoregrc.ItManager"]).with_groups(&["6b0e7c1d-admins"]);
    let (_, me) = session(&app, &stub, &both).await;
    assert_eq!(me["role"], "it_manager", "an app role matched, so the admin group does not count");
    assert_eq!(tenants_of(&me), sorted(&[&a, &b]));

    let grouped = StubUser::new("gil").with_groups(&["0f4d2a9e-engineers", "unmapped-group"]);
    let (_, me) = session(&app, &stub, &grouped).await;
    assert_eq!((&me["role"], tenants_of(&me)), (&json!("engineer"), vec![c.clone()]));
}

#[tokio::test]
async fn a_changed_assignment_at_the_provider_changes_the_role_at_the_next_sign_in_and_is_audited() {
    let (app, stub) = sso_app().await;
    let (a, b) = (app.create_tenant("A").await, app.create_tenant("B").await);
    let rules =
        json!([rule("role", "Scoregrc.Engineer", "engineer", &[&a]), rule("role", "Scoregrc.Ciso", "ciso", &[&b])]);
    configure(&app, settings(&stub, rules)).await;
    let ada = StubUser::new("ada").with_roles(&["Scoregrc.Engineer"]);
    let (old_session, me) = session(&app, &stub, &ada).await;
    assert_eq!((&me["role"], tenants_of(&me)), (&json!("engineer"), vec![a.clone()]));

    let promoted = StubUser { roles: vec!["Scoregrc.Ciso".into()], ..ada.clone() };
    let (_, me_now) = session(&app, &stub, &promoted).await;
    assert_eq!(me_now["id"], me["id"]);
    assert_eq!((&me_now["role"], tenants_of(&me_now)), (&json!("ciso"), vec![b.clone()]));
    let changes = audit_rows(&app, "user", "sso_mapping").await;
    let change = changes.last().unwrap_or_else(|| panic!("the role change is audited"));
    assert_eq!(change["entity_id"], me["id"]);
    assert_eq!((&change["before"]["role"], &change["after"]["role"]), (&json!("engineer"), &json!("ciso")));
    // Sessions read the role from the database: the older session is a CISO now too, and out of tenant A.
    let old = json_of(app.get("/api/v1/me", &old_session).await).await;
    assert_eq!((&old["role"], tenants_of(&old)), (&json!("ciso"), vec![b.clone()]));
    assert_eq!(app.get(&format!("/api/v1/tenants/{a}"), &old_session).await.status(), StatusCode::NOT_FOUND);
}

/// The sign-in policy's "admins need a second factor" is about passwords: an admin the provider signed in met the
/// provider's own policy (Conditional Access), and a scoregrc code would never be asked of them anyway.
#[tokio::test]
async fn an_admin_signed_in_by_the_provider_is_not_held_to_enrol_a_local_second_factor() {
    use scoregrc::entities::setting;
    use sea_orm::{ActiveModelTrait, Set};
    let (app, stub) = sso_app().await;
    configure(&app, settings(&stub, json!([rule("role", "Scoregrc.Admin", "admin", &[])]))).await;
    setting::ActiveModel {
        scope: Set("platform".into()),
        key: Set("sign_in_policy".into()),
        value: Set(json!({"require_second_factor_for_admins": true}).to_string()),
        version: Set(1),
        updated_at: Set(scoregrc::clock::Clock::now(app.clock.as_ref())),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let root = StubUser::new("root").with_roles(&["Scoregrc.Admin"]);
    stub.sign_in_as(&root);
    let back = at_provider(&app, &start(&app).await).await;
    let SignIn::Code(code) = outcome(callback(&app, &back).await).await else { panic!("root signs in") };
    let login = json_of(exchange(&app, &code).await).await;
    assert_eq!((&login["role"], &login["must_enrol_second_factor"]), (&json!("admin"), &json!(false)));
    let token = login["token"].as_str().unwrap();
    let me = json_of(app.get("/api/v1/me", token).await).await;
    assert_eq!(me["must_enrol_second_factor"], json!(false));
    assert_eq!(app.get("/api/v1/users", token).await.status(), StatusCode::OK, "the admin works at once");
    // The local admin, signed in with a password, is held to the policy.
    assert_eq!(json_of(app.get("/api/v1/me", &app.admin_token).await).await["must_enrol_second_factor"], json!(true));
}
