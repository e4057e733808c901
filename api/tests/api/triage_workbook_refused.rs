//! Triage workbooks the import refuses: bad cells and bad workbooks answer 422, rows changed by someone else
//! since the export answer 409, each problem at its cell, and nothing at all is written.

use std::collections::HashMap;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of};
use crate::python;
use crate::triage_workbook::{XLSX, audit_rows, edit, export, id_of, imported, items, upload};

/// `bytes` after `code` ran on the openpyxl `workbook`.
fn reshape(bytes: &[u8], code: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (source, target) = (dir.path().join("export.xlsx"), dir.path().join("reshaped.xlsx"));
    std::fs::write(&source, bytes).unwrap();
    python::run(
        "import sys, openpyxl\nworkbook = openpyxl.load_workbook(sys.argv[1])\nexec(sys.argv[3])\nworkbook.save(sys.argv[2])",
        &[source.to_str().unwrap(), target.to_str().unwrap(), code],
    );
    std::fs::read(&target).unwrap()
}

/// Ratings, mappings and buckets of every item.
async fn triage_state(app: &TestApp, tenant: &str, token: &str) -> HashMap<String, Value> {
    let all = items(app, tenant, token).await;
    all.into_iter().map(|(id, i)| (id, json!([i["rating"], i["mappings"], i["bucket"]]))).collect()
}

/// The problem's `errors` as (field, message) pairs, after checking its status and content type.
async fn refused(response: Response, status: StatusCode) -> Vec<(String, String)> {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem = json_of(response).await;
    assert!(problem["detail"].as_str().unwrap().to_lowercase().contains("nothing was imported"), "{problem}");
    let errors = problem["errors"].as_array().unwrap_or_else(|| panic!("no errors: {problem}"));
    errors
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_owned(), e["message"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn bad_workbooks_answer_422_with_cell_references_and_write_nothing() {
    let (app, tenant, token) = imported().await;
    let mfa = id_of(&app, &tenant, &token, "q=AdminMFAV2").await;
    let legacy = id_of(&app, &tenant, &token, "q=block%20legacy").await;
    let other = app.create_tenant("Fabrikam").await;
    let other_engineer = app.member_of(&other, "fab", "engineer").await;
    let csv = include_bytes!("../fixtures/portal-export.csv").to_vec();
    assert_eq!(app.upload(&other, &other_engineer.token, csv, "text/csv").await.status(), StatusCode::CREATED);
    let foreign = id_of(&app, &other, &other_engineer.token, "q=AdminMFAV2").await;
    let exported = export(&app, &tenant, &token).await;
    let state = triage_state(&app, &tenant, &token).await;
    let trail = audit_rows(&app, &tenant).await;
    // A good edit rides along in every bad workbook, so a partial write would show.
    let good = json!({"Risk Reduction": "High", "Implementation Effort": "Low"});

    let (bad_level, rows) =
        edit(&exported, &json!({(mfa.as_str()): {"Implementation Effort": "Hgh"}, (legacy.as_str()): good}));
    let row = rows[&mfa];
    let errors = refused(upload(&app, &tenant, &token, bad_level).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors, vec![(format!("Triage!L{row}"), format!("Triage!L{row}: \"Hgh\" is not High, Medium or Low"))]);

    let (unknown, _) = edit(
        &exported,
        &json!({(mfa.as_str()): {"Regulatory Mapping": "iso27001:5.17; iso27001:9.99"}, (legacy.as_str()): good}),
    );
    let errors = refused(upload(&app, &tenant, &token, unknown).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let message = format!("Triage!M{row}: \"iso27001:9.99\" is not a control of ISO/IEC 27001:2022 Annex A");
    assert_eq!(errors, vec![(format!("Triage!M{row}"), message)]);

    let (stolen, _) = edit(
        &exported,
        &json!({(mfa.as_str()): {"Recommendation ID": foreign, "Risk Reduction": "Low"}, (legacy.as_str()): good}),
    );
    let errors = refused(upload(&app, &tenant, &token, stolen).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, format!("Triage!A{row}"));
    assert!(errors[0].1.contains("no recommendation of this tenant has this id"), "{}", errors[0].1);

    let (with_good_edit, _) = edit(&exported, &json!({(legacy.as_str()): good}));
    let renamed = reshape(&with_good_edit, "workbook['Triage'].title = 'Sheet1'");
    let errors = refused(upload(&app, &tenant, &token, renamed).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors[0].0, "file");
    assert!(errors[0].1.contains("no sheet `Triage` (its sheets are `Sheet1`, `How to use`)"), "{}", errors[0].1);

    let no_ids = reshape(&with_good_edit, "workbook['Triage'].delete_cols(1)");
    let errors = refused(upload(&app, &tenant, &token, no_ids).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors[0].0, "Triage!1:1");
    assert!(errors[0].1.starts_with("Triage!1:1: no column is headed `Recommendation ID`"), "{}", errors[0].1);

    let text = b"Recommendation ID,Exported version\n".to_vec();
    let errors = refused(upload(&app, &tenant, &token, text).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors[0].0, "file");
    assert!(errors[0].1.contains("not an .xlsx workbook"), "{}", errors[0].1);

    assert_eq!(triage_state(&app, &tenant, &token).await, state, "no rating or mapping changed");
    assert_eq!(audit_rows(&app, &tenant).await, trail, "no audit row was written");
    // The good edit alone goes through, so it was the bad cells that stopped the others.
    assert_eq!(upload(&app, &tenant, &token, with_good_edit).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_edited_row_whose_item_changed_since_the_export_is_a_conflict_an_untouched_one_is_not() {
    let (app, tenant, token) = imported().await;
    let ciso = app.member_of(&tenant, "carol", "ciso").await;
    let mfa = id_of(&app, &tenant, &token, "q=AdminMFAV2").await;
    let legacy = id_of(&app, &tenant, &token, "q=block%20legacy").await;
    let custom = id_of(&app, &tenant, &token, "unmatched=true").await;
    let old = export(&app, &tenant, &token).await;
    app.clock.advance(chrono::TimeDelta::hours(1));
    let carols = json!({"risk_reduction": "high", "implementation_effort": "medium"});
    let path = format!("/api/v1/tenants/{tenant}/recommendations/{mfa}/rating");
    assert_eq!(
        app.request(Method::PUT, &path, &ciso.token).json(&carols).send().await.unwrap().status(),
        StatusCode::OK
    );
    let state = triage_state(&app, &tenant, &token).await;
    let trail = audit_rows(&app, &tenant).await;
    let good = json!({"Risk Reduction": "High", "Implementation Effort": "Low"});

    let (stale, rows) = edit(&old, &json!({(mfa.as_str()): {"Risk Reduction": "Low"}, (legacy.as_str()): good}));
    let errors = refused(upload(&app, &tenant, &token, stale).await, StatusCode::CONFLICT).await;
    let cell = format!("Triage!A{}", rows[&mfa]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, cell);
    assert!(errors[0].1.starts_with(&format!("{cell}: changed by carol at 2026-11-23T10:00:00Z")), "{}", errors[0].1);
    let (mixed, rows) =
        edit(&old, &json!({(mfa.as_str()): {"Risk Reduction": "Low"}, (custom.as_str()): {"Risk Reduction": "Hgh"}}));
    let errors = refused(upload(&app, &tenant, &token, mixed).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = errors.iter().map(|(field, _)| field.as_str()).collect();
    let mut expected = [cell.clone(), format!("Triage!K{}", rows[&custom])];
    expected.sort_by_key(|f| f[8..].parse::<u64>().unwrap());
    assert_eq!(
        fields,
        expected.iter().map(String::as_str).collect::<Vec<_>>(),
        "conflicts are listed beside bad cells"
    );
    assert_eq!(triage_state(&app, &tenant, &token).await, state);
    assert_eq!(audit_rows(&app, &tenant).await, trail);

    // The same old workbook with carol's row left alone imports, as a multipart form, and keeps her rating.
    let (untouched, _) = edit(&old, &json!({(legacy.as_str()): good}));
    let part = reqwest::multipart::Part::bytes(untouched).file_name("triage.xlsx").mime_str(XLSX).unwrap();
    let response = app
        .request(Method::POST, &format!("/api/v1/tenants/{tenant}/imports/triage"), &token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_of(response).await["ratings_changed"], 1);
    let now = items(&app, &tenant, &token).await;
    assert_eq!(now[&mfa]["rating"]["implementation_effort"], "medium", "the old workbook did not overwrite carol");
    assert_eq!(now[&mfa]["rating"]["rated_by"], "carol");
    assert_eq!(now[&legacy]["rating"]["risk_reduction"], "high");
}

#[tokio::test]
async fn auditors_download_the_workbook_but_cannot_import_it() {
    let (app, tenant, token) = imported().await;
    let auditor = app.member_of(&tenant, "aud", "auditor").await;
    let bytes = export(&app, &tenant, &auditor.token).await;
    assert_eq!(upload(&app, &tenant, &auditor.token, bytes.clone()).await.status(), StatusCode::FORBIDDEN);
    let summary = json_of(upload(&app, &tenant, &token, bytes).await).await;
    assert_eq!((summary["rows_read"].as_u64(), summary["unchanged"].as_u64()), (Some(10), Some(10)));
}
