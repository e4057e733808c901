//! The Statement of Applicability on the fixture tenant, every figure worked out by hand from the fixture export,
//! the shipped mappings, one status change, one submitted register entry and evidence rows written straight into
//! the database (the evidence upload endpoints live elsewhere).

use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, Response, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, spawn_app};

struct Fixture {
    app: TestApp,
    tenant: String,
    eng: String,
    itm: String,
    ciso: String,
    auditor: String,
}

impl Fixture {
    fn path(&self, rest: &str) -> String {
        format!("/api/v1/tenants/{}{rest}", self.tenant)
    }

    async fn item(&self, control_key: &str) -> String {
        let list =
            json_of(self.app.get(&self.path(&format!("/recommendations?q={control_key}")), &self.eng).await).await;
        list["items"][0]["id"].as_str().unwrap().to_owned()
    }

    async fn soa(&self) -> Value {
        let response = self.app.get(&self.path("/soa"), &self.auditor).await;
        assert_eq!(response.status(), StatusCode::OK);
        json_of(response).await
    }

    async fn put(&self, token: &str, control: &str, body: Value) -> Response {
        self.app.request(Method::PUT, &self.path(&format!("/soa/{control}")), token).json(&body).send().await.unwrap()
    }

    /// An evidence row as the evidence store writes it; `deleted` leaves a tombstone.
    async fn evidence(&self, tenant: &str, target_kind: &str, target_id: &str, deleted: bool) -> String {
        use scoregrc::entities::evidence_item;
        let id = sea_orm::prelude::Uuid::now_v7();
        let at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        evidence_item::ActiveModel {
            id: Set(id),
            tenant_id: Set(tenant.parse().unwrap()),
            target_kind: Set(target_kind.to_owned()),
            target_id: Set(target_id.to_owned()),
            kind: Set("link".to_owned()),
            title: Set("Signed policy".to_owned()),
            proves: Set("The board approved it".to_owned()),
            file_name: Set(None),
            content_type: Set(None),
            sha256: Set("0".repeat(64)),
            size: Set(0),
            url: Set(Some("https://contoso.sharepoint.com/policy.pdf".to_owned())),
            supersedes_id: Set(None),
            created_at: Set(at),
            created_by_kind: Set("user".to_owned()),
            created_by_id: Set(None),
            created_by_name: Set("eng".to_owned()),
            deleted_at: Set(deleted.then_some(at)),
            deleted_by_name: Set(deleted.then(|| "admin".to_owned())),
            delete_reason: Set(deleted.then(|| "uploaded to the wrong tenant".to_owned())),
        }
        .insert(&self.app.db)
        .await
        .unwrap();
        id.to_string()
    }
}

/// The fixture export; admin MFA moved to in progress; the user-risk policy in a submitted register entry.
async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let eng = app.member_of(&tenant, "eng", "engineer").await.token;
    let itm = app.member_of(&tenant, "itm", "it_manager").await.token;
    let ciso = app.member_of(&tenant, "ciso", "ciso").await.token;
    let auditor = app.member_of(&tenant, "aud", "auditor").await.token;
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    assert_eq!(app.upload(&tenant, &eng, export, "text/csv").await.status(), StatusCode::CREATED);
    let f = Fixture { app, tenant, eng, itm, ciso, auditor };
    let admin_mfa = f.item("AdminMFAV2").await;
    let status = f
        .app
        .request(Method::PUT, &f.path(&format!("/recommendations/{admin_mfa}/status")), &f.eng)
        .json(&json!({"status": "in_progress"}))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), StatusCode::OK);
    let user_risk = f.item("UserRiskPolicy").await;
    let proposal = json!({"decision": "risk_acceptance", "recommendation_ids": [user_risk],
        "risk_description": "r", "business_justification": "b", "compensating_controls": "c", "residual_risk": "low"});
    let entry = json_of(f.app.post(&f.path("/risk-acceptances"), &f.eng, &proposal).await).await;
    let submit = f.path(&format!("/risk-acceptances/{}/submit", entry["id"].as_str().unwrap()));
    assert_eq!(f.app.post(&submit, &f.eng, &json!({"version": entry["version"]})).await.status(), StatusCode::OK);
    f
}

fn row<'a>(soa: &'a Value, control: &str) -> &'a Value {
    soa["controls"].as_array().unwrap().iter().find(|c| c["control_id"] == control).unwrap()
}

/// implementation, basis, computation, mapped count, risk acceptance references, evidence count.
fn figures(row: &Value) -> Value {
    let references: Vec<&Value> = row["risk_acceptances"].as_array().unwrap().iter().map(|e| &e["reference"]).collect();
    json!([
        row["implementation"],
        row["basis"],
        row["computation"],
        row["mapped_recommendations"].as_array().unwrap().len(),
        references,
        row["evidence_count"]
    ])
}

#[tokio::test]
async fn soa_rows_of_the_fixture_tenant_match_the_hand_count() {
    let f = fixture().await;
    let signin = f.item("SigninRiskPolicy").await;
    f.evidence(&f.tenant, "recommendation", &signin, false).await;
    f.evidence(&f.tenant, "recommendation", &signin, true).await;
    let soa = f.soa().await;
    assert_eq!(soa["framework"], "iso27001");
    assert_eq!(soa["controls"].as_array().unwrap().len(), 93);
    assert_eq!(soa["controls"][0]["display_id"], "A.5.1", "catalog order");

    // A.8.5: admin MFA (in progress), legacy auth blocked (completed at 8/8: confirmed), MFA registration (to
    // address), sign-in risk (planned), user risk (to address, in the submitted RA-0001): 1 of 5 resolved.
    let a_8_5 = row(&soa, "8.5");
    assert_eq!(
        figures(a_8_5),
        json!([
            "partially_implemented",
            "computed",
            "1 of 5 mapped recommendations resolved; 1 planned and 1 in progress on the roadmap",
            5,
            ["RA-0001"],
            1
        ])
    );
    assert_eq!(a_8_5["coverage"], "partial");
    assert_eq!(a_8_5["risk_acceptances"][0]["state"], "submitted");
    assert_eq!((a_8_5["applicable"].as_bool(), a_8_5["version"].as_i64()), (Some(true), Some(0)));
    assert!(a_8_5["attested_by"].is_null());
    let signin_row = a_8_5["mapped_recommendations"].as_array().unwrap().iter().find(|r| r["id"] == signin.as_str());
    assert_eq!(signin_row.unwrap()["status"], "planned");
    // A.8.16: sign-in risk (planned), user risk: a gap with work planned. The deleted evidence does not count.
    assert_eq!(
        figures(row(&soa, "8.16")),
        json!([
            "planned",
            "computed",
            "0 of 2 mapped recommendations resolved; 1 planned on the roadmap",
            2,
            ["RA-0001"],
            1
        ])
    );
    // A.5.17: admin MFA (in progress), MFA registration, user risk.
    assert_eq!(
        figures(row(&soa, "5.17")),
        json!([
            "planned",
            "computed",
            "0 of 3 mapped recommendations resolved; 1 in progress on the roadmap",
            3,
            ["RA-0001"],
            0
        ])
    );
    // A.5.19: customer lockbox, resolved through a third party.
    assert_eq!(
        figures(row(&soa, "5.19")),
        json!(["implemented", "computed", "1 of 1 mapped recommendation resolved", 1, [], 0])
    );
    // A.8.18: Azure management limited to admins, to address, nothing scheduled.
    assert_eq!(
        figures(row(&soa, "8.18")),
        json!(["not_implemented", "computed", "0 of 1 mapped recommendation resolved", 1, [], 0])
    );
    // A.5.1 (policies): no technical mapping, nobody has attested it.
    assert_eq!(
        figures(row(&soa, "5.1")),
        json!([null, "not_assessed", "No technical mapping; not attested yet", 0, [], 0])
    );
    // 11 controls mapped: covered 5.15, 5.19, 5.23, 8.3; partial 8.5; gaps 5.17, 8.2, 8.16 (planned) and 5.14,
    // 8.12, 8.18 (nothing scheduled).
    assert_eq!(
        soa["summary"],
        json!({"controls": 93, "applicable": 93, "not_applicable": 0, "implemented": 4, "partially_implemented": 1,
            "planned": 3, "not_implemented": 3, "not_assessed": 82, "computed": 11, "attested": 0})
    );
}

#[tokio::test]
async fn people_attest_unmapped_controls_exclude_others_and_justify_overrides() {
    let f = fixture().await;
    let policy = f.evidence(&f.tenant, "soa_control", "5.1", false).await;
    let minutes = f.evidence(&f.tenant, "risk_acceptance", "RA-0001", false).await;
    let attest = json!({"implementation": "implemented",
        "implementation_justification": "Policy set approved by the board",
        "evidence_ids": [policy, minutes, policy], "version": 0});
    let attested = f.put(&f.itm, "5.1", attest).await;
    assert_eq!(attested.status(), StatusCode::OK);
    let attested = json_of(attested).await;
    // The row's own evidence and the board minutes, the repeated id counted once.
    assert_eq!(
        figures(&attested),
        json!([
            "implemented",
            "attested",
            "No technical mapping; attested: Policy set approved by the board",
            0,
            [],
            2
        ])
    );
    assert_eq!((attested["attested_by"]["name"].as_str(), attested["version"].as_i64()), (Some("itm"), Some(1)));
    assert_eq!(attested["evidence_ids"], json!([policy, minutes]));

    let excluded = f
        .put(
            &f.ciso,
            "7.1",
            json!({"applicable": false, "applicability_justification": "Fully remote: no offices", "version": 0}),
        )
        .await;
    assert_eq!(excluded.status(), StatusCode::OK);
    assert_eq!(
        figures(&json_of(excluded).await),
        json!([null, "attested", "Not applicable: Fully remote: no offices", 0, [], 0])
    );
    // Over a computed value (A.8.12, DLP to address), an attestation counts with its justification.
    let override_body = json!({"implementation": "implemented", "version": 0,
        "implementation_justification": "DLP is enforced by the mail gateway"});
    let overridden = json_of(f.put(&f.ciso, "8.12", override_body).await).await;
    assert_eq!(
        (
            overridden["implementation"].as_str(),
            overridden["basis"].as_str(),
            overridden["computed_implementation"].as_str()
        ),
        (Some("implemented"), Some("attested"), Some("not_implemented"))
    );
    assert_eq!(
        overridden["computation"],
        concat!(
            "Attested over the computed not implemented (0 of 1 mapped recommendation resolved): ",
            "DLP is enforced by the mail gateway"
        )
    );

    let soa = f.soa().await;
    assert_eq!(figures(row(&soa, "5.1")), figures(&attested));
    assert_eq!(
        soa["summary"],
        json!({"controls": 93, "applicable": 92, "not_applicable": 1, "implemented": 6, "partially_implemented": 1,
            "planned": 3, "not_implemented": 2, "not_assessed": 80, "computed": 10, "attested": 3})
    );
}

async fn field_at_fault(response: Response) -> String {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    json_of(response).await["errors"][0]["field"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_statement_without_its_justification_or_with_foreign_evidence_is_refused_naming_the_field() {
    let f = fixture().await;
    let excluded = f.put(&f.itm, "7.2", json!({"applicable": false, "version": 0})).await;
    assert_eq!(field_at_fault(excluded).await, "applicability_justification");
    let bare_override = f.put(&f.itm, "8.12", json!({"implementation": "implemented", "version": 0})).await;
    assert_eq!(field_at_fault(bare_override).await, "implementation_justification");
    let other = f.app.create_tenant("Fabrikam").await;
    let foreign = f.evidence(&other, "soa_control", "5.1", false).await;
    let deleted = f.evidence(&f.tenant, "soa_control", "5.1", true).await;
    let live = f.evidence(&f.tenant, "soa_control", "5.1", false).await;
    for (wrong, field) in [(&foreign, "evidence_ids[1]"), (&deleted, "evidence_ids[1]")] {
        let body = json!({"implementation": "planned", "evidence_ids": [live, wrong], "version": 0});
        assert_eq!(field_at_fault(f.put(&f.itm, "5.1", body).await).await, field);
    }
    let unknown = f.put(&f.itm, "9.99", json!({"implementation": "planned", "version": 0})).await;
    assert_eq!(field_at_fault(unknown).await, "control_id");
    assert_eq!(row(&f.soa().await, "5.1")["version"], 0, "nothing was written");
}

#[tokio::test]
async fn a_write_needs_the_current_version_and_the_role_to_edit_the_soa() {
    let f = fixture().await;
    let body = json!({"implementation": "planned"});
    assert_eq!(f.put(&f.itm, "5.2", body.clone()).await.status(), StatusCode::PRECONDITION_REQUIRED);
    let first = f.app.request(Method::PUT, &f.path("/soa/5.2"), &f.itm).header("If-Match", "\"0\"").json(&body);
    assert_eq!(first.send().await.unwrap().status(), StatusCode::OK);
    let stale = f.put(&f.ciso, "5.2", json!({"implementation": "implemented", "version": 0})).await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    for token in [&f.eng, &f.auditor, &f.app.admin_token] {
        let refused = f.put(token, "5.2", json!({"implementation": "implemented", "version": 1})).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(row(&f.soa().await, "5.2")["implementation"], "planned");
}

#[tokio::test]
async fn the_history_of_a_row_lists_each_change_oldest_first() {
    let f = fixture().await;
    let first = json!({"implementation": "planned", "implementation_justification": "Policy drafted", "version": 0});
    assert_eq!(f.put(&f.itm, "5.1", first).await.status(), StatusCode::OK);
    let second = json!({"implementation": "implemented", "applicability_justification": "Risk treatment R-3",
        "implementation_justification": "Policy approved", "version": 1});
    assert_eq!(f.put(&f.ciso, "5.1", second).await.status(), StatusCode::OK);
    let history = json_of(f.app.get(&f.path("/soa/5.1/history"), &f.auditor).await).await;
    assert_eq!(history["total"], 2);
    let steps: Vec<(&str, &str, &str)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["action"].as_str().unwrap(), h["actor_name"].as_str().unwrap(), h["entity"].as_str().unwrap()))
        .collect();
    assert_eq!(steps, [("create", "itm", "soa_statement"), ("update", "ciso", "soa_statement")]);
    let update = &history["items"][1];
    assert_eq!(
        (update["before"]["implementation"].as_str(), update["after"]["implementation"].as_str()),
        (Some("planned"), Some("implemented"))
    );
    assert_eq!(update["after"]["version"], 2);
    let untouched = json_of(f.app.get(&f.path("/soa/5.2/history"), &f.auditor).await).await;
    assert_eq!(untouched["total"], 0);
    assert_eq!(f.app.get(&f.path("/soa/9.99/history"), &f.auditor).await.status(), StatusCode::NOT_FOUND);
}
