//! Single sign-on in a real browser: `web/tests/sso.mjs` drives Debian's headless Chromium through playwright-core
//! against this server and the OpenID Connect stand-in. A person clicks "Sign in with Microsoft", the stand-in sends
//! the browser straight back, and the UI lands signed in with the role and tenant the rule gives, the one-time code
//! gone from the address and no token in any URL; a replayed code is refused in words; the admin sees the settings in
//! the form, is told which field a refusal is about, saves changes, checks the provider and unlinks and links the
//! person's identity; a person no rule maps sees "Sign-in refused" with its reason. axe-core audits each page.
//! Screenshots land in `target/ui-screenshots/`.

use reqwest::{Method, StatusCode};
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

use crate::helpers::{ADMIN_PASSWORD, RunCommand, json_of, spawn_app};
use crate::oidc_stub::{OidcStub, StubUser};

/// The Entra tenant the people sign in from.
const ENTRA_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/// The person the rule maps: their object id in Entra.
const PERSON: &str = "4f1c2a9e-6b7d-4e21-9a0c-3d5e7f8a9b10";

#[tokio::test]
async fn a_person_signs_in_with_microsoft_into_their_mapped_role_and_no_token_ever_rides_in_a_url() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let stub = OidcStub::start(app.clock.clone()).await;
    let settings = json!({
        "enabled": true,
        "issuer": stub.issuer(),
        "client_id": stub.client_id,
        "client_secret": stub.client_secret,
        "allowed_tenant_ids": [ENTRA_TENANT],
        "rules": [{"claim": "role", "value": "Scoregrc.Ciso", "role": "ciso", "tenant_ids": [tenant]}],
        "accept_access_tokens": false,
        "accept_v1_access_tokens": false,
        "app_id_uri": null,
        "button_label": "Sign in with Microsoft",
        "version": 0,
    });
    let put =
        app.request(Method::PUT, "/api/v1/sso-settings", &app.admin_token).json(&settings).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::OK, "single sign-on is configured: {}", json_of(put).await);
    // First the person a rule maps, then one no rule maps (their only app role means nothing to scoregrc).
    stub.queue_user(StubUser {
        oid: PERSON.into(),
        tid: ENTRA_TENANT.into(),
        name: "Alex Wilber".into(),
        preferred_username: "AlexW@contoso.com".into(),
        roles: vec!["Scoregrc.Ciso".into()],
        groups: vec![],
        groups_overage: false,
    });
    stub.queue_user(StubUser {
        oid: "0b6a3c1d-2e4f-4a5b-8c9d-0e1f2a3b4c5d".into(),
        tid: ENTRA_TENANT.into(),
        name: "Megan Bowen".into(),
        preferred_username: "MeganB@contoso.com".into(),
        roles: vec!["Contoso.Reader".into()],
        groups: vec![],
        groups_overage: false,
    });

    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web");
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ui-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    assert!(web.join("node_modules/playwright-core").exists(), "run ./scripts/web (it installs playwright-core)");
    let person = json!({
        "username": "alexw@contoso.com",
        "role": "ciso",
        "tenant": "Contoso",
        "label": "Sign in with Microsoft",
        "issuer": stub.issuer(),
        "client_id": stub.client_id,
        "object_id": PERSON,
        "tenant_id": ENTRA_TENANT,
    });
    let output = Command::new("node")
        .arg(web.join("tests/sso.mjs"))
        .current_dir(&web)
        .env("SCOREGRC_URL", &app.address)
        .env("SCOREGRC_ADMIN", json!({"username": "admin", "password": ADMIN_PASSWORD}).to_string())
        .env("SCOREGRC_SSO", person.to_string())
        .env("SCREENSHOTS", &shots)
        .run()
        .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the single sign-on checks failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("single sign-on checks passed"), "{stdout}");
    assert!(stdout.contains("a person no rule maps: \"Sign-in refused\" with reason no_mapping"), "{stdout}");
    assert!(stdout.contains("accessibility: 3 single sign-on views audited by axe-core"), "{stdout}");
    println!("{stdout}");
    for shot in ["sso-sign-in.png", "sso-signed-in.png", "sso-code-refused.png", "sso-admin.png", "sso-refused.png"] {
        assert!(shots.join(shot).exists(), "no screenshot {shot}");
    }

    // What the browser did, as the API sees it: the person's account, in the rule's role and tenant, and the
    // admin's edits saved over the driver's settings (the secret kept).
    let users = json_of(app.get("/api/v1/users?limit=500", &app.admin_token).await).await;
    let alex = users["items"].as_array().unwrap().iter().find(|u| u["username"] == "alexw@contoso.com");
    let alex = alex.unwrap_or_else(|| panic!("no account for the person: {users}"));
    assert_eq!(alex["role"], "ciso");
    assert_eq!(alex["tenant_ids"], json!([tenant]));
    assert!(
        !users["items"].as_array().unwrap().iter().any(|u| u["username"] == "meganb@contoso.com"),
        "the refused person got an account"
    );
    let saved = json_of(app.get("/api/v1/sso-settings", &app.admin_token).await).await;
    assert_eq!(saved["value"]["button_label"], "Sign in with Contoso (Microsoft)", "{saved}");
    assert_eq!(saved["value"]["rules"].as_array().unwrap().len(), 2, "{saved}");
    assert_eq!(saved["value"]["client_secret_set"], true, "{saved}");
    assert_eq!(saved["value"]["accept_v1_access_tokens"], false, "the refused change was saved: {saved}");
}
