//! The triage workbook round-trip: export, edit the cells with openpyxl (a writer scoregrc did not write),
//! upload, and the ratings, mappings and buckets change exactly as edited, in one transaction with one audit row.

use std::collections::HashMap;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, spawn_app};
use crate::python;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An app with the portal export imported into `Contoso` by an engineer: (app, tenant, engineer's token).
pub async fn imported() -> (TestApp, String, String) {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    assert_eq!(app.upload(&tenant, &engineer.token, export, "text/csv").await.status(), StatusCode::CREATED);
    (app, tenant, engineer.token)
}

/// The tenant's triage workbook.
pub async fn export(app: &TestApp, tenant: &str, token: &str) -> Vec<u8> {
    let response = app.get(&format!("/api/v1/tenants/{tenant}/exports/triage.xlsx"), token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], XLSX);
    response.bytes().await.unwrap().to_vec()
}

/// `bytes` edited by openpyxl: `edits` maps a recommendation id to `{header: value}` (`null` clears the cell).
/// Answers the saved workbook and the sheet row of every item.
pub fn edit(bytes: &[u8], edits: &Value) -> (Vec<u8>, HashMap<String, u64>) {
    let dir = tempfile::tempdir().unwrap();
    let (source, target) = (dir.path().join("export.xlsx"), dir.path().join("edited.xlsx"));
    std::fs::write(&source, bytes).unwrap();
    let printed = python::run(
        r#"
import json, sys, openpyxl
workbook = openpyxl.load_workbook(sys.argv[1])
sheet = workbook["Triage"]
headers = {cell.value: cell.column for cell in sheet[1]}
edits, rows = json.loads(sys.argv[3]), {}
for row in sheet.iter_rows(min_row=2):
    item = row[headers["Recommendation ID"] - 1].value
    rows[item] = row[0].row
    for header, value in edits.get(item, {}).items():
        sheet.cell(row=row[0].row, column=headers[header]).value = value
workbook.save(sys.argv[2])
print(json.dumps(rows))
"#,
        &[source.to_str().unwrap(), target.to_str().unwrap(), &edits.to_string()],
    );
    (std::fs::read(&target).unwrap(), serde_json::from_str(&printed).unwrap())
}

/// Uploads a workbook as the raw body of `POST …/imports/triage`.
pub async fn upload(app: &TestApp, tenant: &str, token: &str, bytes: Vec<u8>) -> Response {
    app.request(reqwest::Method::POST, &format!("/api/v1/tenants/{tenant}/imports/triage"), token)
        .header("content-type", XLSX)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

/// Every item of the tenant, by id.
pub async fn items(app: &TestApp, tenant: &str, token: &str) -> HashMap<String, Value> {
    let list = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?limit=500"), token).await).await;
    list["items"].as_array().unwrap().iter().map(|i| (i["id"].as_str().unwrap().to_owned(), i.clone())).collect()
}

/// The id of the item whose Secure Score control or title matches `query`.
pub async fn id_of(app: &TestApp, tenant: &str, token: &str, query: &str) -> String {
    let list = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?{query}"), token).await).await;
    list["items"][0]["id"].as_str().unwrap().to_owned()
}

/// How many rows the tenant's audit trail holds.
pub async fn audit_rows(app: &TestApp, tenant: &str) -> u64 {
    json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?limit=1"), &app.admin_token).await).await["total"]
        .as_u64()
        .unwrap()
}

fn mapped(item: &Value) -> Vec<String> {
    item["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{}:{}", m["framework"].as_str().unwrap(), m["control_id"].as_str().unwrap()))
        .collect()
}

/// The parts of an item a triage import may change.
fn triage_state(item: &Value) -> Value {
    json!({"rating": item["rating"], "mappings": item["mappings"], "bucket": item["bucket"]})
}

#[tokio::test]
async fn an_edited_workbook_changes_ratings_mappings_and_buckets_exactly_as_edited() {
    let (app, tenant, token) = imported().await;
    let mfa = id_of(&app, &tenant, &token, "q=AdminMFAV2").await;
    let legacy = id_of(&app, &tenant, &token, "q=block%20legacy").await;
    let custom = id_of(&app, &tenant, &token, "unmatched=true").await;
    let before = items(&app, &tenant, &token).await;
    assert!(!mapped(&before[&legacy]).is_empty(), "blocking legacy authentication maps to controls");
    assert!(mapped(&before[&custom]).is_empty());
    let trail_before = audit_rows(&app, &tenant).await;

    let response = app.get(&format!("/api/v1/tenants/{tenant}/exports/triage.xlsx"), &token).await;
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"triage-contoso-2026-11-23.xlsx\"");
    let exported = response.bytes().await.unwrap().to_vec();
    let mut mfa_mappings = mapped(&before[&mfa]);
    mfa_mappings.push("Art. 21(2)(d)".to_owned());
    let edits = json!({
        (mfa.as_str()): {"Risk Reduction": "High", "Implementation Effort": "low", "Regulatory Mapping": mfa_mappings.join("; ")},
        (legacy.as_str()): {"Risk Reduction": "High", "Implementation Effort": "Low", "Regulatory Mapping": null},
        (custom.as_str()): {"Risk Reduction": "Medium", "Implementation Effort": "Low", "Regulatory Mapping": "A.5.17"},
    });
    let (edited, _) = edit(&exported, &edits);
    let response = upload(&app, &tenant, &token, edited).await;
    assert_eq!(response.status(), StatusCode::OK);
    let summary = json_of(response).await;
    let removed = mapped(&before[&legacy]).len();
    assert_eq!(
        (&summary["rows_read"], &summary["ratings_changed"], &summary["mappings_added"], &summary["unchanged"]),
        (&json!(10), &json!(3), &json!(2), &json!(7))
    );
    assert_eq!(summary["mappings_removed"], removed);

    let after = items(&app, &tenant, &token).await;
    let mfa_now = &after[&mfa];
    assert_eq!((mfa_now["bucket"].as_str(), mfa_now["bucket_rule"].as_str()), (Some("P1"), Some("quick-win")));
    assert_eq!(
        (mfa_now["rating"]["risk_reduction"].as_str(), mfa_now["rating"]["rated_by"].as_str()),
        (Some("high"), Some("eng"))
    );
    assert!(mapped(mfa_now).contains(&"nis2:21.2.d".to_owned()), "{:?}", mapped(mfa_now));
    assert_eq!(mapped(mfa_now).len(), mapped(&before[&mfa]).len() + 1);
    let legacy_now = &after[&legacy];
    assert!(mapped(legacy_now).is_empty());
    assert_eq!(
        (legacy_now["regulatory_alignment"].as_bool(), legacy_now["bucket"].as_str()),
        (Some(false), Some("P4"))
    );
    let custom_now = &after[&custom];
    assert_eq!(mapped(custom_now), vec!["iso27001:5.17"]);
    assert_eq!(
        (custom_now["bucket"].as_str(), custom_now["bucket_rule"].as_str()),
        (Some("P3"), Some("compliance-hygiene"))
    );
    for (id, item) in &before {
        if ![&mfa, &legacy, &custom].contains(&id) {
            assert_eq!(triage_state(&after[id]), triage_state(item), "{} was not edited", item["title"]);
        }
    }

    assert_eq!(audit_rows(&app, &tenant).await, trail_before + 1, "one audit row for the whole import");
    let path = format!("/api/v1/tenants/{tenant}/audit?entity=triage_workbook");
    let trail = json_of(app.get(&path, &app.admin_token).await).await;
    let row = &trail["items"][0];
    assert_eq!((trail["total"].as_u64(), row["action"].as_str()), (Some(1), Some("import")));
    assert_eq!(row["run_id"], summary["run_id"]);
    assert_eq!(row["change_list_sha256"].as_str().unwrap().len(), 64);

    // The same workbook again: every edited row already says what the item is, so nothing changes.
    let (again, _) = edit(&exported, &edits);
    let repeat = json_of(upload(&app, &tenant, &token, again).await).await;
    assert_eq!((repeat["unchanged"].as_u64(), repeat["run_id"].as_str()), (Some(10), None));
    assert_eq!(audit_rows(&app, &tenant).await, trail_before + 1);
}

#[tokio::test]
async fn the_export_read_by_openpyxl_has_its_sheet_header_hidden_ids_dropdowns_and_text_only_cells() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let auditor = app.member_of(&tenant, "aud", "auditor").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let csv = "Rank,Recommended action,Score impact,Points achieved,Status,Regressed,Have license?,Category,Product\n\
               1,Ensure multifactor authentication is enabled for all users in administrative roles,+9.09 %,0/10,To address,No,Yes,Identity,Entra\n\
               2,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",+1.00 %,0/1,To address,No,Yes,Apps,Entra\n";
    assert_eq!(app.upload(&tenant, &engineer.token, csv.into(), "text/csv").await.status(), StatusCode::CREATED);
    let mfa = id_of(&app, &tenant, &engineer.token, "q=AdminMFAV2").await;
    let rate = json!({"risk_reduction": "high", "implementation_effort": "low"});
    let path = format!("/api/v1/tenants/{tenant}/recommendations/{mfa}/rating");
    let rated = app.request(reqwest::Method::PUT, &path, &engineer.token).json(&rate).send().await.unwrap();
    assert_eq!(rated.status(), StatusCode::OK);

    let bytes = export(&app, &tenant, &auditor.token).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("triage.xlsx");
    std::fs::write(&file, bytes).unwrap();
    let printed = python::run(
        r#"
import sys, openpyxl
workbook = openpyxl.load_workbook(sys.argv[1])
sheet = workbook["Triage"]
print(workbook.sheetnames)
print([cell.value for cell in sheet[1]])
print(sheet.column_dimensions["A"].hidden, sheet.column_dimensions["B"].hidden, sheet.column_dimensions["C"].hidden)
print(sorted((str(v.sqref), v.type, v.formula1, v.allow_blank) for v in sheet.data_validations.dataValidation))
print(sheet["C2"].value, sheet["K2"].value, sheet["L2"].value, sheet["N2"].value, sheet["O2"].value)
print(sheet["C3"].data_type, sheet["C3"].value, sheet["N3"].value)
print(sheet.freeze_panes, sheet.auto_filter.ref, sheet.max_row)
"#,
        &[file.to_str().unwrap()],
    );
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[0], "['Triage', 'How to use']");
    assert_eq!(
        lines[1],
        "['Recommendation ID', 'Exported version', 'Title', 'Category', 'Product', 'Secure Score control', \
         'Points achieved', 'Points max', 'Points available', 'Status', 'Risk Reduction', 'Implementation Effort', \
         'Regulatory Mapping', 'Bucket', 'Bucket rule', 'Suggested risk', 'Suggested effort', 'Owner']"
    );
    assert_eq!(lines[2], "True True False");
    assert_eq!(
        lines[3],
        "[('K2:K3', 'list', '\"High,Medium,Low\"', True), ('L2:L3', 'list', '\"High,Medium,Low\"', True)]"
    );
    assert_eq!(
        lines[4],
        "Ensure multifactor authentication is enabled for all users in administrative roles High Low P1 quick-win",
        "P1 comes first"
    );
    assert_eq!(lines[5], "s =HYPERLINK(\"http://x\",\"y\") unrated", "a title that looks like a formula stays text");
    assert_eq!(lines[6], "D2 A1:R3 3");
}
