//! The `scoregrc` binary's admin commands, run as a separate process against a live server's database.

use reqwest::StatusCode;
use std::process::Command;

use crate::helpers::{RunCommand, json_of, scoregrc, spawn_app};

#[tokio::test]
async fn user_add_and_token_issue_work_beside_a_running_server() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    app.create_tenant("Tenant B").await;

    let added = scoregrc(&app.database)
        .args(["user", "add", "--username", "cli-ciso", "--role", "ciso"])
        .env("SCOREGRC_USER_PASSWORD", "set at the command line")
        .run()
        .await;
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let login = json_of(app.login("cli-ciso", "set at the command line").await).await;
    assert_eq!(login["role"], "ciso");

    let issued = scoregrc(&app.database)
        .args([
            "token",
            "issue",
            "--name",
            "nightly",
            "--role",
            "engineer",
            "--tenant",
            "Tenant A",
            "--expires-in",
            "30d",
        ])
        .run()
        .await;
    assert!(issued.status.success(), "{}", String::from_utf8_lossy(&issued.stderr));
    let secret = String::from_utf8(issued.stdout).unwrap().trim().to_owned();
    assert!(secret.starts_with("sgt_"));
    let visible = json_of(app.get("/api/v1/tenants", &secret).await).await;
    assert_eq!(visible["total"], 1);
    assert_eq!(visible["items"][0]["id"], a.as_str());
    let tokens = json_of(app.get("/api/v1/tokens", &app.admin_token).await).await;
    let time = |field: &str| chrono::DateTime::parse_from_rfc3339(tokens["items"][0][field].as_str().unwrap()).unwrap();
    assert_eq!(time("expires_at") - time("created_at"), chrono::Duration::days(30));
    let trail = json_of(app.get("/api/v1/audit?actor=cli", &app.admin_token).await).await;
    assert_eq!(trail["total"], 2, "the user and the token are recorded against the cli");
}

#[tokio::test]
async fn token_issue_refuses_admin_and_unknown_tenants() {
    let app = spawn_app().await;
    app.create_tenant("Tenant A").await;
    let admin = scoregrc(&app.database)
        .args(["token", "issue", "--name", "x", "--role", "admin", "--tenant", "Tenant A"])
        .run()
        .await;
    assert!(!admin.status.success());
    assert!(String::from_utf8_lossy(&admin.stderr).contains("admin"));
    let unknown = scoregrc(&app.database)
        .args(["token", "issue", "--name", "x", "--role", "auditor", "--tenant", "Nope"])
        .run()
        .await;
    assert!(!unknown.status.success());
    assert_eq!(app.get("/api/v1/tenants", &app.admin_token).await.status(), StatusCode::OK);
}

#[test]
fn the_openapi_command_prints_the_checked_in_spec() {
    let output = Command::new(env!("CARGO_BIN_EXE_scoregrc")).arg("openapi").output().unwrap();
    assert!(output.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json")).unwrap();
    assert_eq!(printed, serde_json::from_str::<serde_json::Value>(&file).unwrap());
}

#[test]
fn migrate_creates_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let output = scoregrc(&db).arg("migrate").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(db.exists());
}

#[tokio::test]
async fn import_from_a_file_prints_a_summary_of_what_changed() {
    let app = spawn_app().await;
    app.create_tenant("Contoso").await;
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/portal-export.csv");
    let output = scoregrc(&app.database).args(["import", "--tenant", "Contoso", "--file", fixture]).run().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("read 10  new 10"), "{stdout}");
    assert!(stdout.contains("unmatched 1"), "{stdout}");
    assert!(stdout.contains("unmatched  row 11: Review Contoso's break-glass accounts every quarter"), "{stdout}");
    let bad = scoregrc(&app.database)
        .args([
            "import",
            "--tenant",
            "Contoso",
            "--file",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/portal-export-bad-row.csv"),
        ])
        .run()
        .await;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("row 5, column `Points achieved`"));
}

#[tokio::test]
async fn import_through_the_graph_connector_runs_inline() {
    let app = spawn_app().await;
    let stub = crate::graph_stub::GraphStub::start(crate::graph_stub::catalog_controls(12), 5).await;
    let tenant = app.create_tenant("Contoso").await;
    app.connect_graph(&tenant, &stub).await;
    let output = scoregrc(&app.database).args(["import", "--tenant", &tenant, "--graph"]).run().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("graph run"), "{stdout}");
    assert!(stdout.contains("new 12"), "{stdout}");
    let listed = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations"), &app.admin_token).await).await;
    assert_eq!(listed["total"], 12);
    // `sync` runs every configured connector now.
    let synced = scoregrc(&app.database).args(["sync", "--tenant", "Contoso"]).run().await;
    assert!(synced.status.success(), "{}", String::from_utf8_lossy(&synced.stderr));
    assert!(
        String::from_utf8_lossy(&synced.stdout).contains("unchanged 12"),
        "{}",
        String::from_utf8_lossy(&synced.stdout)
    );
    let none = app.create_tenant("Fabrikam").await;
    let refused = scoregrc(&app.database).args(["sync", "--tenant", &none]).run().await;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no connector configured"));
}

#[tokio::test]
async fn roadmap_suggest_and_the_board_report_run_from_the_command_line() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/portal-export.csv");
    let imported = scoregrc(&app.database).args(["import", "--tenant", "Contoso", "--file", fixture]).run().await;
    assert!(imported.status.success());
    let items =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?q=AdminMFAV2"), &app.admin_token).await)
            .await;
    let mfa = items["items"][0]["id"].as_str().unwrap().to_owned();
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let rating = serde_json::json!({"risk_reduction": "high", "implementation_effort": "low"});
    let path = format!("/api/v1/tenants/{tenant}/recommendations/{mfa}/rating");
    let rated = app.request(reqwest::Method::PUT, &path, &engineer.token).json(&rating).send().await.unwrap();
    assert_eq!(rated.status(), StatusCode::OK);

    // A quarter far enough ahead that the machine's own clock never finds it over.
    let suggested =
        scoregrc(&app.database).args(["roadmap", "suggest", "--tenant", "Contoso", "--quarter", "2030-Q1"]).run().await;
    let stdout = String::from_utf8_lossy(&suggested.stdout);
    assert!(suggested.status.success(), "{}", String::from_utf8_lossy(&suggested.stderr));
    assert!(stdout.contains("2030-Q1 plan for Contoso: 1 item(s) suggested"), "{stdout}");
    assert!(
        stdout.contains("Ensure multifactor authentication is enabled for all users in administrative roles"),
        "{stdout}"
    );
    assert!(stdout.contains("warning: the plan holds 1 items"), "{stdout}");
    let bad =
        scoregrc(&app.database).args(["roadmap", "suggest", "--tenant", "Contoso", "--quarter", "2030-Q5"]).run().await;
    assert!(!bad.status.success());

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("board.html");
    let report = scoregrc(&app.database)
        .args(["report", "board", "--tenant", "Contoso", "--quarter", "2030-Q1", "--out"])
        .arg(&out)
        .run()
        .await;
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("Contoso") && html.contains("2030-Q1"), "the page names the tenant and quarter");
}

#[tokio::test]
async fn export_writes_the_auditor_workbook_and_records_it_in_the_trail() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/portal-export.csv");
    assert!(
        scoregrc(&app.database).args(["import", "--tenant", "Contoso", "--file", fixture]).run().await.status.success()
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("auditor.xlsx");
    let exported = scoregrc(&app.database).args(["export", "--tenant", "Contoso", "--out"]).arg(&out).run().await;
    let stdout = String::from_utf8_lossy(&exported.stdout);
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    assert!(stdout.contains("wrote the auditor workbook for Contoso"), "{stdout}");
    assert!(stdout.contains("10 sheets"), "{stdout}");
    let sha256 = stdout.trim().rsplit(' ').next().unwrap().to_owned();

    let printed = crate::python::run(
        "import sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nprint(wb['Summary']['B3'].value, wb['Prioritised actions'].max_row - 1)",
        &[out.to_str().unwrap()],
    );
    assert_eq!(printed.trim(), "Contoso 10");
    let trail =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?entity=export"), &app.admin_token).await).await;
    assert_eq!(trail["items"][0]["after"]["sha256"], sha256.as_str());
    assert_eq!(trail["items"][0]["actor_name"], "cli");

    let unknown = scoregrc(&app.database).args(["export", "--tenant", "Nobody", "--out"]).arg(&out).run().await;
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no tenant `Nobody`"));
}
