//! The admin's single sign-on settings: checked field by field before they are stored, the client secret
//! kept and never answered, only admins allowed; the provider check; linking identities by hand.

use crate::helpers::{TestApp, json_of, spawn_app};
use crate::oidc_stub::{CLIENT_SECRET, StubUser, TENANT_ID};
use crate::sso::{SignIn, configure, put_settings, rule, session, settings, sign_in, sso_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The `field`s of a 422 problem.
async fn fields(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = json_of(response).await;
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

fn names(fields: &[String], part: &str) -> bool {
    fields.iter().any(|f| f.contains(part))
}

#[tokio::test]
async fn sso_is_off_until_an_admin_turns_it_on() {
    let app = spawn_app().await;
    let stored = json_of(app.get("/api/v1/sso-settings", &app.admin_token).await).await;
    assert_eq!(stored["version"], 0);
    assert_eq!((&stored["enabled"], &stored["client_secret_set"]), (&json!(false), &json!(false)));
    let redirect = stored["redirect_uri"].as_str().unwrap();
    assert!(redirect.starts_with("http") && redirect.ends_with("/api/v1/auth/sso/callback"), "{redirect}");
    assert_eq!(json_of(app.get("/api/v1/auth/sso", "").await).await["enabled"], false);
    let start = app.get("/api/v1/auth/sso/start", "").await;
    assert_eq!(start.status(), StatusCode::NOT_FOUND);
    assert!(start.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
}

#[tokio::test]
async fn the_settings_are_checked_field_by_field() {
    let (app, stub) = sso_app().await;
    let mut bad = settings(&stub, json!([]));
    bad["issuer"] = json!("http://login.example.com/organizations/v2.0");
    bad["client_id"] = json!("  ");
    bad["allowed_tenant_ids"] = json!(["not a tenant id!"]);
    bad["accept_v1_access_tokens"] = json!(true);
    let errors = fields(put_settings(&app, bad).await).await;
    for part in ["issuer", "client_id", "allowed_tenant_ids", "app_id_uri"] {
        assert!(names(&errors, part), "{part} is reported in {errors:?}");
    }
    let mut no_secret = settings(&stub, json!([]));
    no_secret["client_secret"] = json!(null);
    assert_eq!(fields(put_settings(&app, no_secret).await).await, ["client_secret"], "required to turn SSO on");
    let elsewhere = uuid::Uuid::new_v4().to_string();
    let unknown_tenant = settings(&stub, json!([rule("role", "Scoregrc.Ciso", "ciso", &[&elsewhere])]));
    let errors = fields(put_settings(&app, unknown_tenant).await).await;
    assert!(errors.iter().any(|f| f.starts_with("rules") && f.contains("tenant_ids")), "{errors:?}");
    let https_elsewhere = json!("https://login.microsoftonline.com/organizations/v2.0");
    let mut fine = settings(&stub, json!([]));
    fine["issuer"] = https_elsewhere;
    assert_eq!(put_settings(&app, fine).await.status(), StatusCode::OK, "https anywhere is fine");
    // Nothing bad was stored meanwhile, and a stale version is refused.
    let stored = json_of(app.get("/api/v1/sso-settings", &app.admin_token).await).await;
    assert_eq!(stored["version"], 1);
    let mut stale = settings(&stub, json!([]));
    stale["version"] = json!(0);
    let put = app.request(Method::PUT, "/api/v1/sso-settings", &app.admin_token).json(&stale).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::PRECONDITION_FAILED);
}

/// The admin must learn which rule names a role scoregrc does not have, not just that the body is wrong.
#[tokio::test]
async fn an_unknown_role_in_a_rule_is_named_in_the_422() {
    let (app, stub) = sso_app().await;
    let rules = json!([rule("role", "Scoregrc.Ciso", "ciso", &[]), rule("role", "Scoregrc.Boss", "overlord", &[])]);
    let response = put_settings(&app, settings(&stub, rules)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = json_of(response).await;
    let field = problem["errors"][0]["field"].as_str().unwrap();
    assert!(field.starts_with("rules") && field.contains("role"), "{problem}");
}

#[tokio::test]
async fn the_client_secret_is_kept_but_never_answered_or_audited() {
    let (app, stub) = sso_app().await;
    let ada = StubUser::new("ada").with_roles(&["Scoregrc.Engineer"]);
    let mut body = settings(&stub, json!([rule("role", "Scoregrc.Engineer", "engineer", &[])]));
    let put = put_settings(&app, body.clone()).await;
    assert_eq!(put.status(), StatusCode::OK);
    let text = put.text().await.unwrap();
    assert!(!text.contains(CLIENT_SECRET), "{text}");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["client_secret_set"], true);
    for path in ["/api/v1/sso-settings", "/api/v1/audit?entity=setting&limit=500"] {
        let text = app.get(path, &app.admin_token).await.text().await.unwrap();
        assert!(!text.contains(CLIENT_SECRET) && !text.contains("Qx8~"), "{path}: {text}");
    }

    // Saved again without the secret: the stored one stays and the provider still accepts it.
    body.as_object_mut().unwrap().remove("client_secret");
    body["button_label"] = json!("Sign in with Contoso");
    let view = configure(&app, body.clone()).await;
    assert_eq!((&view["client_secret_set"], &view["button_label"]), (&json!(true), &json!("Sign in with Contoso")));
    let (_, me) = session(&app, &stub, &ada).await;
    assert_eq!(me["role"], "engineer");
    let client_auth = stub.get(|s| s.token_requests.len());
    assert_eq!(client_auth, 1);

    // A new secret replaces it: the provider refuses the new one it does not know.
    body["client_secret"] = json!("a-rotated-secret-entra-does-not-know");
    configure(&app, body).await;
    let refused = crate::sso::sign_in(&app, &stub, &ada).await;
    assert_eq!(refused, crate::sso::SignIn::Refused(StatusCode::FORBIDDEN, "token_exchange_failed".into()));
}

#[tokio::test]
async fn only_admins_see_or_change_the_sso_settings() {
    let (app, stub) = sso_app().await;
    let ciso = app.create_user("cleo", "ciso").await;
    let body = settings(&stub, json!([]));
    let as_ciso = |method: Method, path: &str, token: &str| app.request(method, path, token).json(&body).send();
    for token in [ciso.token.as_str(), ""] {
        let expected = if token.is_empty() { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
        for (method, path) in [
            (Method::GET, "/api/v1/sso-settings"),
            (Method::PUT, "/api/v1/sso-settings"),
            (Method::POST, "/api/v1/sso-settings/check"),
        ] {
            assert_eq!(as_ciso(method.clone(), path, token).await.unwrap().status(), expected, "{method} {path}");
        }
    }
    assert_eq!(json_of(app.get("/api/v1/sso-settings", &app.admin_token).await).await["version"], 0);
}

#[tokio::test]
async fn the_check_reads_the_providers_metadata_and_keys_now() {
    let (app, stub) = sso_app().await;
    let mut body = settings(&stub, json!([]));
    configure(&app, body.clone()).await;
    let check = |app: &TestApp| app.request(Method::POST, "/api/v1/sso-settings/check", &app.admin_token).send();
    let report = check(&app).await.unwrap();
    assert_eq!(report.status(), StatusCode::OK);
    let report = json_of(report).await;
    assert_eq!(report["issuer"], stub.issuer_template());
    assert_eq!(report["token_endpoint"], stub.token_endpoint());
    assert_eq!((&report["reachable"], &report["signing_keys"]), (&json!(true), &json!(1)));
    let fetched = stub.jwks_requests();
    stub.rotate_keys(false);
    assert_eq!(json_of(check(&app).await.unwrap()).await["signing_keys"], 2);
    assert_eq!(stub.jwks_requests(), fetched + 1, "the check fetches now, whatever is cached");

    // A provider that does not answer: the check worked, and says what failed.
    body["issuer"] = json!("http://127.0.0.1:9/organizations/v2.0");
    configure(&app, body).await;
    let failed = check(&app).await.unwrap();
    assert_eq!(failed.status(), StatusCode::OK);
    let failed = json_of(failed).await;
    assert_eq!((&failed["reachable"], &failed["signing_keys"]), (&json!(false), &json!(0)));
    assert!(failed["problem"].as_str().unwrap().contains("127.0.0.1:9"), "{failed}");
}

#[tokio::test]
async fn an_admin_links_an_identity_to_a_local_account_and_unlinks_it() {
    let (app, stub) = sso_app().await;
    configure(&app, settings(&stub, json!([rule("role", "Scoregrc.Engineer", "engineer", &[])]))).await;
    let bob = app.create_user("bob", "auditor").await;
    let entra_bob = StubUser::new("bob").with_roles(&["Scoregrc.Engineer"]);
    let identity = json!({"issuer": stub.issuer_template(), "tenant_id": TENANT_ID, "object_id": entra_bob.oid});
    let path = format!("/api/v1/users/{}/identities", bob.id);
    assert_eq!(app.post(&path, &app.admin_token, &identity).await.status(), StatusCode::CREATED);
    let linked = json_of(app.get(&path, &app.admin_token).await).await;
    assert_eq!(
        (&linked[0]["object_id"], &linked[0]["issuer"]),
        (&json!(entra_bob.oid), &json!(stub.issuer_template()))
    );
    let (_, me) = session(&app, &stub, &entra_bob).await;
    assert_eq!((&me["id"], &me["role"]), (&json!(bob.id), &json!("engineer")), "bob, with the mapped role");

    let other = app.create_user("carl", "auditor").await;
    let taken = app.post(&format!("/api/v1/users/{}/identities", other.id), &app.admin_token, &identity).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let unlink = format!("{path}/{}", linked[0]["id"].as_str().unwrap());
    assert_eq!(app.delete(&unlink, &app.admin_token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(json_of(app.get(&path, &app.admin_token).await).await, json!([]));
    let (_, me) = session(&app, &stub, &entra_bob).await;
    assert_ne!(me["id"], json!(bob.id), "unlinked, the identity is a new account");
    let rows: Vec<String> =
        json_of(app.get("/api/v1/audit?entity=external_identity", &app.admin_token).await).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(rows[..2], ["link", "unlink"], "the admin's link and unlink, in order");
}

/// The break-glass admin linked to an identity whose roles map lower: the sign-in is refused rather than leave
/// scoregrc without an admin, as an admin's own edit would be; with a second admin it goes through.
#[tokio::test]
async fn a_sign_in_never_demotes_the_last_enabled_admin() {
    let (app, stub) = sso_app().await;
    configure(&app, settings(&stub, json!([rule("role", "Scoregrc.Engineer", "engineer", &[])]))).await;
    let me = json_of(app.get("/api/v1/me", &app.admin_token).await).await;
    let entra_admin = StubUser::new("root").with_roles(&["Scoregrc.Engineer"]);
    let identity = json!({"issuer": stub.issuer_template(), "tenant_id": TENANT_ID, "object_id": entra_admin.oid});
    let path = format!("/api/v1/users/{}/identities", me["id"].as_str().unwrap());
    assert_eq!(app.post(&path, &app.admin_token, &identity).await.status(), StatusCode::CREATED);
    assert_eq!(sign_in(&app, &stub, &entra_admin).await, SignIn::Refused(StatusCode::FORBIDDEN, "last_admin".into()));
    assert_eq!(json_of(app.get("/api/v1/me", &app.admin_token).await).await["role"], json!("admin"));

    app.create_user("second-admin", "admin").await;
    let (_, demoted) = session(&app, &stub, &entra_admin).await;
    assert_eq!((&demoted["id"], &demoted["role"]), (&me["id"], &json!("engineer")));
}
