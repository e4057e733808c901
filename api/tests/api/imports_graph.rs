//! Graph and Defender for Cloud imports against the local stand-in: paging, joins, retries, failures that roll
//! back, regressions, and the 409 for a second run.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::graph_stub::{GraphStub, StubControl, StubSubscription, catalog_controls, count_requests};
use crate::helpers::{TestApp, json_of, spawn_app};

/// A tenant with an engineer and a Graph connector pointing at a fresh stub of `count` controls.
async fn setup(count: usize, page_size: usize) -> (TestApp, GraphStub, String, String) {
    let app = spawn_app().await;
    let stub = GraphStub::start(catalog_controls(count), page_size).await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    app.connect_graph(&tenant, &stub).await;
    (app, stub, tenant, engineer.token)
}

/// Starts a Graph import and waits for it.
async fn graph_import(app: &mut TestApp, tenant: &str, token: &str) -> Value {
    let response = app.post(&format!("/api/v1/tenants/{tenant}/imports/graph"), token, &json!({})).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let queued = json_of(response).await;
    assert_eq!(queued["phase"], "queued");
    app.wait_for_run(&location).await
}

async fn items(app: &TestApp, tenant: &str, query: &str) -> Value {
    json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?limit=500&{query}"), &app.admin_token).await)
        .await
}

#[tokio::test]
async fn a_graph_import_reads_every_page_joins_scores_and_keeps_history() {
    let (mut app, stub, tenant, token) = setup(40, 15).await;
    stub.set(|s| {
        s.controls.push(StubControl {
            id: "spo_idle_session_timeout".into(),
            title: String::new(),
            category: "Apps".into(),
            max: 3.0,
            cost: String::new(),
            impact: String::new(),
            service: String::new(),
            achieved: Some(3.0),
            state: "Default".into(),
            score_only: true,
        });
        s.history_days = 5;
    });
    let run = graph_import(&mut app, &tenant, &token).await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(run["pages"], 4, "three profile pages and one score page");
    assert_eq!(run["counts"]["new"], 41);
    assert_eq!(run["counts"]["snapshots"], 5);
    assert_eq!(count_requests(&stub, "skiptoken=page-3"), 1);

    let all = items(&app, &tenant, "").await;
    assert_eq!(all["total"], 41);
    let by_id = |id: &str| all["items"].as_array().unwrap().iter().find(|i| i["external_id"] == id).cloned().unwrap();
    let controls = stub.get(|s| s.controls.clone());
    let not_applicable = &controls[4];
    assert_eq!(
        by_id(&not_applicable.id)["achieved"],
        Value::Null,
        "a profile without a score is not applicable, not zero"
    );
    let score_only = by_id("spo_idle_session_timeout");
    assert_eq!(score_only["title"], "spo_idle_session_timeout");
    assert_eq!(score_only["achieved"], 3.0);
    let completed = by_id(&controls[0].id);
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["status_confirmed"], true);
    assert_eq!(completed["sources"][0]["channel"], "graph");
    assert!(
        all["items"].as_array().unwrap().iter().all(|i| !i["title"].as_str().unwrap().ends_with(' ')),
        "titles are trimmed"
    );

    let score = json_of(app.get(&format!("/api/v1/tenants/{tenant}/score"), &token).await).await;
    // Microsoft's own figure: every scored control, the score-only one included.
    let expected_current: f64 = controls.iter().filter_map(|c| c.achieved).sum::<f64>();
    assert_eq!(score["m365"]["current"], expected_current);
    assert_eq!(score["m365_day"], "2026-11-23");
    let history = json_of(app.get(&format!("/api/v1/tenants/{tenant}/score/history?days=90"), &token).await).await;
    assert_eq!(history.as_array().unwrap().len(), 5);
    assert!(history[0]["current"].as_f64() < history[4]["current"].as_f64(), "the trend rises to today");
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    let (mut app, stub, tenant, token) = setup(10, 50).await;
    stub.set(|s| s.throttle = 2);
    let run = graph_import(&mut app, &tenant, &token).await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(count_requests(&stub, "secureScoreControlProfiles"), 3);
}

#[tokio::test]
async fn a_token_that_expires_mid_run_is_renewed() {
    let (mut app, stub, tenant, token) = setup(30, 10).await;
    stub.set(|s| s.expire_token_on_page = Some(2));
    let run = graph_import(&mut app, &tenant, &token).await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(stub.get(|s| s.tokens_issued), 2);
    assert_eq!(run["counts"]["new"], 30);
}

async fn assert_failed_and_nothing_written(app: &mut TestApp, tenant: &str, token: &str, needle: &str) {
    let run = graph_import(app, tenant, token).await;
    assert_eq!(run["outcome"], "failed", "{run}");
    let message = run["errors"][0]["message"].as_str().unwrap().to_owned();
    assert!(message.contains(needle), "{message}");
    assert_eq!(items(app, tenant, "").await["total"], 0, "a failed run writes nothing");
    let score = json_of(app.get(&format!("/api/v1/tenants/{tenant}/score"), token).await).await;
    assert!(score["m365"].is_null());
}

#[tokio::test]
async fn a_malformed_page_rolls_everything_back() {
    let (mut app, stub, tenant, token) = setup(30, 10).await;
    stub.set(|s| s.malformed_page = Some(3));
    assert_failed_and_nothing_written(&mut app, &tenant, &token, "JSON").await;
}

#[tokio::test]
async fn refused_credentials_fail_the_run_with_the_providers_reason() {
    let (mut app, stub, tenant, token) = setup(5, 10).await;
    stub.set(|s| s.reject_credentials = true);
    assert_failed_and_nothing_written(&mut app, &tenant, &token, "Invalid client secret").await;
}

#[tokio::test]
async fn a_next_link_loop_is_stopped() {
    let (mut app, stub, tenant, token) = setup(20, 10).await;
    stub.set(|s| s.loop_pages = true);
    assert_failed_and_nothing_written(&mut app, &tenant, &token, "linked twice").await;
}

#[tokio::test]
async fn a_206_partial_content_is_incomplete_not_success() {
    let (mut app, stub, tenant, token) = setup(5, 10).await;
    stub.set(|s| s.partial = true);
    assert_failed_and_nothing_written(&mut app, &tenant, &token, "206").await;
}

#[tokio::test]
async fn reimporting_the_same_data_changes_nothing() {
    let (mut app, _stub, tenant, token) = setup(25, 10).await;
    graph_import(&mut app, &tenant, &token).await;
    let second = graph_import(&mut app, &tenant, &token).await;
    assert_eq!(second["counts"]["new"], 0);
    assert_eq!(second["counts"]["updated"], 0);
    assert_eq!(second["counts"]["unchanged"], 25);
    assert_eq!(second["changes"], json!([]));
}

#[tokio::test]
async fn a_control_that_drops_below_max_is_a_regression_back_to_to_address() {
    let (mut app, stub, tenant, token) = setup(10, 10).await;
    graph_import(&mut app, &tenant, &token).await;
    let regressed_id = stub.get(|s| s.controls[0].id.clone());
    stub.set(|s| s.controls[0].achieved = Some(0.0));
    app.clock.advance(chrono::Duration::hours(6));
    let run = graph_import(&mut app, &tenant, &token).await;
    assert_eq!(run["counts"]["regressions"], 1, "{run}");
    let regression = run["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "regressed").unwrap().clone();
    assert_eq!(regression["control_key"], regressed_id.as_str());
    let status_change =
        run["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "status_changed").unwrap().clone();
    assert_eq!(
        (status_change["from"].as_str(), status_change["to"].as_str(), status_change["reason"].as_str()),
        (Some("completed"), Some("to_address"), Some("regression"))
    );
    let list = items(&app, &tenant, "regressed=true").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["status"], "to_address");
    assert_eq!(list["items"][0]["regressed_at"], "2026-11-23T15:00:00Z");
    // The run is one audit row in the tenant's chain, with the change list's digest.
    let trail =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?entity=import_run"), &app.admin_token).await).await;
    assert_eq!(trail["total"], 2);
    assert_eq!(trail["items"][1]["change_list_sha256"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn a_second_connector_import_while_one_is_running_answers_409() {
    let (mut app, stub, tenant, token) = setup(5, 10).await;
    *stub.hold.lock().unwrap() = true;
    let first = app.post(&format!("/api/v1/tenants/{tenant}/imports/graph"), &token, &json!({})).await;
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let second = app.post(&format!("/api/v1/tenants/{tenant}/imports/graph"), &token, &json!({})).await;
    assert_eq!(second.status(), StatusCode::CONFLICT);
    *stub.hold.lock().unwrap() = false;
    stub.release.notify_one();
    assert_eq!(app.wait_for_run(&location).await["outcome"], "succeeded");
}

#[tokio::test]
async fn an_import_without_a_connector_answers_409() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let response = app.post(&format!("/api/v1/tenants/{tenant}/imports/graph"), &engineer.token, &json!({})).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn microsofts_states_map_to_the_teams_statuses_on_first_import() {
    let (mut app, stub, tenant, token) = setup(6, 10).await;
    stub.set(|s| {
        s.controls[1].state = "Ignored".into();
        s.controls[3].state = "ThirdParty".into();
    });
    graph_import(&mut app, &tenant, &token).await;
    let controls = stub.get(|s| s.controls.clone());
    let list = items(&app, &tenant, "").await;
    let find = |id: &str| list["items"].as_array().unwrap().iter().find(|i| i["external_id"] == id).cloned().unwrap();
    let ignored = find(&controls[1].id);
    assert_eq!(ignored["status"], "to_address");
    assert_eq!(ignored["unmanaged_acceptance"], true);
    assert_eq!(ignored["ms_state"], "Ignored");
    assert_eq!(find(&controls[3].id)["status"], "third_party");
}

#[tokio::test]
async fn the_connector_secret_is_write_only_and_sealed_at_rest() {
    let (app, _stub, tenant, _token) = setup(1, 10).await;
    let connector =
        app.get(&format!("/api/v1/tenants/{tenant}/connectors/graph"), &app.admin_token).await.text().await.unwrap();
    assert!(!connector.contains("s3cret"));
    assert!(connector.contains("\"has_secret\":true"));
    let trail = app
        .get(&format!("/api/v1/tenants/{tenant}/audit?entity=connector"), &app.admin_token)
        .await
        .text()
        .await
        .unwrap();
    assert!(!trail.contains("s3cret"));
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), "SELECT secret_sealed FROM connectors"))
        .await
        .unwrap()
        .unwrap();
    let sealed: String = row.try_get("", "secret_sealed").unwrap();
    assert!(sealed.starts_with("v1.") && !sealed.contains("s3cret"));
    let missing_secret = json!({"azure_tenant_id": "x.onmicrosoft.com", "client_id": "abc", "subscription_ids": ["00000000-0000-0000-0000-0000000000aa"]});
    let response = app
        .request(reqwest::Method::PUT, &format!("/api/v1/tenants/{tenant}/connectors/defender"), &app.admin_token)
        .json(&missing_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(response).await["errors"][0]["field"], "client_secret");
}

#[tokio::test]
async fn defender_for_cloud_is_imported_per_subscription_and_never_mixed_into_the_m365_score() {
    let (mut app, stub, tenant, token) = setup(4, 10).await;
    let sub_a = "20ff7fc3-e762-44dd-bd96-b71116dcdc23".to_owned();
    let sub_b = "30ff7fc3-e762-44dd-bd96-b71116dcdc24".to_owned();
    let control = |n: &str, d: &str, cur: f64, max: f64| (n.to_owned(), d.to_owned(), cur, max, 1, 4, 0);
    stub.set(|s| {
        s.subscriptions = vec![
            StubSubscription {
                id: sub_a.clone(),
                current: 23.53,
                max: 39.0,
                weight: 67,
                controls: vec![
                    control("27b24961-75ba-4fe4-8909-97286d5dd5ee", "Enable auditing and logging", 0.2, 1.0),
                    control("1c7b3ef5-8e7a-4b7d-9c1b-1a2b3c4d5e6f", "Enable MFA", 10.0, 10.0),
                    control("2d8c4f06-9f8b-4c8e-8d2c-2b3c4d5e6f70", "Apply system updates", 3.0, 6.0),
                    control("3e9d5017-a09c-4d9f-9e3d-3c4d5e6f7081", "Encrypt data in transit", 4.0, 4.0),
                ],
            },
            StubSubscription {
                id: sub_b.clone(),
                current: 6.6,
                max: 33.0,
                weight: 33,
                controls: vec![control(
                    "27b24961-75ba-4fe4-8909-97286d5dd5ee",
                    "Enable auditing and logging",
                    1.0,
                    1.0,
                )],
            },
        ];
    });
    graph_import(&mut app, &tenant, &token).await;
    let m365_before = json_of(app.get(&format!("/api/v1/tenants/{tenant}/score"), &token).await).await["m365"].clone();
    let response = app
        .request(reqwest::Method::PUT, &format!("/api/v1/tenants/{tenant}/connectors/defender"), &app.admin_token)
        .json(&stub.defender_connector())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let started = app.post(&format!("/api/v1/tenants/{tenant}/imports/defender"), &token, &json!({})).await;
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let location = started.headers()["location"].to_str().unwrap().to_owned();
    let run = app.wait_for_run(&location).await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(run["counts"]["new"], 5);
    let defender = items(&app, &tenant, "product=defender_cloud").await;
    assert_eq!(defender["total"], 5);
    let mfa = defender["items"].as_array().unwrap().iter().find(|i| i["title"] == "Enable MFA").unwrap().clone();
    assert_eq!(mfa["external_id"], format!("{sub_a}/1c7b3ef5-8e7a-4b7d-9c1b-1a2b3c4d5e6f"));
    assert_eq!((mfa["healthy_count"].as_i64(), mfa["unhealthy_count"].as_i64()), (Some(1), Some(4)));
    let score = json_of(app.get(&format!("/api/v1/tenants/{tenant}/score"), &token).await).await;
    assert_eq!(score["m365"], m365_before, "Defender never mixes into the Microsoft 365 score");
    assert_eq!(score["defender"]["subscriptions"].as_array().unwrap().len(), 2);
    assert_eq!(score["defender"]["aggregate_percent"], 47.02);
}
