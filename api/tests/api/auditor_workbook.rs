//! The auditor workbook over HTTP and from the command line, read back by openpyxl (a reader scoregrc did not
//! write): every sheet, its header row, a known cell in each, the chart, typed dates, a formula-looking title
//! kept as text, and the download tied to the audit trail by its SHA-256.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;

use crate::helpers::{TestApp, json_of, spawn_app};
use crate::python;

const FIXTURE: &str = include_str!("../fixtures/portal-export.csv");
const HYPERLINK: &str = "=HYPERLINK(\"http://x\",\"y\")";

/// The portal fixture plus an item whose title a spreadsheet would run as a formula.
fn export_with_formula_title() -> Vec<u8> {
    let mut csv = FIXTURE.trim_end().to_owned();
    csv.push_str("\n11,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",+1.00 %,0/2,To address,No,Yes,Apps,Exchange,11/22/2026 9:05 AM,,\n");
    csv.into_bytes()
}

struct Tenant {
    app: TestApp,
    id: String,
    eng: String,
    auditor: String,
}

/// A tenant with two days of imports, a rated item, a proposed register entry and a suggested roadmap.
async fn prepared() -> Tenant {
    let app = spawn_app().await;
    let id = app.create_tenant("Contoso / EU").await;
    let eng = app.member_of(&id, "eng", "engineer").await.token;
    let auditor = app.member_of(&id, "audrey", "auditor").await.token;
    app.clock.set(Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap());
    assert_eq!(app.upload(&id, &eng, export_with_formula_title(), "text/csv").await.status(), StatusCode::CREATED);
    app.clock.set(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap());
    let export =
        String::from_utf8(export_with_formula_title()).unwrap().replacen("0/10,To address", "10/10,Completed", 1);
    assert_eq!(app.upload(&id, &eng, export.into_bytes(), "text/csv").await.status(), StatusCode::CREATED);
    let t = Tenant { app, id, eng, auditor };
    // Two quick wins: one already completed, one still open (which the roadmap suggestion picks up).
    for control in ["BlockLegacyAuthentication", "MFARegistrationV2"] {
        let item = t.item(control).await;
        let rating = t.path(&format!("/recommendations/{}/rating", item["id"].as_str().unwrap()));
        let rated = t
            .app
            .request(reqwest::Method::PUT, &rating, &t.eng)
            .json(&json!({"risk_reduction": "high", "implementation_effort": "low"}))
            .send()
            .await
            .unwrap();
        assert_eq!(rated.status(), StatusCode::OK);
    }
    let apps = t.item("q=DLP").await;
    let body = json!({
        "decision": "risk_acceptance", "recommendation_ids": [apps["id"]],
        "risk_description": "=cmd|' /C calc'!A0", "business_justification": "Gateway rewrites links",
        "compensating_controls": "Mail gateway sandboxing", "residual_risk": "low",
    });
    assert_eq!(t.app.post(&t.path("/risk-acceptances"), &t.eng, &body).await.status(), StatusCode::CREATED);
    assert_eq!(t.app.post(&t.path("/roadmaps/2026-Q4/suggest"), &t.eng, &json!({})).await.status(), StatusCode::OK);
    t
}

impl Tenant {
    fn path(&self, rest: &str) -> String {
        format!("/api/v1/tenants/{}{rest}", self.id)
    }

    async fn item(&self, query: &str) -> Value {
        let query = if query.contains('=') { query.to_owned() } else { format!("q={query}") };
        let list = json_of(self.app.get(&self.path(&format!("/recommendations?{query}")), &self.eng).await).await;
        list["items"][0].clone()
    }
}

/// Reads the workbook with openpyxl and prints one JSON document of what the test checks.
const READ_BACK: &str = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames, "headers": {}, "tables": {}, "filters": {}, "frozen": {}}
for ws in wb.worksheets:
    out["headers"][ws.title] = [c.value for c in ws[1]]
    out["tables"][ws.title] = list(ws.tables)
    out["filters"][ws.title] = ws.auto_filter.ref
    out["frozen"][ws.title] = ws.freeze_panes
s = wb["Summary"]
out["summary"] = {row[0].value: row[1].value for row in s.iter_rows(min_row=3) if row[0].value}
out["generated_at_is_date"] = s["B5"].is_date
pa = wb["Prioritised actions"]
rows = list(pa.iter_rows(min_row=2, values_only=True))
out["first_action"] = [str(v) if v is not None else None for v in rows[0]]
formula = [c for c in pa["B"] if c.value == sys.argv[2]]
out["formula_title"] = [(c.data_type, c.quotePrefix) for c in formula]
out["formula_cells"] = sum(1 for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f")
out["action_rows"] = len(rows)
out["bucket_rules"] = len(pa.conditional_formatting)
rm = wb["Roadmap"]
out["roadmap_first"] = [rm["A2"].value, rm["J2"].is_date]
rr = wb["Risk acceptance register"]
out["register_first"] = [rr["D2"].value, rr["D2"].data_type, rr["D2"].quotePrefix, rr["L2"].value, rr["Q2"].value]
iso = wb["ISO 27001 coverage"]
out["iso"] = {r[0]: [r[2], r[3], r[5]] for r in iso.iter_rows(min_row=2, values_only=True)}
nis2 = wb["NIS2 coverage"]
out["nis2_rows"] = nis2.max_row - 1
soa = wb["Statement of Applicability"]
out["soa"] = {r[0]: [r[3], r[5], r[6], r[7], r[9], r[10]] for r in soa.iter_rows(min_row=2, values_only=True)}
sh = wb["Score history"]
out["history"] = [[c.value.isoformat() if c.is_date else c.value for c in r] for r in sh.iter_rows(min_row=2)]
out["history_date_format"] = sh["A2"].number_format
out["charts"] = len(sh._charts)
at = wb["Audit trail"]
out["audit_rows"] = at.max_row - 1
out["audit_first"] = [at["A2"].value, at["B2"].is_date, at["G2"].value]
out["banding"] = [str(r.sqref) for r in at.conditional_formatting]
print(json.dumps(out, default=str))
"#;

fn read_back(bytes: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auditor.xlsx");
    std::fs::write(&path, bytes).unwrap();
    serde_json::from_str(&python::run(READ_BACK, &[path.to_str().unwrap(), HYPERLINK])).unwrap()
}

#[tokio::test]
async fn the_auditor_workbook_reads_back_sheet_by_sheet_and_is_tied_to_the_audit_trail() {
    let t = prepared().await;
    let response = t.app.get(&t.path("/exports/auditor.xlsx"), &t.auditor).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_eq!(headers["content-disposition"], "attachment; filename=\"scoregrc-auditor-contoso-eu-2026-11-23.xlsx\"");
    let bytes = response.bytes().await.unwrap();
    let sha256 = hex::encode(sha2::Sha256::digest(&bytes));
    assert_eq!(headers["x-content-sha256"], sha256.as_str());

    let book = read_back(&bytes);
    assert_eq!(
        book["sheets"],
        json!([
            "Summary",
            "Prioritised actions",
            "Roadmap",
            "Risk acceptance register",
            "ISO 27001 coverage",
            "NIS2 coverage",
            "Statement of Applicability",
            "Evidence",
            "Score history",
            "Audit trail"
        ])
    );
    let header = |sheet: &str| book["headers"][sheet].clone();
    let columns = |sheet: &str, range: std::ops::Range<usize>| json!(header(sheet).as_array().unwrap()[range]);
    assert_eq!(columns("Prioritised actions", 0..4), json!(["Rank", "Title", "Category", "Product"]));
    assert_eq!(columns("Prioritised actions", 11..14), json!(["ISO 27001 controls", "NIS2 controls", "Bucket"]));
    assert_eq!(
        columns("Risk acceptance register", 0..9),
        json!([
            "Recommendation",
            "Category",
            "Score impact",
            "Risk description",
            "Business justification",
            "Compensating controls",
            "Approval date",
            "Approver",
            "Review date"
        ])
    );
    assert_eq!(header("Risk acceptance register")[16], "History steps");
    assert_eq!(
        header("ISO 27001 coverage"),
        json!(["Control", "Title", "Mapped actions", "Completed", "Risk accepted", "State", "Control id"])
    );
    assert_eq!(header("Score history"), json!(["Day", "Points achieved", "Points possible", "Score", "Source"]));
    assert_eq!(columns("Audit trail", 0..3), json!(["Seq", "At (UTC)", "Actor"]));
    for sheet in ["Prioritised actions", "Roadmap", "Risk acceptance register", "Score history", "Audit trail"] {
        assert_eq!(book["frozen"][sheet], "A2", "{sheet} keeps its header in view");
    }
    // Small sheets are tables (style and filter buttons); the two that grow with the tenant have filter buttons
    // and banded rows instead, which cost no memory per row.
    for sheet in ["Roadmap", "Risk acceptance register", "ISO 27001 coverage", "Score history"] {
        assert_eq!(book["tables"][sheet].as_array().unwrap().len(), 1, "{sheet} is a table");
    }
    assert_eq!(book["filters"]["Prioritised actions"], "A1:T12");

    let summary = &book["summary"];
    assert_eq!(summary["Tenant"], "Contoso / EU");
    assert_eq!(summary["Generated by"], "audrey");
    assert_eq!(book["generated_at_is_date"], true);
    assert_eq!(summary["P1"], 2, "the two items rated high/low and aligned");
    assert_eq!(summary["All items"], 11);
    assert_eq!(summary["Completed"], 3, "the fixture's two completed rows and admin MFA, completed on day two");
    assert_eq!(summary["Audit trail"], "intact");
    // The workbook's placement agrees with the items' own views (the list's bucket filter), bucket by bucket.
    for (bucket, label) in [("P1", "P1"), ("P2", "P2"), ("P3", "P3"), ("P4", "P4"), ("unrated", "Unrated")] {
        let list =
            json_of(t.app.get(&t.path(&format!("/recommendations?bucket={bucket}&limit=1")), &t.auditor).await).await;
        assert_eq!(summary[label], list["total"], "{label}");
    }

    // The open P1 item comes first (most points still available), with its rating, mapped controls and bucket.
    let first = &book["first_action"];
    assert_eq!(first[0], "1");
    assert_eq!(first[1], "Ensure all users can complete multifactor authentication for secure access");
    assert_eq!((first[9].as_str(), first[10].as_str(), first[13].as_str()), (Some("High"), Some("Low"), Some("P1")));
    assert!(first[11].as_str().unwrap().contains("A.8.5"), "ISO controls: {}", first[11]);
    assert_eq!(book["action_rows"], 11);
    assert!(book["bucket_rules"].as_u64().unwrap() >= 2, "bucket and status are coloured");

    // Text that starts like a formula is a string cell with Excel's quote prefix, and no cell is a formula.
    assert_eq!(book["formula_title"], json!([["s", true]]));
    assert_eq!(book["formula_cells"], 0);
    assert_eq!(book["register_first"], json!(["=cmd|' /C calc'!A0", "s", true, "draft", 1]));

    assert_eq!(book["roadmap_first"], json!(["2026-Q4", true]));
    // The same counts as the coverage API, which uses the same domain function.
    let coverage = json_of(t.app.get(&t.path("/coverage/iso27001"), &t.auditor).await).await;
    let api = coverage["controls"].as_array().unwrap().iter().find(|c| c["display_id"] == "A.8.5").unwrap().clone();
    assert_eq!(book["iso"]["A.8.5"], json!([api["mapped"], api["resolved"], "Partial"]));
    assert_eq!(book["iso"]["A.8.5"], json!([5, 2, "Partial"]));
    assert_eq!(book["iso"].as_object().unwrap().len(), 93, "every Annex A control");
    assert!(book["nis2_rows"].as_u64().unwrap() >= 10);

    // The Statement of Applicability: every Annex A control, each row as the SoA API computes it.
    assert_eq!(
        header("Statement of Applicability"),
        json!([
            "Control",
            "Title",
            "Theme",
            "Applicable",
            "Justification",
            "Implementation",
            "Basis",
            "Computation",
            "Mapped recommendations",
            "Risk acceptances",
            "Evidence",
            "Control id"
        ])
    );
    assert_eq!(book["tables"]["Statement of Applicability"].as_array().unwrap().len(), 1);
    assert_eq!(book["soa"].as_object().unwrap().len(), 93, "every Annex A control");
    let soa = json_of(t.app.get(&t.path("/soa"), &t.auditor).await).await;
    let a_8_5 = soa["controls"].as_array().unwrap().iter().find(|c| c["control_id"] == "8.5").unwrap().clone();
    assert_eq!(a_8_5["basis"], "computed");
    assert_eq!(
        book["soa"]["A.8.5"],
        json!(["yes", "Partially implemented", "Computed", a_8_5["computation"], null, 1])
    );
    assert_eq!(a_8_5["evidence_count"], 1, "admin MFA's completion, confirmed by the second import, is on record");
    assert!(a_8_5["computation"].as_str().unwrap().starts_with("2 of 5 mapped recommendations resolved"));
    // The DLP entry is only a draft: it touches no row yet.
    assert_eq!(
        book["soa"]["A.5.14"],
        json!(["yes", "Not implemented", "Computed", "0 of 1 mapped recommendation resolved", null, 0])
    );
    assert_eq!(
        book["soa"]["A.5.1"],
        json!(["yes", null, "Not assessed", "No technical mapping; not attested yet", null, 0])
    );

    let history = book["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "one row per day");
    assert_eq!(history[0][0], "2026-11-22T00:00:00");
    assert_eq!(book["history_date_format"], "yyyy-mm-dd");
    assert_eq!(book["charts"], 1, "a native line chart");
    assert_eq!(book["audit_first"][1], true);
    assert!(book["audit_rows"].as_u64().unwrap() >= 6);
    let rows = book["audit_rows"].as_u64().unwrap() + 1;
    assert_eq!(book["filters"]["Audit trail"], format!("A1:L{rows}"));
    assert_eq!(book["banding"], json!([format!("A2:L{rows}")]));

    // The download is in the trail, with the file's hash, quoting the head the summary states.
    let trail = json_of(t.app.get(&t.path("/audit?entity=export"), &t.auditor).await).await["items"][0].clone();
    assert_eq!((trail["entity_id"].as_str(), trail["action"].as_str()), (Some("auditor_workbook"), Some("download")));
    assert_eq!(trail["after"]["sha256"], sha256.as_str());
    assert_eq!(trail["after"]["quotes_head_hash"], summary["Audit chain head (SHA-256)"]);
    assert_eq!(trail["prev_hash"], summary["Audit chain head (SHA-256)"], "nothing happened in between");
    assert_eq!(trail["actor_name"], "audrey");
}

#[tokio::test]
async fn engineers_may_not_download_the_auditor_workbook() {
    let t = prepared().await;
    let response = t.app.get(&t.path("/exports/auditor.xlsx"), &t.eng).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let other = t.app.create_tenant("Fabrikam").await;
    let response = t.app.get(&format!("/api/v1/tenants/{other}/exports/auditor.xlsx"), &t.auditor).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "a tenant the auditor is not a member of");
}
