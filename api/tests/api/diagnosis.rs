//! "Why won't my score budge": every diagnosis class from a crafted row, and the latest score change explained with
//! drift (rows Microsoft added, a subscription that joined) told apart from a real regression.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

use crate::graph_stub::{GraphStub, StubSubscription, catalog_controls};
use crate::helpers::{TestApp, json_of, spawn_app_with};

const HEADER: &str = "Rank,Recommended action,Score impact,Points achieved,Status,Regressed,Have license?,Category,Product,Last synced,Microsoft update,Notes\n";

/// A portal export of `(title, points, status, licensed, last synced)` rows.
fn export(rows: &[(&str, &str, &str, &str, &str)]) -> Vec<u8> {
    let mut csv = HEADER.to_owned();
    for (i, (title, points, status, licensed, synced)) in rows.iter().enumerate() {
        csv.push_str(&format!("{},{title},+1.00 %,{points},{status},No,{licensed},Identity,Entra,{synced},,\n", i + 1));
    }
    csv.into_bytes()
}

/// An app whose sessions outlast the days these tests move the clock through.
async fn app() -> (TestApp, String, String) {
    let app = spawn_app_with(|c| c.session_ttl = Duration::from_secs(90 * 24 * 3600)).await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    (app, tenant, engineer.token)
}

async fn import(app: &TestApp, tenant: &str, token: &str, rows: &[(&str, &str, &str, &str, &str)]) -> Value {
    let response = app.upload(tenant, token, export(rows), "text/csv").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json_of(response).await
}

async fn items(app: &TestApp, tenant: &str, query: &str) -> Vec<Value> {
    let path = format!("/api/v1/tenants/{tenant}/recommendations?limit=500&include_removed=true&{query}");
    json_of(app.get(&path, &app.admin_token).await).await["items"].as_array().unwrap().clone()
}

fn titled<'a>(items: &'a [Value], title: &str) -> &'a Value {
    items.iter().find(|i| i["title"] == title).unwrap_or_else(|| panic!("no item {title}"))
}

async fn set_status(app: &TestApp, tenant: &str, token: &str, id: &str, status: &str) {
    let path = format!("/api/v1/tenants/{tenant}/recommendations/{id}/status");
    let response = app.request(Method::PUT, &path, token).json(&json!({ "status": status })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

async fn explanation(app: &TestApp, tenant: &str, query: &str) -> Value {
    let response = app.get(&format!("/api/v1/tenants/{tenant}/score/diagnosis{query}"), &app.admin_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    json_of(response).await
}

const FRESH: &str = "11/22/2026 9:05 AM";

#[tokio::test]
async fn every_diagnosis_class_comes_from_its_crafted_row_with_its_evidence() {
    let (app, tenant, token) = app().await;
    import(
        &app,
        &tenant,
        &token,
        &[
            ("Fixture partial", "2/8", "To address", "Yes", FRESH),
            ("Fixture pending", "0/5", "To address", "Yes", FRESH),
            ("Fixture accepted in the portal", "0/6", "Risk accepted", "Yes", FRESH),
            ("Fixture third party", "0/3", "To address", "Yes", FRESH),
            ("Fixture unlicensed", "0/4", "To address", "No", FRESH),
            ("Fixture worth nothing", "0/0", "To address", "Yes", FRESH),
            ("Fixture stale", "1/4", "To address", "Yes", "11/01/2026 9:05 AM"),
            ("Fixture done", "5/5", "Completed", "Yes", FRESH),
        ],
    )
    .await;
    let list = items(&app, &tenant, "").await;
    set_status(&app, &tenant, &token, titled(&list, "Fixture pending")["id"].as_str().unwrap(), "completed").await;
    set_status(&app, &tenant, &token, titled(&list, "Fixture third party")["id"].as_str().unwrap(), "third_party")
        .await;

    let list = items(&app, &tenant, "").await;
    let diagnosis = |title: &str| titled(&list, title)["diagnosis"].clone();
    let class = |title: &str| diagnosis(title)["class"].as_str().map(str::to_owned);
    assert_eq!(class("Fixture partial").as_deref(), Some("partial_remediation"));
    assert_eq!(diagnosis("Fixture partial")["evidence"], json!(["2 of 8 points achieved; 6 still available"]));
    assert_eq!(class("Fixture pending").as_deref(), Some("pending_refresh"));
    assert_eq!(
        diagnosis("Fixture pending")["evidence"][0],
        "marked completed 2026-11-23 09:00 UTC, after Microsoft's last sync at 2026-11-22 09:05 UTC"
    );
    assert_eq!(class("Fixture accepted in the portal").as_deref(), Some("excluded"));
    assert!(
        diagnosis("Fixture accepted in the portal")["evidence"][0].as_str().unwrap().contains("outside the register")
    );
    assert_eq!(class("Fixture third party").as_deref(), Some("excluded"));
    assert_eq!(
        diagnosis("Fixture third party")["evidence"][0],
        "resolved through a third party; no approved register entry documents it yet"
    );
    assert_eq!(class("Fixture unlicensed").as_deref(), Some("not_scored"));
    assert_eq!(titled(&list, "Fixture unlicensed")["licensed"], false);
    assert!(diagnosis("Fixture unlicensed")["evidence"][0].as_str().unwrap().contains("no licence"));
    assert_eq!(class("Fixture worth nothing").as_deref(), Some("not_scored"));
    assert_eq!(diagnosis("Fixture worth nothing")["evidence"], json!(["it is worth 0 points"]));
    assert_eq!(class("Fixture stale").as_deref(), Some("stale_data"));
    assert!(diagnosis("Fixture stale")["evidence"][0].as_str().unwrap().contains("(21 days ago)"));
    assert!(diagnosis("Fixture done").is_null(), "scored and fine");

    // The same terms summarise where the score is held back; with one day recorded there is nothing to compare.
    let explained = explanation(&app, &tenant, "").await;
    assert!(explained["from"].is_null());
    assert!(explained["summary"][0].as_str().unwrap().starts_with("Only one day is recorded so far"));
    let held: Vec<(String, u64)> = explained["held_back"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["class"].as_str().unwrap().to_owned(), c["items"].as_u64().unwrap()))
        .collect();
    let expected =
        [("not_scored", 2), ("excluded", 2), ("stale_data", 1), ("pending_refresh", 1), ("partial_remediation", 1)];
    assert_eq!(held, expected.map(|(c, n)| (c.to_owned(), n)));

    // Three days on with no import, stale data outranks the pending mark: nothing moves until the next sync.
    app.clock.advance(chrono::TimeDelta::days(3));
    let later = items(&app, &tenant, "").await;
    assert_eq!(titled(&later, "Fixture pending")["diagnosis"]["class"], "stale_data", "nothing was imported since");
}

#[tokio::test]
async fn items_microsoft_added_are_drift_and_a_lost_completion_is_the_only_regression() {
    let (app, tenant, token) = app().await;
    let day1 = [
        ("Fixture complete", "10/10", "Completed", "Yes", FRESH),
        ("Fixture partial", "2/8", "To address", "Yes", FRESH),
        ("Fixture open", "0/5", "To address", "Yes", FRESH),
    ];
    import(&app, &tenant, &token, &day1).await;
    app.clock.advance(chrono::TimeDelta::days(1));
    let synced = "11/23/2026 9:05 AM";
    let day2 = [
        ("Fixture complete", "0/10", "To address", "Yes", synced),
        ("Fixture partial", "2/8", "To address", "Yes", synced),
        ("Fixture open", "0/5", "To address", "Yes", synced),
        ("Fixture added by Microsoft", "0/7", "To address", "Yes", synced),
        ("Fixture also added", "1/3", "To address", "Yes", synced),
    ];
    let run = import(&app, &tenant, &token, &day2).await;
    assert_eq!((run["counts"]["new"].as_u64(), run["counts"]["regressions"].as_u64()), (Some(2), Some(1)));

    let e = explanation(&app, &tenant, "?product=m365").await;
    assert_eq!((e["from"]["day"].as_str(), e["to"]["day"].as_str()), (Some("2026-11-23"), Some("2026-11-24")));
    assert_eq!((e["from"]["current"].as_f64(), e["from"]["max"].as_f64()), (Some(12.0), Some(23.0)));
    assert_eq!((e["to"]["current"].as_f64(), e["to"]["max"].as_f64()), (Some(3.0), Some(33.0)));
    let drift: Vec<(&str, &str)> = e["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["title"].as_str().unwrap(), c["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(drift, [("Fixture added by Microsoft", "added"), ("Fixture also added", "added")]);
    assert_eq!(
        (e["drift_totals"]["points"].as_f64(), e["drift_totals"]["max_points"].as_f64()),
        (Some(1.0), Some(10.0))
    );
    let regressions = e["regressions"].as_array().unwrap();
    assert_eq!(regressions.len(), 1);
    assert_eq!(
        (regressions[0]["title"].as_str(), regressions[0]["points"].as_f64()),
        (Some("Fixture complete"), Some(-10.0))
    );
    assert_eq!(regressions[0]["diagnosis"]["class"], "partial_remediation");
    assert!(e["other_changes"].as_array().unwrap().is_empty(), "the unchanged rows moved nothing");
    assert_eq!(e["unexplained_points"], 0.0, "every point of the change is accounted for");
    // 2 of 23 points had Microsoft added nothing.
    assert_eq!(e["percent_without_drift"], 8.7);
    assert_eq!(e["runs"].as_array().unwrap().len(), 1, "only the second day's import lies between the snapshots");
    let summary: Vec<&str> = e["summary"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(summary[1].starts_with("Drift (Microsoft changed what counts, not your posture): 2 added"), "{summary:?}");
    assert!(summary.iter().any(|l| l.starts_with("1 regression(s): Fixture complete (-10 points)")), "{summary:?}");
}

#[tokio::test]
async fn a_joining_subscription_is_scope_growth_and_a_dropped_one_is_diagnosed_out_of_scope() {
    let (mut app, tenant, token) = app().await;
    let stub = GraphStub::start(catalog_controls(2), 10).await;
    let (sub_a, sub_b) = ("20ff7fc3-e762-44dd-bd96-b71116dcdc23", "30ff7fc3-e762-44dd-bd96-b71116dcdc24");
    let control = |n: &str, d: &str, cur: f64, max: f64| (n.to_owned(), d.to_owned(), cur, max, 1, 4, 0);
    let a = StubSubscription {
        id: sub_a.into(),
        current: 3.0,
        max: 16.0,
        weight: 50,
        controls: vec![control("c-mfa", "Enable MFA", 2.0, 10.0), control("c-upd", "Apply system updates", 1.0, 6.0)],
    };
    let b = StubSubscription {
        id: sub_b.into(),
        current: 0.0,
        max: 4.0,
        weight: 50,
        controls: vec![control("c-enc", "Encrypt data in transit", 0.0, 4.0)],
    };
    let connect = |app: &TestApp, body: Value| {
        let path = format!("/api/v1/tenants/{tenant}/connectors/defender");
        let request = app.request(Method::PUT, &path, &app.admin_token).json(&body);
        async move { assert_eq!(request.send().await.unwrap().status(), StatusCode::OK) }
    };
    async fn defender_import(app: &mut TestApp, tenant: &str, token: &str) {
        let started = app.post(&format!("/api/v1/tenants/{tenant}/imports/defender"), token, &json!({})).await;
        assert_eq!(started.status(), StatusCode::ACCEPTED);
        let location = started.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(app.wait_for_run(&location).await["outcome"], "succeeded");
    }

    stub.set(|s| s.subscriptions = vec![a.clone()]);
    connect(&app, stub.defender_connector()).await;
    defender_import(&mut app, &tenant, &token).await;
    app.clock.advance(chrono::TimeDelta::days(1));
    stub.set(|s| s.subscriptions = vec![a.clone(), b.clone()]);
    connect(&app, stub.defender_connector()).await;
    defender_import(&mut app, &tenant, &token).await;

    let e = explanation(&app, &tenant, "?product=defender_cloud").await;
    assert_eq!(e["scopes_added"], json!([sub_b]));
    let drift: Vec<(&str, &str)> = e["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["title"].as_str().unwrap(), c["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(drift, [("Encrypt data in transit", "scope_grown")]);
    assert_eq!(e["drift_totals"]["max_points"], 4.0);
    assert!(e["regressions"].as_array().unwrap().is_empty());

    // The connector stops reading subscription B: its item keeps its last figures and says why.
    let mut only_a = stub.defender_connector();
    only_a["subscription_ids"] = json!([sub_a]);
    connect(&app, only_a).await;
    let list = items(&app, &tenant, "product=defender_cloud").await;
    let encrypt = titled(&list, "Encrypt data in transit");
    assert_eq!(encrypt["diagnosis"]["class"], "scope");
    assert_eq!(
        encrypt["diagnosis"]["evidence"][0],
        format!("subscription {sub_b} is not in the Defender for Cloud connector (it reads {sub_a})")
    );
    let mfa = titled(&list, "Enable MFA");
    assert_eq!(mfa["diagnosis"]["class"], "partial_remediation");
    assert!(mfa["diagnosis"]["evidence"][1].as_str().unwrap().starts_with("4 of 5 resources unhealthy (1 healthy"));
}
