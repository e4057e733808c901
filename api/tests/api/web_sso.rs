//! Single sign-on in a real browser: `web/tests/sso.mjs` drives Debian's headless Chromium through playwright-core
//! against this server and the OpenID Connect stand-in. A person clicks "Sign in with Microsoft", the stand-in sends
//! the browser straight back, and the UI lands signed in with the role and tenant the rule gives, the one-time code
//! gone from the address and no token in any URL; a replayed code is refused in words; the admin sees the settings in
//! the form, is told which field a refusal is about, saves changes, checks the provider and unlinks and links the
//! person's identity; a person no rule maps sees "Sign-in refused" with its reason. axe-core audits each page.
//! Screenshots land in `target/ui-screenshots/`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

use crate::helpers::{ADMIN_PASSWORD, RunCommand, TestApp, json_of, spawn_app};
use crate::oidc_stub::{CLIENT_ID, CLIENT_SECRET, OidcStub, StubUser, TENANT_ID};

/// Runs one part of `web/tests/sso.mjs` (`person` or `refused`) and answers what it printed.
async fn browser(app: &TestApp, part: &str, person: &Value) -> String {
    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web");
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ui-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    assert!(web.join("node_modules/playwright-core").exists(), "run ./scripts/web (it installs playwright-core)");
    let output = Command::new("node")
        .arg(web.join("tests/sso.mjs"))
        .current_dir(&web)
        .env("SCOREGRC_URL", &app.address)
        .env("SCOREGRC_ADMIN", json!({"username": "admin", "password": ADMIN_PASSWORD}).to_string())
        .env("SCOREGRC_SSO", person.to_string())
        .env("SCOREGRC_SSO_PART", part)
        .env("SCREENSHOTS", &shots)
        .run()
        .await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the single sign-on checks ({part}) failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("single sign-on checks passed ({part})")), "{stdout}");
    println!("{stdout}");
    stdout
}

#[tokio::test]
async fn a_person_signs_in_with_microsoft_into_their_mapped_role_and_no_token_ever_rides_in_a_url() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let stub = OidcStub::start(app.clock.clone()).await;
    let settings = json!({
        "enabled": true,
        "issuer": stub.issuer(),
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "allowed_tenant_ids": [TENANT_ID],
        "rules": [{"claim": "role", "value": "Scoregrc.Ciso", "role": "ciso", "tenant_ids": [tenant]}],
        "accept_access_tokens": false,
        "accept_v1_access_tokens": false,
        "app_id_uri": null,
        "button_label": "Sign in with Microsoft",
        "version": 0,
    });
    let put = app.request(Method::PUT, "/api/v1/sso-settings", &app.admin_token).json(&settings).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::OK, "single sign-on is configured: {}", json_of(put).await);
    let alex = StubUser::new("alex").with_roles(&["Scoregrc.Ciso"]);
    let person = json!({
        "username": alex.preferred_username.to_lowercase(),
        "role": "ciso",
        "tenant": "Contoso",
        "label": "Sign in with Microsoft",
        "issuer": stub.issuer(),
        "client_id": CLIENT_ID,
        "object_id": alex.oid,
        "tenant_id": TENANT_ID,
    });
    stub.sign_in_as(&alex);
    let printed = browser(&app, "person", &person).await;
    assert!(printed.contains("no token in a URL"), "{printed}");
    assert!(printed.contains("the provider check found"), "{printed}");
    // Then a person whose only app role means nothing to scoregrc.
    let megan = StubUser::new("megan").with_roles(&["Contoso.Reader"]);
    stub.sign_in_as(&megan);
    let printed = browser(&app, "refused", &person).await;
    assert!(printed.contains("a person no rule maps: \"Sign-in refused\" with reason no_mapping"), "{printed}");
    assert!(printed.contains("accessibility: 3 single sign-on views audited by axe-core"), "{printed}");
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ui-screenshots");
    for shot in ["sso-sign-in.png", "sso-signed-in.png", "sso-code-refused.png", "sso-admin.png", "sso-refused.png"] {
        assert!(shots.join(shot).exists(), "no screenshot {shot}");
    }

    // What the browser did, as the API sees it: the person's account, in the rule's role and tenant, none for the
    // refused one, and the admin's edits saved over the driver's settings (the secret kept, the refused change not).
    let users = json_of(app.get("/api/v1/users?limit=500", &app.admin_token).await).await;
    let named = |name: &str| users["items"].as_array().unwrap().iter().find(|u| u["username"] == name).cloned();
    let account = named(person["username"].as_str().unwrap()).unwrap_or_else(|| panic!("no account: {users}"));
    assert_eq!(account["role"], "ciso");
    assert_eq!(account["tenant_ids"], json!([tenant]));
    assert!(named("megan@contoso.com").is_none(), "the refused person got an account: {users}");
    let saved = json_of(app.get("/api/v1/sso-settings", &app.admin_token).await).await;
    assert_eq!(saved["button_label"], "Sign in with Contoso (Microsoft)", "{saved}");
    assert_eq!(saved["rules"].as_array().unwrap().len(), 2, "{saved}");
    assert_eq!(saved["client_secret_set"], true, "{saved}");
    assert_eq!(saved["accept_v1_access_tokens"], false, "the refused change was saved: {saved}");
}
