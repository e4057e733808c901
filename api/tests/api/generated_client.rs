//! A client generated from the checked-in `openapi/openapi.json` by a third-party generator works against the
//! server: `scripts/python-client` validates the document (openapi-spec-validator), generates the client with
//! openapi-python-client into `target/python-client` and installs it into `target/python-client-venv`, failing on
//! any validator error, generator warning or generated module that does not import; `api/tests/client/smoke.py`
//! then signs in with it, lists the tenant's recommendations, rates one (risk reduction high, effort low) and reads
//! its new bucket back.

use reqwest::StatusCode;
use std::path::PathBuf;
use std::process::Command;

use crate::helpers::{RunCommand, USER_PASSWORD, spawn_app};

#[tokio::test]
async fn a_client_generated_from_the_spec_signs_in_rates_an_item_and_reads_its_bucket() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "client-engineer", "engineer").await;
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    assert_eq!(app.upload(&tenant, &engineer.token, export, "text/csv").await.status(), StatusCode::CREATED);

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let generated = Command::new(root.join("scripts/python-client")).current_dir(&root).run().await;
    let generator =
        format!("{}{}", String::from_utf8_lossy(&generated.stdout), String::from_utf8_lossy(&generated.stderr));
    println!("{generator}");
    let python = root.join("target/python-client-venv/bin/python");
    assert!(python.exists(), "scripts/python-client did not create its venv:\n{generator}");

    let smoke = Command::new(&python)
        .arg(root.join("api/tests/client/smoke.py"))
        .current_dir(&root)
        .env("SCOREGRC_URL", &app.address)
        .env("SCOREGRC_USERNAME", "client-engineer")
        .env("SCOREGRC_PASSWORD", USER_PASSWORD)
        .env("SCOREGRC_TENANT", &tenant)
        .run()
        .await;
    let stdout = String::from_utf8_lossy(&smoke.stdout);
    let stderr = String::from_utf8_lossy(&smoke.stderr);
    println!("{stdout}\n{stderr}");
    let bucket = stdout.lines().find_map(|line| line.strip_prefix("bucket: ")).unwrap_or_default();
    assert!(["P1", "P2", "P3", "P4"].contains(&bucket), "no bucket P1..P4 read back:\n{stdout}\n{stderr}");
    assert!(smoke.status.success(), "the smoke script failed:\n{stdout}\n{stderr}");
    assert!(generated.status.success(), "scripts/python-client found problems in the spec:\n{generator}");
}
