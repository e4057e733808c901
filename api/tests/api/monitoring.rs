//! Monitoring over HTTP on the injected clock: the daily sync scheduler (once per slot, one catch-up after
//! downtime, never two at once), score-drop alerts at the threshold's edge, regression alerts, acknowledging.

use chrono::{TimeDelta, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;

use crate::graph_stub::{GraphStub, catalog_controls};
use crate::helpers::{TestApp, json_of, spawn_app_with};
use scoregrc::clock::Clock;

fn long_sessions(c: &mut scoregrc::config::Config) {
    c.session_ttl = Duration::from_secs(60 * 24 * 3600);
}

/// A one-row portal export: `achieved` of 100 points, and a second row that never changes.
fn export(achieved: &str) -> Vec<u8> {
    let status = if achieved == "100" { "Completed" } else { "To address" };
    format!(
        "Rank,Recommended action,Score impact,Points achieved,Status,Regressed,Have license?,Category,Product,Last synced,Microsoft update,Notes\n\
         1,Synthetic hardening baseline,+50.00 %,{achieved}/100,{status},No,Yes,Identity,Entra,11/22/2026 9:05 AM,,\n\
         2,Synthetic steady control,+0.00 %,0/100,To address,No,Yes,Apps,Entra,11/22/2026 9:05 AM,,\n"
    )
    .into_bytes()
}

async fn alerts(app: &TestApp, tenant: &str) -> Vec<Value> {
    let page = json_of(app.get(&format!("/api/v1/tenants/{tenant}/alerts"), &app.admin_token).await).await;
    page["items"].as_array().unwrap().clone()
}

async fn upload_on(app: &TestApp, tenant: &str, token: &str, day: u32, achieved: &str) {
    app.clock.set(Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).unwrap());
    assert_eq!(app.upload(tenant, token, export(achieved), "text/csv").await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_drop_of_more_than_the_threshold_raises_one_alert_naming_the_items_and_less_does_not() {
    let app = spawn_app_with(long_sessions).await;
    let tenant = app.create_tenant("Contoso").await;
    let eng = app.member_of(&tenant, "eng", "engineer").await;
    // 200 points in all: 100 achieved is 50 %; 95.8 is 47.9 % (−2.1); 92.0 is 46.0 % (−1.9).
    upload_on(&app, &tenant, &eng.token, 20, "100").await;
    upload_on(&app, &tenant, &eng.token, 21, "95.8").await;
    let raised = alerts(&app, &tenant).await;
    let drops: Vec<&Value> = raised.iter().filter(|a| a["kind"] == "score_drop").collect();
    assert_eq!(drops.len(), 1, "{raised:?}");
    assert_eq!(drops[0]["title"], "Contoso: Secure Score fell 2.10 points to 47.90 %");
    assert_eq!(drops[0]["detail"]["items"][0]["title"], "Synthetic hardening baseline");
    assert_eq!(drops[0]["detail"]["items"][0]["to"], 95.8);
    // The item was at its maximum: the same import also raised a regression alert.
    assert!(
        raised.iter().any(|a| a["kind"] == "regression" && a["summary"].as_str().unwrap().contains("4.20 points lost"))
    );

    upload_on(&app, &tenant, &eng.token, 22, "92").await;
    assert_eq!(
        alerts(&app, &tenant).await.iter().filter(|a| a["kind"] == "score_drop").count(),
        1,
        "1.9 is not more than 2"
    );
    // A re-import of the same day does not raise the same drop twice.
    upload_on(&app, &tenant, &eng.token, 21, "95.8").await;

    // Both alerts wait in the outbox for delivery.
    let queued = scoregrc::entities::notification::Entity::find()
        .filter(scoregrc::entities::notification::Column::Kind.starts_with("alert."))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(queued, 2);

    // A stricter threshold catches the smaller drop next time.
    let ciso = app.member_of(&tenant, "ciso", "ciso").await;
    let path = format!("/api/v1/tenants/{tenant}/alert-thresholds");
    let edit = json!({"score_drop_points": 1.5});
    assert_eq!(
        app.request(Method::PUT, &path, &eng.token).json(&edit).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.request(Method::PUT, &path, &ciso.token).json(&edit).send().await.unwrap().status(), StatusCode::OK);
    upload_on(&app, &tenant, &eng.token, 23, "88.2").await;
    let drops = alerts(&app, &tenant).await.into_iter().filter(|a| a["kind"] == "score_drop").count();
    assert_eq!(drops, 2, "−1.9 points against a 1.5 threshold");
}

#[tokio::test]
async fn an_alert_is_acknowledged_once_with_a_comment() {
    let app = spawn_app_with(long_sessions).await;
    let tenant = app.create_tenant("Contoso").await;
    let eng = app.member_of(&tenant, "eng", "engineer").await;
    let auditor = app.member_of(&tenant, "aud", "auditor").await;
    upload_on(&app, &tenant, &eng.token, 20, "100").await;
    upload_on(&app, &tenant, &eng.token, 21, "50").await;
    let alert = alerts(&app, &tenant).await.into_iter().find(|a| a["kind"] == "score_drop").unwrap();
    let path = format!("/api/v1/tenants/{tenant}/alerts/{}/acknowledge", alert["id"].as_str().unwrap());
    let body = json!({"comment": "Licence change on the 20th, expected"});
    assert_eq!(app.post(&path, &auditor.token, &body).await.status(), StatusCode::FORBIDDEN);
    let done = app.post(&path, &eng.token, &body).await;
    assert_eq!(done.status(), StatusCode::OK);
    let done = json_of(done).await;
    assert_eq!(
        (done["acknowledged_by"].as_str(), done["ack_comment"].as_str()),
        (Some("eng"), Some("Licence change on the 20th, expected"))
    );
    assert_eq!(app.post(&path, &eng.token, &body).await.status(), StatusCode::CONFLICT);
    let open = json_of(app.get(&format!("/api/v1/tenants/{tenant}/alerts?acknowledged=false"), &eng.token).await).await;
    assert!(open["items"].as_array().unwrap().iter().all(|a| a["id"] != alert["id"]));
}

async fn graph_runs(app: &TestApp, tenant: &str) -> u64 {
    let runs = json_of(app.get(&format!("/api/v1/tenants/{tenant}/imports?limit=500"), &app.admin_token).await).await;
    runs["items"].as_array().unwrap().iter().filter(|r| r["source"] == "graph").count() as u64
}

/// Moves the clock and waits until the runner has finished a job (the scheduled import).
async fn run_at(app: &mut TestApp, at: chrono::DateTime<Utc>) {
    app.jobs_finished.borrow_and_update();
    app.clock.set(at);
    let finished = tokio::time::timeout(Duration::from_secs(30), app.jobs_finished.changed()).await;
    assert!(finished.is_ok(), "the scheduled sync ran");
}

#[tokio::test]
async fn the_daily_sync_runs_once_per_slot_catches_up_once_and_never_overlaps() {
    let mut app = spawn_app_with(long_sessions).await;
    let stub = GraphStub::start(catalog_controls(6), 10).await;
    let tenant = app.create_tenant("Contoso").await;
    let eng = app.member_of(&tenant, "eng", "engineer").await;
    let connector = app.request(Method::PUT, &format!("/api/v1/tenants/{tenant}/connectors/graph"), &app.admin_token);
    assert_eq!(connector.json(&stub.graph_connector()).send().await.unwrap().status(), StatusCode::OK);
    let path = format!("/api/v1/tenants/{tenant}/sync-schedule");
    let schedule = json!({"enabled": true, "time": "06:00", "time_zone": "Europe/Athens"});
    let set = app.request(Method::PUT, &path, &app.admin_token).json(&schedule).send().await.unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    let due_now = scoregrc::store::sync_schedule::claim_due(&app.db, app.clock.now()).await.unwrap();
    assert!(due_now.is_empty(), "today's 06:00 had passed when the schedule was set: the next slot runs");

    // 06:00 in Athens is 04:00 UTC.
    run_at(&mut app, Utc.with_ymd_and_hms(2026, 11, 24, 4, 0, 0).unwrap()).await;
    assert_eq!(graph_runs(&app, &tenant).await, 1);
    app.clock.advance(TimeDelta::minutes(30));
    assert!(
        scoregrc::store::sync_schedule::claim_due(&app.db, app.clock.now()).await.unwrap().is_empty(),
        "once per slot"
    );

    // Down from the 24th to the 28th: one catch-up, not four runs.
    run_at(&mut app, Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap()).await;
    assert_eq!(graph_runs(&app, &tenant).await, 2);
    assert!(scoregrc::store::sync_schedule::claim_due(&app.db, app.clock.now()).await.unwrap().is_empty());

    // A sync still fetching when the next slot comes: the slot waits for it, never a second import beside it.
    *stub.hold.lock().unwrap() = true;
    let manual = app.post(&format!("/api/v1/tenants/{tenant}/imports/graph"), &eng.token, &json!({})).await;
    assert_eq!(manual.status(), StatusCode::ACCEPTED);
    app.jobs_finished.borrow_and_update();
    app.clock.set(Utc.with_ymd_and_hms(2026, 11, 29, 4, 0, 0).unwrap());
    let second = app.post(&format!("/api/v1/tenants/{tenant}/imports/graph"), &eng.token, &json!({})).await;
    assert_eq!(second.status(), StatusCode::CONFLICT, "the same guard the scheduler goes through");
    *stub.hold.lock().unwrap() = false;
    stub.release.notify_waiters();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while graph_runs(&app, &tenant).await < 4 {
        let waited = tokio::time::timeout_at(deadline, app.jobs_finished.changed()).await;
        assert!(waited.is_ok(), "the slot's sync ran after the manual one");
    }
    let runs = json_of(app.get(&format!("/api/v1/tenants/{tenant}/imports?limit=500"), &app.admin_token).await).await;
    let mut spans: Vec<(String, String)> = runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["started_at"].as_str().unwrap().to_owned(), r["finished_at"].as_str().unwrap_or("").to_owned()))
        .collect();
    spans.sort();
    assert_eq!(spans.len(), 4);
    assert!(spans.iter().all(|(_, finished)| !finished.is_empty()), "every run finished: {spans:?}");
}

#[tokio::test]
async fn tenants_compare_with_microsofts_averages_and_side_by_side() {
    let mut app = spawn_app_with(long_sessions).await;
    let stub = GraphStub::start(catalog_controls(10), 10).await;
    let a = app.create_tenant("Alpha").await;
    let b = app.create_tenant("Bravo").await;
    let hidden = app.create_tenant("Charlie").await;
    let msp = app.member_of(&a, "msp", "engineer").await;
    app.grant(&b, &msp.id).await;
    let connector = app.request(Method::PUT, &format!("/api/v1/tenants/{a}/connectors/graph"), &app.admin_token);
    assert_eq!(connector.json(&stub.graph_connector()).send().await.unwrap().status(), StatusCode::OK);
    let started = app.post(&format!("/api/v1/tenants/{a}/imports/graph"), &msp.token, &json!({})).await;
    let location = started.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(app.wait_for_run(&location).await["outcome"], "succeeded");
    assert_eq!(app.upload(&b, &msp.token, export("100"), "text/csv").await.status(), StatusCode::CREATED);
    assert_eq!(
        app.upload(&hidden, &app.admin_token.clone(), export("100"), "text/csv").await.status(),
        StatusCode::FORBIDDEN
    );

    let bench = json_of(app.get(&format!("/api/v1/tenants/{a}/score/comparison"), &msp.token).await).await;
    let percent = bench["percent"].as_f64().unwrap();
    let all = bench["benchmarks"].as_array().unwrap().iter().find(|x| x["basis"] == "AllTenants").unwrap().clone();
    assert_eq!(all["average_percent"], 52.86, "the stand-in's real-shaped averageScore");
    assert_eq!(all["difference"].as_f64().unwrap(), ((percent - 52.86) * 100.0).round() / 100.0);
    assert!(bench["benchmarks"].as_array().unwrap().iter().any(|x| x["basis"] == "TotalSeats"));

    let rows = json_of(app.get("/api/v1/tenants-comparison?sort=score&order=desc", &msp.token).await).await;
    let names: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    let scores: Vec<f64> = rows.as_array().unwrap().iter().map(|r| r["score_percent"].as_f64().unwrap()).collect();
    assert_eq!(names.len(), 2, "only the tenants the caller is a member of: {names:?}");
    assert!(scores[0] >= scores[1], "{scores:?}");
    let everyone = json_of(app.get("/api/v1/tenants-comparison", &app.admin_token).await).await;
    let all_names: Vec<&str> = everyone.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(all_names, ["Alpha", "Bravo", "Charlie"], "an admin sees every tenant, by name");
}

#[tokio::test]
async fn a_score_drop_alert_reaches_a_signed_webhook_and_is_retried_after_a_500() {
    let mut app = spawn_app_with(long_sessions).await;
    let tenant = app.create_tenant("Contoso").await;
    let eng = app.member_of(&tenant, "eng", "engineer").await;
    let receiver = crate::webhook_receiver::Receiver::start().await;
    let secret = "a webhook secret of some length";
    let channel = json!({"name": "SOC", "kind": "webhook", "webhook": {"url": format!("{}/hooks/scoregrc", receiver.url), "secret": secret}});
    let created = app.post(&format!("/api/v1/tenants/{tenant}/alert-channels"), &app.admin_token, &channel).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    receiver.fail_next(1, 500);

    upload_on(&app, &tenant, &eng.token, 20, "100").await;
    app.jobs_finished.borrow_and_update();
    upload_on(&app, &tenant, &eng.token, 21, "95.8").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while receiver.received().is_empty() {
        assert!(tokio::time::timeout_at(deadline, app.jobs_finished.changed()).await.is_ok(), "a first attempt");
    }
    // The drop and the regression both go out; the first attempt met a 500 and comes again a minute later on
    // the service's clock.
    while receiver.received().len() < 2 {
        assert!(tokio::time::timeout_at(deadline, app.jobs_finished.changed()).await.is_ok(), "both alerts");
    }
    app.clock.advance(TimeDelta::minutes(1));
    while receiver.received().len() < 3 {
        assert!(tokio::time::timeout_at(deadline, app.jobs_finished.changed()).await.is_ok(), "the retry");
    }
    let received = receiver.received();
    let ids: Vec<String> = received.iter().map(|r| r.json()["notification_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids[0], ids[2], "the refused notification was sent again: {ids:?}");
    let drop = received.into_iter().find(|r| r.json()["kind"] == "alert.score_drop").unwrap();
    assert!(drop.verify(secret), "signed with the channel's secret");
    let body = drop.json();
    assert_eq!(body["message"]["title"], "Contoso: Secure Score fell 2.10 points to 47.90 %");
    assert_eq!(body["message"]["severity"], "warning");
}

#[tokio::test]
async fn a_regression_reopens_the_item_and_shows_on_its_roadmap_item() {
    let app = spawn_app_with(long_sessions).await;
    let tenant = app.create_tenant("Contoso").await;
    let eng = app.member_of(&tenant, "eng", "engineer").await;
    upload_on(&app, &tenant, &eng.token, 19, "50").await;
    let items =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?q=hardening"), &eng.token).await).await;
    let id = items["items"][0]["id"].as_str().unwrap().to_owned();
    let plan_path = format!("/api/v1/tenants/{tenant}/roadmaps/2026-Q4");
    let added = app.post(&format!("{plan_path}/items"), &eng.token, &json!({"recommendation_id": id})).await;
    assert_eq!(added.status(), StatusCode::OK);
    upload_on(&app, &tenant, &eng.token, 20, "100").await;
    assert_eq!(
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{id}"), &eng.token).await).await["status"],
        "completed"
    );
    upload_on(&app, &tenant, &eng.token, 21, "60").await;
    let item = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{id}"), &eng.token).await).await;
    assert_eq!((item["status"].as_str(), item["regressed"].as_bool()), (Some("to_address"), Some(true)), "reopened");
    let plan = json_of(app.get(&plan_path, &eng.token).await).await;
    assert_eq!(plan["items"][0]["regressed"], true, "visible on the plan");
    assert!(alerts(&app, &tenant).await.iter().any(|a| a["kind"] == "regression"));
}
