//! The whole API against its own OpenAPI document: schemathesis (installed by `scripts/api-fuzz` into
//! `target/api-fuzz`) generates requests for every operation of the checked-in `openapi/openapi.json` (its examples,
//! boundary and invalid values, random ones, then chains of calls linked by `Location` headers and field names) and
//! checks each answer: no 5xx, a documented status code, the documented content type, a body matching the schema.
//!
//! The tenant holds the imported fixture, so lists are not empty. Operations the admin may call go as the admin;
//! those only members may call go as a CISO, IT manager or engineer of the tenant (api/tests/client/fuzz_hooks.py).
//! Not fuzzed: sign-in and password change (lockouts, the admin's password), and starting Graph / Defender imports
//! (they would call Microsoft). At most 30 generated cases per operation in the fuzzing phase, 100 stateful
//! scenarios (api/tests/client/schemathesis.toml): about two minutes in a debug build. Any failure fails this test;
//! `SCOREGRC_FUZZ_ARGS` in the environment passes more options to `st run` (e.g. `--seed 1 --max-examples 5`).

use reqwest::StatusCode;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use crate::helpers::{ADMIN_PASSWORD, RunCommand, USER_PASSWORD, spawn_app};

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_answer_the_spec_does_not_document() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let mut users = vec![json!({"username": "admin", "password": ADMIN_PASSWORD, "role": "admin"})];
    for role in ["ciso", "it_manager", "engineer", "auditor"] {
        let name = format!("fuzz-{}", role.replace('_', "-"));
        app.member_of(&tenant, &name, role).await;
        users.push(json!({"username": name, "password": USER_PASSWORD, "role": role}));
    }
    let engineer = app.token_for("fuzz-engineer", USER_PASSWORD).await;
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    assert_eq!(app.upload(&tenant, &engineer, export, "text/csv").await.status(), StatusCode::CREATED);

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let started = Instant::now();
    let output = Command::new(root.join("scripts/api-fuzz"))
        .current_dir(&root)
        .env("SCOREGRC_URL", &app.address)
        .env("SCOREGRC_USERS", serde_json::Value::Array(users).to_string())
        .env("SCOREGRC_TENANT", &tenant)
        .run()
        .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}\n{stderr}\nschemathesis took {}s", started.elapsed().as_secs());
    assert!(
        stdout.contains("Selected: 146/150") && stdout.contains("Tested: 146"),
        "schemathesis did not test every operation but the four left out:\n{stdout}\n{stderr}"
    );
    assert!(output.status.success(), "schemathesis found failures (see above):\n{stdout}\n{stderr}");
}
