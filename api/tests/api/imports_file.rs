//! Uploading the portal's export as CSV or xlsx: matching by title, unmatched rows, idempotent re-imports, and
//! bad files answered with the row and column at fault and nothing written.

use reqwest::StatusCode;
use rust_xlsxwriter::{Formula, Workbook};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, spawn_app, spawn_app_with};

const EXPORT: &[u8] = include_bytes!("../fixtures/portal-export.csv");
const EXPORT_DE: &[u8] = include_bytes!("../fixtures/portal-export-de.csv");
const EXPORT_BAD_ROW: &[u8] = include_bytes!("../fixtures/portal-export-bad-row.csv");
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn setup() -> (TestApp, String, String) {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    (app, tenant, engineer.token)
}

async fn items(app: &TestApp, tenant: &str) -> Value {
    json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?limit=500&sort=rank"), &app.admin_token).await)
        .await
}

fn by_title<'a>(list: &'a Value, needle: &str) -> &'a Value {
    list["items"].as_array().unwrap().iter().find(|i| i["title"].as_str().unwrap().contains(needle)).unwrap()
}

#[tokio::test]
async fn a_csv_export_is_imported_matched_by_title_with_unmatched_rows_kept() {
    let (app, tenant, token) = setup().await;
    let response = app.upload(&tenant, &token, EXPORT.to_vec(), "text/csv").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let run = json_of(response).await;
    assert_eq!(run["source"], "csv");
    assert_eq!(run["outcome"], "succeeded");
    assert_eq!(run["counts"]["read"], 10);
    assert_eq!(run["counts"]["new"], 10);
    assert_eq!(run["counts"]["unmatched"], 1);
    assert_eq!(run["file_sha256"].as_str().unwrap().len(), 64);
    let unmatched: Vec<&Value> =
        run["changes"].as_array().unwrap().iter().filter(|c| c["kind"] == "unmatched").collect();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0]["row"], 11);
    assert_eq!(json_of(app.get(&location, &token).await).await["id"], run["id"]);

    let list = items(&app, &tenant).await;
    assert_eq!(list["total"], 10);
    let mfa = by_title(&list, "enabled for all users in administrative roles");
    assert_eq!(mfa["external_id"], "AdminMFAV2");
    assert_eq!((mfa["achieved"].as_f64(), mfa["max"].as_f64()), (Some(0.0), Some(10.0)));
    assert_eq!(mfa["sources"][0]["channel"], "csv");
    assert_eq!(
        by_title(&list, "Azure Management")["external_id"],
        "aad_limited_administrative_roles",
        "typographic quotes match"
    );
    let custom = by_title(&list, "break-glass");
    assert_eq!(custom["unmatched"], true);
    assert_eq!(custom["external_id"], Value::Null);
    assert_eq!(custom["match_key"], "review contoso's break-glass accounts every quarter");
    assert_eq!(by_title(&list, "block legacy")["status"], "completed");
    assert_eq!(by_title(&list, "sign-in risk")["status"], "planned");
    let accepted = by_title(&list, "user risk policy");
    assert_eq!(
        (accepted["status"].as_str(), accepted["unmanaged_acceptance"].as_bool()),
        (Some("to_address"), Some(true))
    );
    assert_eq!(by_title(&list, "customer lockbox")["status"], "third_party");

    let score = json_of(app.get(&format!("/api/v1/tenants/{tenant}/score"), &token).await).await;
    assert_eq!(score["m365"]["current"], 17.5);
    assert_eq!(score["m365"]["max"], 56.0);
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing() {
    let (app, tenant, token) = setup().await;
    app.upload(&tenant, &token, EXPORT.to_vec(), "text/csv").await;
    let again = json_of(app.upload(&tenant, &token, EXPORT.to_vec(), "text/csv").await).await;
    assert_eq!(again["counts"]["new"], 0, "{again}");
    assert_eq!(again["counts"]["updated"], 0);
    assert_eq!(again["counts"]["unchanged"], 10);
    assert_eq!(again["changes"], json!([]));
    assert_eq!(items(&app, &tenant).await["total"], 10);
}

#[tokio::test]
async fn a_german_semicolon_export_with_comma_decimals_is_read() {
    let (app, tenant, token) = setup().await;
    let run = json_of(app.upload(&tenant, &token, EXPORT_DE.to_vec(), "text/csv").await).await;
    assert_eq!(run["counts"]["new"], 2, "{run}");
    let list = items(&app, &tenant).await;
    assert_eq!(by_title(&list, "complete multifactor")["achieved"], 4.5);
}

async fn assert_refused(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    json_of(response).await
}

#[tokio::test]
async fn a_bad_row_in_the_middle_names_its_row_and_column_and_writes_nothing() {
    let (app, tenant, token) = setup().await;
    let problem = assert_refused(
        app.upload(&tenant, &token, EXPORT_BAD_ROW.to_vec(), "text/csv").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["type"], "urn:scoregrc:problem:invalid-file");
    assert_eq!(problem["row"], 5);
    assert_eq!(problem["column"], "Points achieved");
    assert!(problem["detail"].as_str().unwrap().contains("ten/7"));
    assert_eq!(items(&app, &tenant).await["total"], 0);
    let runs = json_of(app.get(&format!("/api/v1/tenants/{tenant}/imports"), &token).await).await;
    assert_eq!(runs["items"][0]["outcome"], "failed");
    assert_eq!(runs["items"][0]["errors"][0]["row"], 5);
}

#[tokio::test]
async fn missing_columns_empty_files_and_wrong_types_are_refused() {
    let (app, tenant, token) = setup().await;
    let missing = assert_refused(
        app.upload(&tenant, &token, b"Rank,Status\n1,To address\n".to_vec(), "text/csv").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(missing["detail"].as_str().unwrap().contains("Points achieved"), "{missing}");
    assert_refused(app.upload(&tenant, &token, Vec::new(), "text/csv").await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_refused(
        app.upload(&tenant, &token, b"%PDF-1.7 binary\x00\x01".to_vec(), "application/pdf").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert_refused(
        app.upload(
            &tenant,
            &token,
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
            "application/vnd.ms-excel",
        )
        .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert_eq!(items(&app, &tenant).await["total"], 0);
}

#[tokio::test]
async fn an_upload_over_the_limit_is_a_413() {
    let app = spawn_app_with(|c| c.max_upload_bytes = 1024).await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let big = EXPORT.repeat(4);
    assert_refused(app.upload(&tenant, &engineer.token, big, "text/csv").await, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn a_multipart_upload_works_like_a_raw_one() {
    let (app, tenant, token) = setup().await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(EXPORT.to_vec()).file_name("export.csv").mime_str("text/csv").unwrap(),
    );
    let response = app
        .request(reqwest::Method::POST, &format!("/api/v1/tenants/{tenant}/imports"), &token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let run = json_of(response).await;
    assert_eq!(run["file_name"], "export.csv");
    assert_eq!(run["counts"]["new"], 10);
}

fn workbook(formula_in_points: bool, second_sheet: bool) -> Vec<u8> {
    let mut book = Workbook::new();
    if second_sheet {
        book.add_worksheet().set_name("Notes").unwrap().write(0, 0, "nothing here").unwrap();
    }
    let sheet = book.add_worksheet();
    sheet.set_name("Recommended actions").unwrap();
    for (col, header) in
        ["Rank", "Recommended action", "Score impact", "Points achieved", "Status", "Category"].iter().enumerate()
    {
        sheet.write(0, col as u16, *header).unwrap();
    }
    let rows = [
        (
            1,
            "Ensure multifactor authentication is enabled for all users in administrative roles",
            "0/10",
            "To address",
            "Identity",
        ),
        (2, "Enable Conditional Access policies to block legacy authentication", "8/8", "Completed", "Identity"),
        (7, "Ensure DLP policies are enabled", "2/5", "To address", "Data"),
    ];
    for (i, (rank, title, points, status, category)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write(r, 0, *rank).unwrap();
        sheet.write(r, 1, *title).unwrap();
        sheet.write(r, 2, "+1.00 %").unwrap();
        if formula_in_points && i == 1 {
            sheet.write_formula(r, 3, Formula::new("=CONCAT(\"8\",\"/8\")")).unwrap();
        } else {
            sheet.write(r, 3, *points).unwrap();
        }
        sheet.write(r, 4, *status).unwrap();
        sheet.write(r, 5, *category).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_xlsx_export_is_imported_from_the_named_sheet() {
    let (app, tenant, token) = setup().await;
    let response = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/tenants/{tenant}/imports?sheet=Recommended%20actions&file_name=q1.xlsx"),
            &token,
        )
        .header("content-type", XLSX)
        .body(workbook(false, true))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let run = json_of(response).await;
    assert_eq!(run["source"], "xlsx");
    assert_eq!(run["counts"]["new"], 3);
    let list = items(&app, &tenant).await;
    assert_eq!(by_title(&list, "DLP")["achieved"], 2.0);
    assert_eq!(by_title(&list, "DLP")["sources"][0]["channel"], "xlsx");
}

#[tokio::test]
async fn an_xlsx_with_a_formula_where_points_belong_is_refused_naming_the_cell() {
    let (app, tenant, token) = setup().await;
    let problem = assert_refused(
        app.upload(&tenant, &token, workbook(true, false), XLSX).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("D3"), "{problem}");
    assert_eq!(items(&app, &tenant).await["total"], 0);
}

#[tokio::test]
async fn a_truncated_xlsx_is_refused_without_a_panic() {
    let (app, tenant, token) = setup().await;
    let full = workbook(false, false);
    let half = full[..full.len() / 2].to_vec();
    assert_refused(app.upload(&tenant, &token, half, XLSX).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(app.get("/healthz", "").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unmatched_item_is_linked_by_hand_to_its_control_id() {
    let (app, tenant, token) = setup().await;
    app.upload(&tenant, &token, EXPORT.to_vec(), "text/csv").await;
    let list = items(&app, &tenant).await;
    let custom = by_title(&list, "break-glass").clone();
    let path = format!("/api/v1/tenants/{tenant}/recommendations/{}/external-id", custom["id"].as_str().unwrap());
    let linked = app
        .request(reqwest::Method::PUT, &path, &token)
        .json(&json!({"external_id": "contoso_breakglass_review"}))
        .send()
        .await
        .unwrap();
    assert_eq!(linked.status(), StatusCode::OK);
    let linked = json_of(linked).await;
    assert_eq!(
        (linked["external_id"].as_str(), linked["unmatched"].as_bool()),
        (Some("contoso_breakglass_review"), Some(false))
    );
    // A known item can't be re-linked.
    let mfa = by_title(&list, "administrative roles")["id"].as_str().unwrap().to_owned();
    let refused = app
        .request(reqwest::Method::PUT, &format!("/api/v1/tenants/{tenant}/recommendations/{mfa}/external-id"), &token)
        .json(&json!({"external_id": "Other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    // Re-importing the file finds the linked item by its title, not a new unmatched one.
    let again = json_of(app.upload(&tenant, &token, EXPORT.to_vec(), "text/csv").await).await;
    assert_eq!(again["counts"]["new"], 0, "{again}");
}

#[tokio::test]
async fn linking_to_an_id_the_tenant_already_has_merges_the_two() {
    let (app, tenant, token) = setup().await;
    app.upload(&tenant, &token, EXPORT.to_vec(), "text/csv").await;
    let list = items(&app, &tenant).await;
    let custom = by_title(&list, "break-glass")["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/tenants/{tenant}/recommendations/{custom}/external-id");
    let merged = json_of(
        app.request(reqwest::Method::PUT, &path, &token)
            .json(&json!({"external_id": "AdminMFAV2"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(merged["external_id"], "AdminMFAV2");
    assert_ne!(merged["id"].as_str(), Some(custom.as_str()));
    assert_eq!(items(&app, &tenant).await["total"], 9);
    let gone = app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{custom}"), &token).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let trail =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?entity=recommendation"), &app.admin_token).await)
            .await;
    assert_eq!(trail["items"][0]["action"], "merge");
}

#[tokio::test]
async fn the_list_filters_sorts_and_pages() {
    let (app, tenant, token) = setup().await;
    app.upload(&tenant, &token, EXPORT.to_vec(), "text/csv").await;
    let base = format!("/api/v1/tenants/{tenant}/recommendations");
    let identity = json_of(app.get(&format!("{base}?category=identity"), &token).await).await;
    assert_eq!(identity["total"], 7);
    let text = json_of(app.get(&format!("{base}?q=RISK%20policy"), &token).await).await;
    assert_eq!(text["total"], 2);
    let planned = json_of(app.get(&format!("{base}?status=planned"), &token).await).await;
    assert_eq!(planned["total"], 1);
    let by_impact = json_of(app.get(&format!("{base}?sort=score_impact&limit=1"), &token).await).await;
    assert_eq!(by_impact["items"][0]["points_available"], 10.0);
    let next = json_of(
        app.get(
            &format!("{base}?sort=score_impact&limit=1&cursor={}", by_impact["next_cursor"].as_str().unwrap()),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(next["items"][0]["points_available"], 7.0);
    let by_title_sort = json_of(app.get(&format!("{base}?sort=title&limit=2"), &token).await).await;
    assert!(by_title_sort["items"][0]["title"].as_str() < by_title_sort["items"][1]["title"].as_str());
    let bad = app.get(&format!("{base}?status=done"), &token).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn auditors_read_but_may_not_import_and_archived_tenants_take_no_imports() {
    let (app, tenant, _token) = setup().await;
    let auditor = app.member_of(&tenant, "aud", "auditor").await;
    assert_eq!(app.upload(&tenant, &auditor.token, EXPORT.to_vec(), "text/csv").await.status(), StatusCode::FORBIDDEN);
    let ciso = app.member_of(&tenant, "cis", "ciso").await;
    app.patch(&format!("/api/v1/tenants/{tenant}"), &app.admin_token, &json!({"archived": true})).await;
    assert_eq!(app.upload(&tenant, &ciso.token, EXPORT.to_vec(), "text/csv").await.status(), StatusCode::CONFLICT);
}
