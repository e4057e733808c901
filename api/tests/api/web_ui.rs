//! The browser UI in a real browser: `web/tests/ui.mjs` drives Debian's headless Chromium through playwright-core
//! against this server, signing in as every role: the dashboard and its chart, the triage table (the engineer rates
//! an unrated item and sees it placed; the auditor and admin are offered no rating controls), the auditor workbook
//! downloaded through a single-use token, a proposal taken from engineer to IT manager to CISO, sign-out, and two-step
//! sign-in turned on by the auditor, who then signs in with a code the test computes and with a recovery code.
//! `scripts/test` installs Chromium and `scripts/web` the npm packages; screenshots land in `target/ui-screenshots/`.

use chrono::TimeDelta;
use reqwest::StatusCode;
use std::path::PathBuf;
use std::process::Command;

use crate::helpers::{ADMIN_PASSWORD, RunCommand, USER_PASSWORD, spawn_app};

#[tokio::test]
async fn every_role_signs_in_sees_the_dashboard_and_triage_as_its_role_allows_without_console_errors() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let mut users = vec![serde_json::json!({"username": "admin", "password": ADMIN_PASSWORD, "role": "admin"})];
    for role in ["ciso", "it_manager", "engineer", "auditor"] {
        let name = format!("ui-{}", role.replace('_', "-"));
        app.member_of(&tenant, &name, role).await;
        users.push(serde_json::json!({"username": name, "password": USER_PASSWORD, "role": role}));
    }
    // Three imports on three days, so the trend has a line to draw (a new session each day: they last 12 hours).
    let export = include_str!("../fixtures/portal-export.csv");
    for day in 0..3 {
        let engineer = app.token_for("ui-engineer", USER_PASSWORD).await;
        let csv = if day == 2 { export.replacen(",0/", ",1/", 1) } else { export.to_owned() };
        assert_eq!(app.upload(&tenant, &engineer, csv.into_bytes(), "text/csv").await.status(), StatusCode::CREATED);
        app.clock.advance(TimeDelta::days(1));
    }
    // Microsoft's remediation text is HTML from outside: give every item a hostile one, which the drawer must
    // render without running anything.
    {
        use scoregrc::entities::recommendation;
        use sea_orm::{EntityTrait, sea_query::Expr};
        let hostile = "<p>Turn on <b>MFA</b> for every admin role.</p><img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script><a href=\"javascript:window.__pwned=3\">docs</a>";
        recommendation::Entity::update_many()
            .col_expr(recommendation::Column::Remediation, Expr::value(hostile))
            .exec(&app.db)
            .await
            .unwrap();
    }
    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web");
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ui-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    // A triage workbook with a level no one can read, for the UI to show the refused cell.
    let engineer = app.token_for("ui-engineer", USER_PASSWORD).await;
    let legacy = crate::triage_workbook::id_of(&app, &tenant, &engineer, "q=block%20legacy").await;
    let exported = crate::triage_workbook::export(&app, &tenant, &engineer).await;
    let (broken, _) =
        crate::triage_workbook::edit(&exported, &serde_json::json!({ legacy: {"Risk Reduction": "Hgh"} }));
    let broken_path = shots.join("triage-broken.xlsx");
    std::fs::write(&broken_path, broken).unwrap();
    assert!(web.join("node_modules/playwright-core").exists(), "run ./scripts/web (it installs playwright-core)");
    let output = Command::new("node")
        .arg(web.join("tests/ui.mjs"))
        .current_dir(&web)
        .env("SCOREGRC_URL", &app.address)
        .env("SCOREGRC_USERS", serde_json::Value::Array(users).to_string())
        .env("SCREENSHOTS", &shots)
        .env("SCOREGRC_BROKEN_WORKBOOK", &broken_path)
        .env("SCOREGRC_FIXTURE", PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/portal-export.csv"))
        .run()
        .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the UI checks failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("UI checks passed for 5 users"), "{stdout}");
    assert!(stdout.contains("accessibility: 11 views audited by axe-core"), "{stdout}");
    assert!(stdout.contains("two-step sign-in: enrolled, asked for the code at sign-in"), "{stdout}");
    println!("{stdout}");
    for shot in [
        "dashboard-admin-1280.png",
        "dashboard-admin-390.png",
        "dashboard-auditor-1280.png",
        "sign-in-refused.png",
        "sign-in-code.png",
    ] {
        assert!(shots.join(shot).exists(), "no screenshot {shot}");
    }
}
