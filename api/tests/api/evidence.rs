//! Evidence over HTTP: upload, the same bytes stored once, corrections that supersede, links, refusals by type,
//! size and quota, the admin's delete with its tombstone, and the evidence scoregrc records by itself.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, json_of};
use crate::register::{Register, register};
use scoregrc::domain::register::workflow::Action;
use scoregrc::entities::{evidence_blob, evidence_blob_chunk};

/// A small but real PNG signature with some bytes after it.
pub fn png(tag: &str) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    bytes.extend_from_slice(tag.as_bytes());
    bytes
}

/// Uploads `bytes` as `mime` named `name` with the given text fields.
pub async fn upload(
    app: &TestApp,
    tenant: &str,
    token: &str,
    bytes: Vec<u8>,
    mime: &str,
    name: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).unwrap());
    for (key, value) in fields {
        form = form.text(key.to_string(), value.to_string());
    }
    app.request(Method::POST, &format!("/api/v1/tenants/{tenant}/evidence"), token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn upload_ok(r: &Register, item: &str, bytes: Vec<u8>, title: &str) -> Value {
    let fields = [
        ("title", title),
        ("proves", "Conditional Access policy CA001 is on"),
        ("target_kind", "recommendation"),
        ("target_id", item),
    ];
    let response = upload(&r.app, &r.tenant, &r.eng.token, bytes, "image/png", "portal.png", &fields).await;
    let status = response.status();
    let body = json_of(response).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn blob_rows(app: &TestApp) -> (u64, u64) {
    let blobs = evidence_blob::Entity::find().count(&app.db).await.unwrap();
    let chunks = evidence_blob_chunk::Entity::find().count(&app.db).await.unwrap();
    (blobs, chunks)
}

fn path(r: &Register, rest: &str) -> String {
    format!("/api/v1/tenants/{}/evidence{rest}", r.tenant)
}

#[tokio::test]
async fn uploads_are_stored_once_by_content_corrected_by_new_versions_and_audited() {
    let r = register(2, 2).await;
    let bytes = png("MFA policy screenshot");
    let first = upload_ok(&r, &r.items[0], bytes.clone(), "MFA policy screenshot").await;
    assert_eq!(first["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert_eq!((first["kind"].as_str(), first["content_type"].as_str()), (Some("file"), Some("image/png")));
    assert_eq!(first["size"], bytes.len());
    assert_eq!(first["created_by"]["name"], "eng");
    // The same bytes on another item: a second evidence record, one stored copy.
    let second = upload_ok(&r, &r.items[1], bytes.clone(), "Same screenshot, other item").await;
    assert_ne!(first["id"], second["id"]);
    assert_eq!(first["sha256"], second["sha256"]);
    assert_eq!(blob_rows(&r.app).await, (1, 1));

    let id = first["id"].as_str().unwrap();
    let download = r.app.get(&path(&r, &format!("/{id}/content")), &r.auditor.token).await;
    assert_eq!(download.status(), StatusCode::OK);
    let headers = download.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"portal.png\""));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(headers["x-content-sha256"].to_str().unwrap(), first["sha256"].as_str().unwrap());
    assert_eq!(download.bytes().await.unwrap().to_vec(), bytes);

    // A correction names the version it corrects and inherits its target; both stay.
    let fixed = png("MFA policy screenshot, with the clock visible");
    let fields = [("title", "MFA policy screenshot (with time)"), ("supersedes", id)];
    let response = upload(&r.app, &r.tenant, &r.eng.token, fixed.clone(), "image/png", "portal-2.png", &fields).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let v2 = json_of(response).await;
    assert_eq!((&v2["supersedes"], &v2["target_id"]), (&first["id"], &first["target_id"]));
    let old = json_of(r.app.get(&path(&r, &format!("/{id}")), &r.auditor.token).await).await;
    assert_eq!(old["superseded_by"], v2["id"]);
    assert!(old["deleted"].is_null());
    let again = upload(&r.app, &r.tenant, &r.eng.token, fixed, "image/png", "portal-3.png", &fields).await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "an older version is corrected once; correct the newest");
    let newest = v2["id"].as_str().unwrap();
    let elsewhere =
        [("title", "moved"), ("supersedes", newest), ("target_kind", "recommendation"), ("target_id", &r.items[1])];
    let moved = upload(&r.app, &r.tenant, &r.eng.token, png("x"), "image/png", "x.png", &elsewhere).await;
    assert_eq!(moved.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Links: http(s) only, hashed by their address.
    let link = json!({"target_kind": "recommendation", "target_id": r.items[0], "title": "Change ticket CHG-1042",
        "url": "https://servicedesk.example.com/CHG-1042"});
    let added = r.app.post(&path(&r, "/links"), &r.eng.token, &link).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let added = json_of(added).await;
    assert_eq!(added["sha256"], hex::encode(Sha256::digest(b"https://servicedesk.example.com/CHG-1042")));
    assert!(added["content_url"].is_null());
    let script =
        json!({"target_kind": "recommendation", "target_id": r.items[0], "title": "x", "url": "javascript:alert(1)"});
    let refused = r.app.post(&path(&r, "/links"), &r.eng.token, &script).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(refused).await["errors"][0]["field"], "url");
    let nowhere =
        json!({"target_kind": "risk_acceptance", "target_id": r.items[0], "title": "x", "url": "https://a.example"});
    let refused = r.app.post(&path(&r, "/links"), &r.eng.token, &nowhere).await;
    assert_eq!(json_of(refused).await["errors"][0]["field"], "target_id");
    let auditor = r.app.post(&path(&r, "/links"), &r.auditor.token, &link).await;
    assert_eq!(auditor.status(), StatusCode::FORBIDDEN);

    let listed = json_of(
        r.app
            .get(
                &path(&r, &format!("?target_kind=recommendation&target_id={}&kind=file", r.items[0])),
                &r.auditor.token,
            )
            .await,
    )
    .await;
    assert_eq!(listed["total"], 2, "the screenshot and its correction: {listed}");
    let trail =
        json_of(r.app.get(&format!("/api/v1/tenants/{}/audit?entity=evidence", r.tenant), &r.auditor.token).await)
            .await;
    let actions: Vec<&str> =
        trail["items"].as_array().unwrap().iter().map(|row| row["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "create", "supersede", "create"]);
    assert_eq!(trail["items"][0]["after"]["sha256"], first["sha256"]);
    assert_eq!(trail["items"][2]["after"]["supersedes"], first["id"]);
}

#[tokio::test]
async fn files_whose_bytes_do_not_match_their_type_or_that_do_not_fit_are_refused_and_nothing_is_stored() {
    let mut r = register(1, 2).await;
    let item = r.items[0].clone();
    let fields = [("title", "Policy"), ("target_kind", "recommendation"), ("target_id", item.as_str())];
    let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n".to_vec();
    let cases: [(Vec<u8>, &str, &str, StatusCode); 6] = [
        (pdf.clone(), "image/png", "policy.png", StatusCode::UNPROCESSABLE_ENTITY),
        (png("x"), "application/pdf", "shot.pdf", StatusCode::UNPROCESSABLE_ENTITY),
        (b"{\"policy\": ".to_vec(), "application/json", "policy.json", StatusCode::UNPROCESSABLE_ENTITY),
        (
            b"<html><script>alert(1)</script></html>".to_vec(),
            "text/plain",
            "page.txt",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0".to_vec(),
            "application/octet-stream",
            "tool",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (Vec::new(), "image/png", "empty.png", StatusCode::UNPROCESSABLE_ENTITY),
    ];
    for (bytes, mime, name, expected) in cases {
        let response = upload(&r.app, &r.tenant, &r.eng.token, bytes, mime, name, &fields).await;
        let status = response.status();
        let body = json_of(response).await;
        assert_eq!(status, expected, "{name} as {mime}: {body}");
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            assert_eq!(body["errors"][0]["field"], "file", "{body}");
        }
    }
    let mismatch = upload(&r.app, &r.tenant, &r.eng.token, pdf.clone(), "image/png", "policy.png", &fields).await;
    let detail = json_of(mismatch).await["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("image/png") && detail.contains("application/pdf"), "{detail}");
    // The right declaration is accepted.
    let accepted = upload(&r.app, &r.tenant, &r.eng.token, pdf, "application/pdf", "policy.pdf", &fields).await;
    assert_eq!(accepted.status(), StatusCode::CREATED);
    assert_eq!(blob_rows(&r.app).await, (1, 1), "only the accepted file is stored");

    // A file over the limit, and a file beyond the tenant's quota (a fresh app with small limits).
    drop(r.app);
    r = crate::register::register_with(1, 2, |c| {
        c.max_evidence_bytes = 64;
        c.evidence_quota_bytes = 100;
    })
    .await;
    let item = r.items[0].clone();
    let fields = [("title", "Shot"), ("target_kind", "recommendation"), ("target_id", item.as_str())];
    let big = upload(&r.app, &r.tenant, &r.eng.token, png(&"x".repeat(60)), "image/png", "big.png", &fields).await;
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let fits = upload(&r.app, &r.tenant, &r.eng.token, png(&"a".repeat(30)), "image/png", "a.png", &fields).await;
    assert_eq!(fits.status(), StatusCode::CREATED);
    let over = upload(&r.app, &r.tenant, &r.eng.token, png(&"b".repeat(30)), "image/png", "b.png", &fields).await;
    assert_eq!(over.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let problem = json_of(over).await;
    assert_eq!(problem["type"], "urn:scoregrc:problem:evidence-quota-exceeded");
    assert_eq!(blob_rows(&r.app).await, (1, 1));
}

#[tokio::test]
async fn an_admin_delete_leaves_a_tombstone_and_drops_bytes_nothing_else_holds() {
    let r = register(2, 2).await;
    let shared = png("shared bytes");
    let kept = upload_ok(&r, &r.items[0], shared.clone(), "Kept").await;
    let doomed = upload_ok(&r, &r.items[1], shared, "Uploaded twice").await;
    let lone = upload_ok(&r, &r.items[1], png("a secret in a screenshot"), "Wrong file").await;
    let reason = json!({"reason": "The screenshot shows a tenant secret"});
    let delete = |id: &Value, token: &str, body: Value| {
        let id = id.as_str().unwrap().to_owned();
        let token = token.to_owned();
        let app = &r.app;
        let p = path(&r, &format!("/{id}"));
        async move { app.request(Method::DELETE, &p, &token).json(&body).send().await.unwrap() }
    };
    assert_eq!(delete(&lone["id"], &r.ciso.token, reason.clone()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        delete(&lone["id"], &r.app.admin_token, json!({"reason": " "})).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let gone = delete(&lone["id"], &r.app.admin_token, reason.clone()).await;
    assert_eq!(gone.status(), StatusCode::OK);
    let gone = json_of(gone).await;
    assert_eq!(gone["deleted"]["reason"], "The screenshot shows a tenant secret");
    assert_eq!(gone["deleted"]["by"], "admin");
    assert!(gone["content_url"].is_null());
    assert_eq!(delete(&lone["id"], &r.app.admin_token, reason.clone()).await.status(), StatusCode::CONFLICT);
    let content = r.app.get(&path(&r, &format!("/{}/content", lone["id"].as_str().unwrap())), &r.auditor.token).await;
    assert_eq!(content.status(), StatusCode::GONE);
    assert_eq!(blob_rows(&r.app).await, (1, 1), "the lone file's bytes are gone");
    // Bytes another record still holds stay.
    assert_eq!(delete(&doomed["id"], &r.app.admin_token, reason).await.status(), StatusCode::OK);
    assert_eq!(blob_rows(&r.app).await, (1, 1));
    let still = r.app.get(&path(&r, &format!("/{}/content", kept["id"].as_str().unwrap())), &r.eng.token).await;
    assert_eq!(still.status(), StatusCode::OK);

    let listed = json_of(r.app.get(&path(&r, "?kind=file"), &r.auditor.token).await).await;
    assert_eq!(listed["total"], 1);
    let with_tombstones =
        json_of(r.app.get(&path(&r, "?kind=file&include_deleted=true"), &r.auditor.token).await).await;
    assert_eq!(with_tombstones["total"], 3);
    let trail = json_of(
        r.app
            .get(
                &format!(
                    "/api/v1/tenants/{}/audit?entity=evidence&entity_id={}",
                    r.tenant,
                    lone["id"].as_str().unwrap()
                ),
                &r.auditor.token,
            )
            .await,
    )
    .await;
    let tombstone = &trail["items"][1];
    assert_eq!((tombstone["action"].as_str(), tombstone["actor_name"].as_str()), (Some("delete"), Some("admin")));
    assert_eq!(tombstone["before"]["sha256"], lone["sha256"]);
    assert_eq!(tombstone["before"]["title"], "Wrong file");
    assert_eq!(tombstone["comment"], "The screenshot shows a tenant secret");
    assert_eq!(tombstone["after"]["bytes_dropped"], true);
}

async fn snapshot(r: &Register, evidence: &Value) -> Value {
    let url = evidence["content_url"].as_str().unwrap();
    let response = r.app.get(url, &r.auditor.token).await;
    assert_eq!(response.headers()["content-type"], "application/json");
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn a_completion_and_an_approval_record_evidence_by_themselves() {
    let r = register(2, 2).await;
    let item = &r.items[0];
    let status = r
        .app
        .request(Method::PUT, &format!("/api/v1/tenants/{}/recommendations/{item}/status", r.tenant), &r.eng.token)
        .json(&json!({"status": "completed", "note": "Rolled out to all admins"}))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), StatusCode::OK);
    let listed = json_of(r.app.get(&path(&r, &format!("?target_id={item}")), &r.auditor.token).await).await;
    assert_eq!(listed["total"], 1);
    let completion = &listed["items"][0];
    assert_eq!(
        (completion["kind"].as_str(), completion["created_by"]["name"].as_str()),
        (Some("completion_snapshot"), Some("eng"))
    );
    assert!(completion["proves"].as_str().unwrap().contains("0 of 2 points"), "{completion}");
    let content = snapshot(&r, completion).await;
    assert_eq!(content["snapshot"], "completion");
    assert_eq!(content["status_before"], "to_address");
    assert_eq!(content["confirmed_by_microsoft"], false);
    assert_eq!((content["item"]["achieved"].as_f64(), content["item"]["max_score"].as_f64()), (Some(0.0), Some(2.0)));
    assert_eq!(content["note"], "Rolled out to all admins");

    let entry = r.propose(&r.eng.token, &[&r.items[1]], "risk_acceptance", "low").await;
    let id = entry["id"].as_str().unwrap();
    r.ok(&r.eng.token, id, Action::Submit).await;
    r.ok(&r.itm.token, id, Action::Review).await;
    let before = json_of(r.app.get(&path(&r, "?kind=approval_snapshot"), &r.auditor.token).await).await;
    assert_eq!(before["total"], 0, "no approval yet, no approval evidence");
    r.ok(&r.ciso.token, id, Action::Approve).await;
    let approvals =
        json_of(r.app.get(&path(&r, &format!("?target_kind=risk_acceptance&target_id={id}")), &r.auditor.token).await)
            .await;
    assert_eq!(approvals["total"], 1);
    let approval = &approvals["items"][0];
    assert_eq!(
        (approval["kind"].as_str(), approval["created_by"]["name"].as_str()),
        (Some("approval_snapshot"), Some("ciso"))
    );
    let content = snapshot(&r, approval).await;
    assert_eq!(content["entry"]["state"], "approved");
    let trail: Vec<&str> =
        content["entry"]["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(trail, ["create", "submit", "review", "approve"]);
}

#[tokio::test]
async fn a_file_of_several_chunks_round_trips_and_counts_once_in_the_soa_through_its_newest_version() {
    let r = register(1, 2).await;
    // 2.5 MiB: three chunks of at most 1 MiB in the database.
    let mut big = png("large export");
    big.extend((0..(5 * 512 * 1024)).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let fields = [("title", "Password policy export"), ("target_kind", "soa_control"), ("target_id", "A.5.17")];
    let response = upload(&r.app, &r.tenant, &r.eng.token, big.clone(), "image/png", "policy.png", &fields).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let first = json_of(response).await;
    assert_eq!(first["target_id"], "5.17", "stored by control id");
    assert_eq!(blob_rows(&r.app).await, (1, 3));
    let url = first["content_url"].as_str().unwrap();
    let download = r.app.get(url, &r.auditor.token).await;
    assert_eq!(download.headers()["content-length"], big.len().to_string().as_str());
    assert_eq!(download.bytes().await.unwrap().to_vec(), big);

    assert_eq!(soa_count(&r, "5.17").await, 1);
    let fix = [("title", "Password policy export (v2)"), ("supersedes", first["id"].as_str().unwrap())];
    let v2 = upload(&r.app, &r.tenant, &r.eng.token, png("v2"), "image/png", "policy-2.png", &fix).await;
    assert_eq!(v2.status(), StatusCode::CREATED);
    assert_eq!(soa_count(&r, "5.17").await, 1, "a corrected version counts through its newest version");
    let unknown = [("title", "x"), ("target_kind", "soa_control"), ("target_id", "A.9.99")];
    let refused = upload(&r.app, &r.tenant, &r.eng.token, png("x"), "image/png", "x.png", &unknown).await;
    assert_eq!(json_of(refused).await["errors"][0]["field"], "target_id");
}

#[tokio::test]
async fn an_import_that_finds_every_point_achieved_records_the_completion_as_evidence() {
    let r = register(3, 2).await;
    let achieved = String::from_utf8(crate::register::export(3, 2)).unwrap().replacen(",0/2,", ",2/2,", 2);
    let imported = r.app.upload(&r.tenant, &r.eng.token, achieved.into_bytes(), "text/csv").await;
    assert_eq!(imported.status(), StatusCode::CREATED);
    let listed = json_of(r.app.get(&path(&r, "?kind=completion_snapshot"), &r.auditor.token).await).await;
    assert_eq!(listed["total"], 2, "two items reached every point: {listed}");
    let first = &listed["items"][0];
    assert_eq!(first["created_by"]["name"], "eng");
    assert!(first["proves"].as_str().unwrap().contains("found every point achieved"), "{first}");
    let content = snapshot(&r, first).await;
    assert_eq!(content["confirmed_by_microsoft"], true);
    assert_eq!(content["reason"], "confirmed_by_microsoft");
    assert_eq!(content["item"]["achieved"].as_f64(), Some(2.0));
    // The same import again completes nothing new and records nothing new.
    let again = String::from_utf8(crate::register::export(3, 2)).unwrap().replacen(",0/2,", ",2/2,", 2);
    assert_eq!(
        r.app.upload(&r.tenant, &r.eng.token, again.into_bytes(), "text/csv").await.status(),
        StatusCode::CREATED
    );
    let listed = json_of(r.app.get(&path(&r, "?kind=completion_snapshot"), &r.auditor.token).await).await;
    assert_eq!(listed["total"], 2);
}

#[tokio::test]
async fn evidence_on_a_roadmap_item_lands_under_its_quarter_in_the_pack_listing() {
    let r = register(1, 2).await;
    let plan = format!("/api/v1/tenants/{}/roadmaps/2026-Q4/items", r.tenant);
    let added = r.app.post(&plan, &r.eng.token, &json!({"recommendation_id": r.items[0]})).await;
    assert_eq!(added.status(), StatusCode::OK);
    let item = json_of(added).await["items"][0]["id"].as_str().unwrap().to_owned();
    let link = json!({"target_kind": "roadmap_item", "target_id": item, "title": "Pilot sign-off",
        "url": "https://wiki.example.com/pilot"});
    let created = r.app.post(&path(&r, "/links"), &r.eng.token, &link).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = json_of(created).await;
    assert_eq!(
        (created["target_kind"].as_str(), created["target_id"].as_str()),
        (Some("roadmap_item"), Some(item.as_str()))
    );
    let elsewhere =
        json!({"target_kind": "roadmap_item", "target_id": r.items[0], "title": "x", "url": "https://a.example"});
    let refused = r.app.post(&path(&r, "/links"), &r.eng.token, &elsewhere).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "an item id is not a roadmap item id");
}

/// The evidence count of an SoA row.
async fn soa_count(r: &Register, control: &str) -> Value {
    let soa = json_of(r.app.get(&format!("/api/v1/tenants/{}/soa", r.tenant), &r.auditor.token).await).await;
    soa["controls"].as_array().unwrap().iter().find(|c| c["control_id"] == control).unwrap()["evidence_count"].clone()
}
