//! The register over time, on the injected clock: review due, reminders written once, expiry restoring items,
//! re-review after a regression or rising points, renewal, and the register view as CSV.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;

use crate::helpers::json_of;
use crate::register::{Register, register};
use scoregrc::clock::Clock;
use scoregrc::domain::register::workflow::Action;
use scoregrc::entities::notification;

/// Proposes, reviews and approves an acceptance over `items` on the current day.
async fn approved(r: &Register, items: &[&str], decision: &str) -> String {
    let entry = r.propose(&r.eng.token, items, decision, "high").await;
    let id = entry["id"].as_str().unwrap().to_owned();
    r.ok(&r.eng.token, &id, Action::Submit).await;
    r.ok(&r.itm.token, &id, Action::Review).await;
    r.ok(&r.ciso.token, &id, Action::Approve).await;
    id
}

/// Moves the clock to `y-m-d` 09:00 UTC.
fn on(r: &Register, y: i32, m: u32, d: u32) {
    r.app.clock.set(Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap());
}

/// Reminder and expiry notifications written so far, as their de-duplication keys' last parts.
async fn notifications(r: &Register) -> Vec<String> {
    let rows = notification::Entity::find()
        .filter(notification::Column::Kind.starts_with("risk_acceptance."))
        .all(&r.app.db)
        .await
        .unwrap();
    let mut keys: Vec<String> = rows.into_iter().map(|n| n.dedupe_key.rsplit(':').next().unwrap().to_owned()).collect();
    keys.sort();
    keys
}

/// Sweeps twice by hand while the job runner also ticks: whatever is due is written exactly once.
async fn sweep_twice(r: &Register) {
    let now = r.app.clock.now();
    for _ in 0..2 {
        scoregrc::store::register::sweep::sweep(&r.app.db, now).await.unwrap();
    }
}

async fn due_within_30(r: &Register) -> u64 {
    let path = r.path("?review_due_within=30d");
    json_of(r.app.get(&path, &r.auditor.token).await).await["total"].as_u64().unwrap()
}

#[tokio::test]
async fn review_due_reminders_and_expiry_follow_the_calendar() {
    let r = register(2, 2).await;
    let id = approved(&r, &[&r.items[0]], "risk_acceptance").await;
    assert_eq!(r.entry(&id).await["review_date"], "2027-11-23");

    on(&r, 2027, 10, 23);
    sweep_twice(&r).await;
    assert_eq!((r.entry(&id).await["review_due"].as_bool(), due_within_30(&r).await), (Some(false), 0));
    assert!(notifications(&r).await.is_empty(), "31 days ahead: nothing yet");

    on(&r, 2027, 10, 24);
    sweep_twice(&r).await;
    assert_eq!((r.entry(&id).await["review_due"].as_bool(), due_within_30(&r).await), (Some(true), 1));
    assert_eq!(notifications(&r).await, ["30d"]);

    on(&r, 2027, 11, 16);
    sweep_twice(&r).await;
    assert_eq!(notifications(&r).await, ["30d", "7d"]);
    on(&r, 2027, 11, 23);
    sweep_twice(&r).await;
    assert_eq!(notifications(&r).await, ["0d", "30d", "7d"]);

    // The last day of the 30-day grace period: still in force, the item still accepted.
    on(&r, 2027, 12, 23);
    sweep_twice(&r).await;
    assert_eq!(r.entry(&id).await["state"], "approved");
    assert_eq!(r.item(&r.items[0]).await["status"], "risk_accepted");

    // The day after: expired on read at once, and the runner puts the item back by itself.
    let mut finished = r.app.jobs_finished.clone();
    finished.borrow_and_update();
    on(&r, 2027, 12, 24);
    assert_eq!(r.entry(&id).await["state"], "expired");
    let swept = tokio::time::timeout(Duration::from_secs(30), finished.changed()).await;
    assert!(swept.is_ok(), "the runner swept the expiry");
    let item = r.item(&r.items[0]).await;
    assert_eq!((item["status"].as_str(), item["register_entry"].clone()), (Some("to_address"), Value::Null));
    sweep_twice(&r).await;
    assert_eq!(notifications(&r).await, ["0d", "30d", "7d", "expired"]);
    let history = r.entry(&id).await["history"].clone();
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].as_str(), last["actor"]["name"].as_str()), (Some("expire"), Some("register")));
    let listed = json_of(r.app.get(&r.path("?state=expired"), &r.auditor.token).await).await;
    assert_eq!(listed["total"], 1);
    // An expired entry can still be closed formally; its items were already restored.
    let revoked = r.step(&r.ciso.token, &id, Action::Revoke).await;
    assert_eq!(revoked.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_renewal_starts_a_new_period_and_a_refused_one_revokes() {
    let r = register(2, 2).await;
    let kept = approved(&r, &[&r.items[0]], "risk_acceptance").await;
    let dropped = approved(&r, &[&r.items[1]], "risk_acceptance").await;
    on(&r, 2027, 11, 1);
    let renewed = r.ok(&r.ciso.token, &kept, Action::Renew).await;
    assert_eq!((renewed["review_date"].as_str(), renewed["review_due"].as_bool()), (Some("2028-11-01"), Some(false)));
    let version = r.entry(&dropped).await["version"].clone();
    let refused = r
        .app
        .post(&r.path(&format!("/{dropped}/renew")), &r.ciso.token, &json!({"version": version, "renew": false}))
        .await;
    assert_eq!(refused.status(), StatusCode::OK);
    assert_eq!(json_of(refused).await["state"], "revoked");
    assert_eq!(r.item(&r.items[1]).await["status"], "to_address");
}

/// A portal export of the register fixture's items with the given achieved points and status.
fn reimport(rows: &[(usize, &str, &str)]) -> Vec<u8> {
    let mut csv = String::from(
        "Rank,Recommended action,Score impact,Points achieved,Status,Regressed,Have license?,Category,Product,Last synced,Microsoft update,Notes\n",
    );
    for (i, achieved, status) in rows {
        let category = if i % 2 == 0 { "Apps" } else { "Identity" };
        csv.push_str(&format!(
            "{i},Synthetic recommendation {i:02},+1.00 %,{achieved},{status},No,Yes,{category},Entra,11/22/2026 9:05 AM,,\n"
        ));
    }
    csv.into_bytes()
}

#[tokio::test]
async fn a_regression_or_more_points_at_stake_call_for_re_review_until_renewal() {
    let r = register(2, 2).await;
    let r = &r;
    let upload = |rows: Vec<(usize, &'static str, &'static str)>| {
        let body = reimport(&rows);
        async move { r.app.upload(&r.tenant, &r.eng.token, body, "text/csv").await.status() }
    };
    // Item 1 is covered by a third-party product that Microsoft credits in full; item 2 is half done.
    let status = format!("/api/v1/tenants/{}/recommendations/{}/status", r.tenant, r.items[0]);
    let third = r.app.request(reqwest::Method::PUT, &status, &r.eng.token).json(&json!({"status": "third_party"}));
    assert_eq!(third.send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        upload(vec![(1, "2/2", "Resolved through third party"), (2, "1/2", "To address")]).await,
        StatusCode::CREATED
    );
    let id = approved(r, &[&r.items[0], &r.items[1]], "third_party").await;
    assert_eq!(r.entry(&id).await["points_at_stake"], 1.0);

    r.app.clock.advance(chrono::TimeDelta::hours(2));
    assert_eq!(
        upload(vec![(1, "0/2", "Resolved through third party"), (2, "0/2", "To address")]).await,
        StatusCode::CREATED
    );
    let entry = r.entry(&id).await;
    assert_eq!(entry["needs_re_review"], true);
    let reasons: Vec<&str> =
        entry["re_review_reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert_eq!(
        reasons,
        ["“Synthetic recommendation 01” regressed on 2026-11-23", "points at stake rose from 1.00 to 4.00"]
    );
    assert_eq!(r.item(&r.items[0]).await["status"], "third_party", "the register's decision stays in force");
    let flagged = json_of(r.app.get(&r.path("?needs_re_review=true"), &r.auditor.token).await).await;
    assert_eq!(flagged["total"], 1);

    r.app.clock.advance(chrono::TimeDelta::hours(1));
    let renewed = r.ok(&r.ciso.token, &id, Action::Renew).await;
    assert_eq!((renewed["needs_re_review"].as_bool(), renewed["points_at_stake"].as_f64()), (Some(false), Some(4.0)));
}

#[tokio::test]
async fn the_register_view_reads_back_as_csv_in_the_seed_column_order_with_no_formulas() {
    let r = register(3, 2).await;
    let body = json!({
        "decision": "risk_acceptance", "recommendation_ids": [r.items[0], r.items[1]],
        "risk_description": "=HYPERLINK(\"http://evil.example\",\"click\")",
        "business_justification": "+1 budget line; -2 FTE",
        "compensating_controls": "@SUM(A1:A9) is not a control",
        "residual_risk": "high",
    });
    let entry = json_of(r.app.post(&r.path(""), &r.eng.token, &body).await).await;
    let id = entry["id"].as_str().unwrap();
    r.ok(&r.eng.token, id, Action::Submit).await;
    r.ok(&r.itm.token, id, Action::Review).await;
    r.ok(&r.ciso.token, id, Action::Approve).await;
    approved(&r, &[&r.items[2]], "risk_acceptance").await;

    let rows = json_of(r.app.get(&format!("/api/v1/tenants/{}/risk-register", r.tenant), &r.auditor.token).await).await;
    assert_eq!(rows.as_array().unwrap().len(), 3, "one row per entry and recommendation");
    let response = r.app.get(&format!("/api/v1/tenants/{}/risk-register.csv", r.tenant), &r.auditor.token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = response.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(bytes.as_ref());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header[..9],
        [
            "Recommendation",
            "Category",
            "Score impact",
            "Risk description",
            "Business justification",
            "Compensating controls",
            "Approval date",
            "Approver",
            "Review date"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 3);
    let first = &records[0];
    assert_eq!(&first[0], "Synthetic recommendation 01");
    assert_eq!(&first[2], "2.00");
    assert_eq!(&first[3], "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_eq!(&first[4], "'+1 budget line; -2 FTE");
    assert_eq!(&first[5], "'@SUM(A1:A9) is not a control");
    assert_eq!((&first[6], &first[7], &first[8]), ("2026-11-23", "ciso", "2027-11-23"));
    for record in &records {
        for cell in record {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "a formula cell: {cell}");
        }
    }
}
