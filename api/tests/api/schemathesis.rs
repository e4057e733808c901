//! The whole API against its own OpenAPI document: schemathesis (installed by `scripts/api-fuzz` into
//! `target/api-fuzz`) generates requests for every operation of the checked-in `openapi/openapi.json` (its examples,
//! boundary and invalid values, random ones, then chains of calls linked by `Location` headers and field names) and
//! checks each answer: no 5xx, a documented status code, the documented content type, a body matching the schema.
//!
//! The tenant holds the imported fixture, so lists are not empty. Operations the admin may call go as the admin;
//! those only members may call go as a CISO, IT manager or engineer of the tenant (api/tests/client/fuzz_hooks.py).
//! Not fuzzed: sign-in and password change (lockouts, the admin's password), and starting Graph / Defender imports
//! (they would call Microsoft). At most 30 generated cases per operation in the fuzzing phase, 300 stateful
//! scenarios of at most 10 steps (api/tests/client/schemathesis.toml): two to three minutes in a debug build. Any
//! failure fails this test, and so does a stateful phase that was skipped, errored, sent nothing, followed no link
//! or did not take up every link the document declares (its summary and event log say); the figures are printed.
//! `SCOREGRC_FUZZ_ARGS` in the environment passes more options to `st run` (e.g. `--seed 1 --max-examples 5`).

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
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
    let log = tempfile::tempdir().unwrap();
    let events_path = log.path().join("events.ndjson");
    let started = Instant::now();
    let output = Command::new(root.join("scripts/api-fuzz"))
        .args(["--report", "ndjson", "--report-ndjson-path"])
        .arg(&events_path)
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
        stdout.contains("Selected: 155/161") && stdout.contains("Tested: 155"),
        "schemathesis did not test every operation but the six left out:\n{stdout}\n{stderr}"
    );
    assert!(output.status.success(), "schemathesis found failures (see above):\n{stdout}\n{stderr}");

    let events = Events::read(&events_path);
    let declared = declared_links(&root.join("openapi/openapi.json"));
    let [covered, selected, total, inferred] = links_line(&stdout);
    println!("test cases per phase: {:?}", events.cases);
    println!(
        "links: {covered} covered of {selected} selected, {total} total: {} declared, {inferred} inferred",
        total - inferred
    );
    println!("declared links followed: {} of {}", events.followed.len(), declared.len());
    for link in &events.followed {
        println!("  {link}");
    }
    assert_eq!(events.phases.get("stateful").map(String::as_str), Some("success"), "the stateful phase did not pass");
    assert!(events.cases.get("stateful").is_some_and(|n| *n > 0), "the stateful phase sent nothing");
    assert_eq!(total - inferred, declared.len(), "schemathesis did not take up every link the document declares");
    assert!(covered > 0, "the stateful phase followed no link");
    let unknown: Vec<_> = events.followed.iter().filter(|l| !declared.iter().any(|d| l.contains(d))).collect();
    assert!(unknown.is_empty(), "followed links the document does not declare: {unknown:?}");
}

/// The stateful phase's `API Links:    12 covered / 200 selected / 200 total (142 inferred)`, as numbers.
fn links_line(stdout: &str) -> [usize; 4] {
    let line = stdout.lines().find(|l| l.contains("API Links:")).expect("the stateful phase reports its links");
    let numbers: Vec<usize> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
    numbers.try_into().unwrap_or_else(|n| panic!("not four figures in {line:?}: {n:?}"))
}

/// What schemathesis's event log (`--report ndjson`) says of a run.
struct Events {
    /// How each phase finished (`success`, `failure`, `errored`, `skip`, ...).
    phases: BTreeMap<String, String>,
    /// Test cases sent, per phase.
    cases: BTreeMap<String, usize>,
    /// The declared (not inferred) links the stateful phase took with the linked values applied, by transition:
    /// `POST /api/v1/tenants -> [201] get_tenant -> GET /api/v1/tenants/{tenant_id}`.
    followed: BTreeSet<String>,
}

impl Events {
    fn read(path: &Path) -> Self {
        let text = std::fs::read_to_string(path).expect("schemathesis wrote its event log");
        let mut events = Events { phases: BTreeMap::new(), cases: BTreeMap::new(), followed: BTreeSet::new() };
        for event in text.lines().map(|line| serde_json::from_str::<Value>(line).expect("an event is JSON")) {
            if let Some(finished) = event.get("PhaseFinished") {
                let name = finished["phase"]["name"].as_str().unwrap_or_default();
                events.phases.insert(name.to_owned(), finished["status"].as_str().unwrap_or_default().to_owned());
            }
            let Some(scenario) = event.get("ScenarioFinished") else { continue };
            let Some(cases) = scenario["recorder"]["cases"].as_object() else { continue };
            let phase = scenario["phase"].as_str().unwrap_or_default().to_owned();
            *events.cases.entry(phase).or_default() += cases.len();
            for case in cases.values() {
                let transition = &case["transition"];
                if case["is_transition_applied"] == true && transition["is_inferred"] == false {
                    events.followed.insert(transition["id"].as_str().unwrap_or_default().to_owned());
                }
            }
        }
        events
    }
}

/// The links `openapi/openapi.json` declares, as schemathesis names their transitions: `[status] name -> `.
fn declared_links(spec: &Path) -> Vec<String> {
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(spec).unwrap()).unwrap();
    let operations = spec["paths"].as_object().unwrap().values().flat_map(|item| item.as_object().unwrap().values());
    let responses = operations.flat_map(|op| op["responses"].as_object().unwrap());
    responses
        .flat_map(|(status, response)| {
            let links = response["links"].as_object().into_iter().flatten();
            links.map(move |(name, _)| format!("[{status}] {name} -> "))
        })
        .collect()
}
