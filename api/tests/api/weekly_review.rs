//! The weekly review over a fixture history on the injected clock: a recommendation Microsoft added, a regression,
//! a completion Microsoft has not confirmed, a roadmap item past its target date and an acceptance due for review.

use chrono::{TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::json_of;
use crate::register::{Register, register};
use scoregrc::domain::register::workflow::Action;

const HEADER: &str = "Rank,Recommended action,Score impact,Points achieved,Status,Regressed,Have license?,Category,Product,Last synced,Microsoft update,Notes\n";

/// The register fixture's five rows ("Synthetic recommendation 01" … "05", two points each) as a later export:
/// `first` is row 01's points and status, `extra` appends rows.
fn export(first: (&str, &str), extra: &[(&str, &str)], synced: &str) -> Vec<u8> {
    let mut csv = HEADER.to_owned();
    let mut rows: Vec<(String, &str, &str)> = vec![("Synthetic recommendation 01".into(), first.0, first.1)];
    rows.extend((2..=5).map(|i| (format!("Synthetic recommendation {i:02}"), "0/2", "To address")));
    rows.extend(extra.iter().map(|(title, points)| ((*title).to_owned(), *points, "To address")));
    for (i, (title, points, status)) in rows.iter().enumerate() {
        csv.push_str(&format!("{},{title},+1.00 %,{points},{status},No,Yes,Identity,Entra,{synced},,\n", i + 1));
    }
    csv.into_bytes()
}

async fn upload(r: &Register, bytes: Vec<u8>) {
    assert_eq!(r.app.upload(&r.tenant, &r.eng.token, bytes, "text/csv").await.status(), StatusCode::CREATED);
}

async fn weekly(r: &Register, query: &str) -> Value {
    let response = r.app.get(&format!("/api/v1/tenants/{}/reviews/weekly{query}", r.tenant), &r.auditor.token).await;
    assert_eq!(response.status(), StatusCode::OK);
    json_of(response).await
}

fn titles(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_weekly_review_lists_the_monday_agenda_over_a_fixture_history() {
    let r = register(5, 2).await;
    // Monday 23 November: row 01 is complete, row 02 goes on the roadmap for the 30th, row 03 is marked done by a
    // person, row 04 is accepted for one month.
    upload(&r, export(("2/2", "Completed"), &[], "11/23/2026 8:00 AM")).await;
    let plan = format!("/api/v1/tenants/{}/roadmaps/2026-Q4/items", r.tenant);
    let added = r
        .app
        .post(
            &plan,
            &r.eng.token,
            &json!({"recommendation_id": r.items[1], "owner_team": "Identity", "target_date": "2026-11-30"}),
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let status = format!("/api/v1/tenants/{}/recommendations/{}/status", r.tenant, r.items[2]);
    let done =
        r.app.request(Method::PUT, &status, &r.eng.token).json(&json!({"status": "completed"})).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let policy = json!({"low_impact_max_points": 2.0, "review_period_months": 1, "grace_days": 30, "version": 0});
    let set = r.app.request(Method::PUT, &format!("/api/v1/tenants/{}/register-policy", r.tenant), &r.ciso.token);
    assert_eq!(set.json(&policy).send().await.unwrap().status(), StatusCode::OK);
    let entry = r.propose(&r.eng.token, &[&r.items[3]], "risk_acceptance", "high").await;
    let entry = entry["id"].as_str().unwrap().to_owned();
    r.ok(&r.eng.token, &entry, Action::Submit).await;
    r.ok(&r.itm.token, &entry, Action::Review).await;
    r.ok(&r.ciso.token, &entry, Action::Approve).await;

    let monday = weekly(&r, "").await;
    assert_eq!(monday["since"], "2026-11-16");
    assert!(monday["new_recommendations"].as_array().unwrap().is_empty(), "the first import adds nothing new");
    assert!(monday["overdue"].as_array().unwrap().is_empty());
    assert!(monday["unconfirmed_completions"].as_array().unwrap().is_empty(), "marked today: not 72 h yet");
    assert_eq!(monday["review_due"][0]["reference"], "RA-0001", "a one-month review is due at once");

    // Wednesday 2 December: Microsoft lost row 01's points and added row 06.
    r.app.clock.set(Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap());
    upload(&r, export(("0/2", "To address"), &[("Synthetic recommendation 06", "0/3")], "12/02/2026 8:00 AM")).await;
    let review = weekly(&r, "").await;
    assert_eq!(review["since"], "2026-11-25");
    assert_eq!(titles(&review["new_recommendations"]), ["Synthetic recommendation 06"]);
    assert_eq!(review["new_recommendations"][0]["points_available"], 3.0);

    let regression = &review["regressions"][0];
    assert_eq!(review["regressions"].as_array().unwrap().len(), 1);
    assert_eq!(
        (regression["id"].as_str(), regression["title"].as_str()),
        (Some(r.items[0].as_str()), Some("Synthetic recommendation 01"))
    );
    assert_eq!(
        (regression["still_regressed"].as_bool(), regression["status"].as_str()),
        (Some(true), Some("to_address"))
    );
    assert_eq!(regression["regressed_at"], "2026-12-02T09:00:00Z");

    let unconfirmed = &review["unconfirmed_completions"];
    assert_eq!(titles(unconfirmed), ["Synthetic recommendation 03"]);
    assert_eq!(
        (unconfirmed[0]["marked_by"].as_str(), unconfirmed[0]["hours_waiting"].as_i64()),
        (Some("eng"), Some(216))
    );
    assert_eq!(unconfirmed[0]["marked_completed_at"], "2026-11-23T09:00:00Z");

    let overdue = &review["overdue"];
    assert_eq!(overdue.as_array().unwrap().len(), 1);
    assert_eq!(overdue[0]["recommendation_id"], r.items[1].as_str());
    assert_eq!(
        (overdue[0]["quarter"].as_str(), overdue[0]["target_date"].as_str()),
        (Some("2026-Q4"), Some("2026-11-30"))
    );
    assert_eq!((overdue[0]["days_overdue"].as_i64(), overdue[0]["status"].as_str()), (Some(2), Some("planned")));
    assert_eq!(overdue[0]["owner"], json!({"user_id": null, "team": "Identity", "name": "Identity"}));
    assert!(overdue[0]["roadmap_item_id"].is_string());

    let due = &review["review_due"][0];
    assert_eq!((due["id"].as_str(), due["review_date"].as_str()), (Some(entry.as_str()), Some("2026-12-23")));
    assert_eq!((due["days_until_review"].as_i64(), due["approver"].as_str()), (Some(21), Some("ciso")));
    assert_eq!(due["recommendation_titles"], json!(["Synthetic recommendation 04"]));

    // Open: everything with points left that the team did not accept; the new row has the most points.
    assert_eq!(review["open"]["count"], 5);
    assert_eq!(review["open"]["points_available"], 11.0);
    assert_eq!(
        titles(&review["open"]["top"]),
        [
            "Synthetic recommendation 06",
            "Synthetic recommendation 01",
            "Synthetic recommendation 02",
            "Synthetic recommendation 03",
            "Synthetic recommendation 05"
        ]
    );

    // A longer window still leaves out the first import, and a bad date is refused.
    let month = weekly(&r, "?since=2026-11-01").await;
    assert_eq!(titles(&month["new_recommendations"]), ["Synthetic recommendation 06"]);
    let bad =
        r.app.get(&format!("/api/v1/tenants/{}/reviews/weekly?since=last-week", r.tenant), &r.auditor.token).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Every member reads it.
    for token in [&r.eng.token, &r.itm.token, &r.ciso.token] {
        let path = format!("/api/v1/tenants/{}/reviews/weekly", r.tenant);
        assert_eq!(r.app.get(&path, token).await.status(), StatusCode::OK);
    }
}
