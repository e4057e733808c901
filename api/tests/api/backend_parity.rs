//! What differs between SQLite and PostgreSQL, shown to behave the same through the API: times keep their
//! microseconds and read back in UTC, text (any script, quotes, emoji) reads back exactly, search ignores case the
//! same way, and text no PostgreSQL column can hold (NUL) gives the same answer on both. The suite runs these on
//! both backends (`SCOREGRC_TEST_POSTGRES`), like every other test.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, spawn_app};

#[tokio::test]
async fn a_time_keeps_its_microseconds_and_reads_back_in_utc() {
    let app = spawn_app().await;
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + chrono::TimeDelta::microseconds(123_456);
    app.clock.set(at);
    let created = json_of(app.post("/api/v1/tenants", &app.admin_token, &json!({"name": "Contoso"})).await).await;
    assert_eq!(created["created_at"], "2026-11-23T09:00:00.123456Z");
    let id = created["id"].as_str().unwrap();
    let listed = json_of(app.get("/api/v1/tenants", &app.admin_token).await).await;
    let read = listed["items"].as_array().unwrap().iter().find(|t| t["id"] == id).unwrap().clone();
    assert_eq!(read["created_at"], created["created_at"]);
    // A range ending exactly at that time excludes it, one starting there includes it: no rounding either way.
    let trail = |query: String| {
        let app = &app;
        async move { json_of(app.get(&format!("/api/v1/audit?{query}"), &app.admin_token).await).await["total"].clone() }
    };
    let at_text = "2026-11-23T09:00:00.123456Z";
    assert_eq!(trail(format!("entity=tenant&from={at_text}")).await, 1);
    assert_eq!(trail(format!("entity=tenant&to={at_text}")).await, 0);
}

#[tokio::test]
async fn text_in_any_script_reads_back_exactly() {
    let app = spawn_app().await;
    let name = "Müller & Söhne — 東京 «Zweig» \"quoted\" 'single' \\ back 🔒";
    let created = json_of(app.post("/api/v1/tenants", &app.admin_token, &json!({ "name": name })).await).await;
    assert_eq!(created["name"], name);
    let listed = json_of(app.get("/api/v1/tenants", &app.admin_token).await).await;
    assert!(listed["items"].as_array().unwrap().iter().any(|t| t["name"] == name), "{listed}");
}

const HEADER: &str = "Rank,Recommended action,Score impact,Points achieved,Status,Regressed,Have license?,Category,\
Product,Last synced ,Microsoft update,Notes\n";

async fn titles(app: &crate::helpers::TestApp, tenant: &str, query: &str) -> Vec<String> {
    let list =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?{query}"), &app.admin_token).await).await;
    let mut titles: Vec<String> =
        list["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn search_ignores_case_in_any_script_and_accents_stay_distinct() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let csv = format!(
        "{HEADER}1,Require MFA for ÄRZTE,+1 %,0/10,To address,No,Yes,Identity,Entra,,,\n\
         2,require mfa for guests,+1 %,0/10,To address,No,Yes,Identity,Entra,,,\n\
         3,Block legacy authentication,+1 %,0/10,To address,No,Yes,Identity,Entra,,,\n"
    );
    let run = json_of(app.upload(&tenant, &engineer.token, csv.into_bytes(), "text/csv").await).await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    let both = ["Require MFA for ÄRZTE", "require mfa for guests"].map(str::to_owned).to_vec();
    assert_eq!(titles(&app, &tenant, "q=mfa").await, both);
    assert_eq!(titles(&app, &tenant, "q=MFA%20FOR").await, both);
    assert_eq!(titles(&app, &tenant, "q=%C3%A4rzte").await, ["Require MFA for ÄRZTE"], "ä finds Ä");
    assert_eq!(titles(&app, &tenant, "q=arzte").await, Vec::<String>::new(), "an accent is part of the letter");
}

#[tokio::test]
async fn control_characters_from_graph_are_dropped_and_a_file_holding_them_is_refused_on_either_backend() {
    let mut app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let stub = crate::graph_stub::GraphStub::start(crate::graph_stub::catalog_controls(2), 10).await;
    // JSON may carry any character escaped, NUL among them (which no PostgreSQL text column holds).
    stub.set(|s| s.controls[0].title = "Enable\u{0}audit\u{7} logging".into());
    app.connect_graph(&tenant, &stub).await;
    let started = app.post(&format!("/api/v1/tenants/{tenant}/imports/graph"), &engineer.token, &json!({})).await;
    let location = started.headers()["location"].to_str().unwrap().to_owned();
    let run = app.wait_for_run(&location).await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert!(titles(&app, &tenant, "").await.contains(&"Enableaudit logging".to_owned()));
    // A file with a control character in it is not the portal's text export: refused on both, nothing written.
    let csv = format!("{HEADER}1,Enable\u{0}logging,+1 %,0/10,To address,No,Yes,Apps,Defender,,,\n");
    let refused = app.upload(&tenant, &engineer.token, csv.into_bytes(), "text/csv").await;
    assert_eq!(refused.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(titles(&app, &tenant, "").await.len(), 2, "nothing written");
}
