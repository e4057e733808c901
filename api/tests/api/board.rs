//! The board's quarterly report over HTTP: numbers computed by hand from the imported exports, a past quarter
//! frozen at its end, the CISO's sign-off freezing JSON and HTML, and the page printed by headless Chromium.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, spawn_app_with};

const FIXTURE: &str = include_str!("../fixtures/portal-export.csv");

/// The fixture with the admin-MFA row at `achieved`/10 and its status.
fn export(mfa_achieved: &str, mfa_status: &str) -> Vec<u8> {
    FIXTURE.replacen("0/10,To address", &format!("{mfa_achieved}/10,{mfa_status}"), 1).into_bytes()
}

/// Σ achieved and Σ max over the export's "Points achieved" column, as a reader would add them up.
fn totals(csv: &[u8]) -> (f64, f64) {
    let mut reader = csv::Reader::from_reader(csv);
    let mut sums = (0.0, 0.0);
    for record in reader.records() {
        let record = record.unwrap();
        let (achieved, max) = record[3].split_once('/').unwrap();
        sums.0 += achieved.parse::<f64>().unwrap();
        sums.1 += max.parse::<f64>().unwrap();
    }
    sums
}

fn percent(points: (f64, f64)) -> f64 {
    (points.0 / points.1 * 10_000.0).round() / 100.0
}

fn on(app: &TestApp, y: i32, m: u32, d: u32) {
    app.clock.set(Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap());
}

struct Board {
    app: TestApp,
    tenant: String,
    eng: String,
    ciso: String,
}

impl Board {
    fn path(&self, rest: &str) -> String {
        format!("/api/v1/tenants/{}{rest}", self.tenant)
    }

    async fn report(&self) -> Value {
        json_of(self.app.get(&self.path("/reports/board/2026-Q4"), &self.eng).await).await
    }
}

/// A tenant that imported the fixture on 1 October, planned and delivered admin MFA, and imported Microsoft's
/// confirmation on 23 November.
async fn quarter_of_work() -> Board {
    let app = spawn_app_with(|c| c.session_ttl = std::time::Duration::from_secs(400 * 24 * 3600)).await;
    on(&app, 2026, 10, 1);
    let tenant = app.create_tenant("Contoso").await;
    let eng = app.member_of(&tenant, "eng", "engineer").await.token;
    let itm = app.member_of(&tenant, "itm", "it_manager").await.token;
    let ciso = app.member_of(&tenant, "ciso", "ciso").await.token;
    let b = Board { app, tenant, eng, ciso };
    assert_eq!(
        b.app.upload(&b.tenant, &b.eng, export("0", "To address"), "text/csv").await.status(),
        StatusCode::CREATED
    );
    let items = json_of(b.app.get(&b.path("/recommendations?q=AdminMFAV2"), &b.eng).await).await;
    let mfa = items["items"][0]["id"].as_str().unwrap().to_owned();
    let rate = json!({"risk_reduction": "high", "implementation_effort": "low"});
    let rated =
        b.app.request(reqwest::Method::PUT, &b.path(&format!("/recommendations/{mfa}/rating")), &b.eng).json(&rate);
    assert_eq!(rated.send().await.unwrap().status(), StatusCode::OK);
    let plan = json_of(
        b.app
            .post(
                &b.path("/roadmaps/2026-Q4/items"),
                &b.eng,
                &json!({"recommendation_id": mfa, "owner_team": "Identity"}),
            )
            .await,
    )
    .await;
    assert_eq!(b.app.post(&b.path("/roadmaps/2026-Q4/baseline"), &itm, &json!({})).await.status(), StatusCode::OK);
    let item = plan["items"][0]["id"].as_str().unwrap().to_owned();
    on(&b.app, 2026, 11, 20);
    let done =
        b.app.post(&b.path(&format!("/roadmaps/2026-Q4/items/{item}/phase")), &b.eng, &json!({"phase": "done"})).await;
    assert_eq!(done.status(), StatusCode::OK);
    on(&b.app, 2026, 11, 23);
    assert_eq!(
        b.app.upload(&b.tenant, &b.eng, export("10", "Completed"), "text/csv").await.status(),
        StatusCode::CREATED
    );
    b
}

#[tokio::test]
async fn the_report_adds_up_to_what_was_imported_planned_and_delivered() {
    let b = quarter_of_work().await;
    let report = b.report().await;
    let (start, end) = (totals(&export("0", "To address")), totals(&export("10", "Completed")));
    assert_eq!(
        (report["quarter"].as_str(), report["as_of"].as_str(), report["closed"].as_bool()),
        (Some("2026-Q4"), Some("2026-11-23"), Some(false))
    );
    assert_eq!(report["score"]["start_percent"], percent(start), "17.5 of 56 points on 1 October");
    assert_eq!(report["score"]["end_percent"], percent(end), "27.5 of 56 on 23 November");
    assert_eq!(report["score"]["change_percent"], ((percent(end) - percent(start)) * 100.0).round() / 100.0);
    let trend: Vec<&str> = report["trend"].as_array().unwrap().iter().map(|t| t["date"].as_str().unwrap()).collect();
    assert_eq!(trend, ["2026-10-01", "2026-11-23"]);

    let completed = report["completed"].as_array().unwrap();
    assert_eq!(completed.len(), 1, "{completed:?}");
    assert_eq!(
        (completed[0]["external_id"].as_str(), completed[0]["completed_on"].as_str()),
        (Some("AdminMFAV2"), Some("2026-11-20"))
    );
    assert_eq!((completed[0]["points"].as_f64(), completed[0]["confirmed"].as_bool()), (Some(10.0), Some(true)));
    let controls: Vec<&str> =
        completed[0]["controls"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert!(controls.contains(&"ISO 27001 A.5.17") && controls.contains(&"NIS2 Art. 21(2)(j)"), "{controls:?}");

    // Open gaps: every item with points left that is to address, planned, in progress or risk accepted.
    let gaps: Vec<(String, f64)> = report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["title"].as_str().unwrap().to_owned(), g["points_available"].as_f64().unwrap()))
        .collect();
    let expected_points: f64 = [4.5, 7.0, 7.0, 5.0, 3.0, 2.0].iter().sum();
    assert_eq!(gaps.iter().map(|g| g.1).sum::<f64>(), expected_points, "{gaps:?}");
    assert_eq!(gaps[0].1, 7.0, "largest first");
    let risks: Vec<&str> =
        report["gaps"].as_array().unwrap().iter().filter_map(|g| g["risk_reduction"].as_str()).collect();
    assert!(!risks.is_empty(), "each gap says how much risk closing it removes (rating, else suggestion)");

    for framework in ["iso27001", "nis2"] {
        let coverage = json_of(b.app.get(&b.path(&format!("/coverage/{framework}")), &b.eng).await).await;
        let in_report =
            report["coverage"].as_array().unwrap().iter().find(|c| c["framework"] == framework).unwrap().clone();
        assert_eq!(in_report["percent"], coverage["totals"]["percent"], "the one coverage function");
    }
    let roadmap = &report["roadmap"];
    assert_eq!(
        (roadmap["planned"].as_u64(), roadmap["delivered"].as_u64(), roadmap["slipped"].as_u64()),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(roadmap["projected_points"], 10.0, "what the locked plan promised");
    assert_eq!(roadmap["projected_percent"], percent((start.0 + 10.0, start.1)));
    assert_eq!(roadmap["achieved_percent"], percent(end));
}

#[tokio::test]
async fn a_past_quarter_keeps_its_end_figures_and_a_sign_off_freezes_the_report() {
    let mut b = quarter_of_work().await;
    let before = b.report().await;
    // The quarter ends; the runner snapshots it and closes the plan. Then the team keeps working.
    let mut finished = b.app.jobs_finished.clone();
    finished.borrow_and_update();
    on(&b.app, 2027, 1, 5);
    let snapshotted = tokio::time::timeout(std::time::Duration::from_secs(30), finished.changed()).await;
    assert!(snapshotted.is_ok(), "the runner snapshots the ended quarter");
    let plan = json_of(b.app.get(&b.path("/roadmaps/2026-Q4"), &b.eng).await).await;
    assert_eq!(plan["state"], "closed");
    let later = FIXTURE.replacen("0/5,To address", "5/5,Completed", 1).into_bytes();
    assert_eq!(b.app.upload(&b.tenant, &b.eng, later, "text/csv").await.status(), StatusCode::CREATED);
    let past = b.report().await;
    assert_eq!(past["as_of"], "2026-12-31");
    assert_eq!(past["closed"], true);
    for key in ["score", "trend", "completed", "gaps", "coverage"] {
        assert_eq!(past[key], before[key], "{key} is the quarter's, not today's");
    }

    assert_eq!(
        b.app.post(&b.path("/reports/board/2026-Q4/sign-off"), &b.eng, &json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    let signed = b.app.post(&b.path("/reports/board/2026-Q4/sign-off"), &b.ciso, &json!({})).await;
    assert_eq!(signed.status(), StatusCode::OK);
    let signed = json_of(signed).await;
    assert_eq!(
        (signed["sign_off"]["by"].as_str(), signed["sign_off"]["at"].as_str()),
        (Some("ciso"), Some("2027-01-05T09:00:00Z"))
    );
    let html = b.app.get(&b.path("/reports/board/2026-Q4.html"), &b.eng).await.text().await.unwrap();
    assert!(html.contains("Signed off by ciso"), "the page carries the signature");
    // Later changes (and a later day) change nothing the board saw.
    on(&b.app, 2027, 2, 1);
    b.eng = b.app.token_for("eng", crate::helpers::USER_PASSWORD).await;
    // Admin MFA regresses in February.
    let regressed = FIXTURE.as_bytes().to_vec();
    assert_eq!(b.app.upload(&b.tenant, &b.eng, regressed, "text/csv").await.status(), StatusCode::CREATED);
    assert_eq!(b.report().await, signed);
    assert_eq!(b.app.get(&b.path("/reports/board/2026-Q4.html"), &b.eng).await.text().await.unwrap(), html);
    let twice = b.app.post(&b.path("/reports/board/2026-Q4/sign-off"), &b.ciso, &json!({})).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_served_page_prints_to_pdf_in_headless_chromium() {
    let b = quarter_of_work().await;
    let response = b.app.get(&b.path("/reports/board/2026-Q4.html"), &b.eng).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script"), "the page runs no script");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("board-2026-Q4.html");
    std::fs::write(&file, &html).unwrap();
    let pdf = crate::chromium::print_file_to_pdf(&file);
    assert!(pdf.starts_with(b"%PDF-") && pdf.len() > 20_000, "{} bytes", pdf.len());
}
