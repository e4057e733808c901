//! The risk-acceptance register's workflow over HTTP: the whole path with three people, separation of duties, the
//! low-impact rule, the effects on items, and two people acting on the same version. Shared set-up for the other
//! register tests.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Member, TestApp, json_of, spawn_app_with};
use scoregrc::domain::register::workflow::Action;

/// A tenant with `rows` imported items (two points each, none achieved) and one member per role.
pub struct Register {
    pub app: TestApp,
    pub tenant: String,
    pub items: Vec<String>,
    pub eng: Member,
    pub itm: Member,
    pub ciso: Member,
    pub auditor: Member,
}

/// A portal export of `rows` synthetic recommendations, `points` each, none achieved.
pub fn export(rows: usize, points: u32) -> Vec<u8> {
    let mut csv = String::from(
        "Rank,Recommended action,Score impact,Points achieved,Status,Regressed,Have license?,Category,Product,Last synced,Microsoft update,Notes\n",
    );
    for i in 1..=rows {
        let category = if i % 2 == 0 { "Apps" } else { "Identity" };
        csv.push_str(&format!(
            "{i},Synthetic recommendation {i:02},+1.00 %,0/{points},To address,No,Yes,{category},Entra,11/22/2026 9:05 AM,,\n"
        ));
    }
    csv.into_bytes()
}

pub async fn register(rows: usize, points: u32) -> Register {
    register_with(rows, points, |_| {}).await
}

/// [`register`] on an app whose configuration `adjust` changed.
pub async fn register_with(rows: usize, points: u32, adjust: impl FnOnce(&mut scoregrc::config::Config)) -> Register {
    // Sessions outlast the years these tests move the clock through.
    let app = spawn_app_with(|c| {
        c.session_ttl = std::time::Duration::from_secs(800 * 24 * 3600);
        adjust(c);
    })
    .await;
    let tenant = app.create_tenant("Contoso").await;
    let eng = app.member_of(&tenant, "eng", "engineer").await;
    let itm = app.member_of(&tenant, "itm", "it_manager").await;
    let ciso = app.member_of(&tenant, "ciso", "ciso").await;
    let auditor = app.member_of(&tenant, "aud", "auditor").await;
    assert_eq!(app.upload(&tenant, &eng.token, export(rows, points), "text/csv").await.status(), StatusCode::CREATED);
    let list = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?limit=500"), &eng.token).await).await;
    let mut items: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["title"].as_str().unwrap().to_owned(), i["id"].as_str().unwrap().to_owned()))
        .collect();
    items.sort();
    Register { app, tenant, items: items.into_iter().map(|(_, id)| id).collect(), eng, itm, ciso, auditor }
}

impl Register {
    pub fn path(&self, rest: &str) -> String {
        format!("/api/v1/tenants/{}/risk-acceptances{rest}", self.tenant)
    }

    /// Proposes a decision over `items` as `token`; answers the entry.
    pub async fn propose(&self, token: &str, items: &[&str], decision: &str, residual: &str) -> Value {
        let mut body = json!({
            "decision": decision, "recommendation_ids": items,
            "risk_description": "Reduces visibility into unsanctioned SaaS app usage (shadow IT)",
            "business_justification": "Limited SaaS footprint: Microsoft 365 and three approved apps",
            "compensating_controls": "Conditional Access blocks non-approved SaaS apps",
            "residual_risk": residual,
        });
        if decision != "risk_acceptance" {
            body["covered_by"] = json!("Mimecast Email Security");
        }
        let response = self.app.post(&self.path(""), token, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        json_of(response).await
    }

    pub async fn entry(&self, id: &str) -> Value {
        json_of(self.app.get(&self.path(&format!("/{id}")), &self.auditor.token).await).await
    }

    /// Takes `action` on the entry with its current version; answers the response.
    pub async fn step(&self, token: &str, id: &str, action: Action) -> reqwest::Response {
        let version = self.entry(id).await["version"].clone();
        self.step_at(token, id, action, version).await
    }

    pub async fn step_at(&self, token: &str, id: &str, action: Action, version: Value) -> reqwest::Response {
        if action == Action::Update {
            let body = json!({
                "decision": "risk_acceptance", "recommendation_ids": self.entry(id).await["recommendation_ids"],
                "risk_description": "edited", "business_justification": "b", "compensating_controls": "c",
                "residual_risk": "high", "version": version,
            });
            return self
                .app
                .request(Method::PUT, &self.path(&format!("/{id}")), token)
                .json(&body)
                .send()
                .await
                .unwrap();
        }
        let body = match action {
            Action::Review => {
                json!({"version": version, "business_context": "Budget goes to the EDR rollout this year"})
            }
            Action::Return | Action::Reject | Action::Revoke => json!({"version": version, "reason": "Needs evidence"}),
            _ => json!({"version": version}),
        };
        self.app.post(&self.path(&format!("/{id}/{}", action.as_str())), token, &body).await
    }

    /// Takes `action` and insists it succeeds.
    pub async fn ok(&self, token: &str, id: &str, action: Action) -> Value {
        let response = self.step(token, id, action).await;
        let status = response.status();
        let body = json_of(response).await;
        assert_eq!(status, StatusCode::OK, "{action:?}: {body}");
        body
    }

    pub async fn item(&self, id: &str) -> Value {
        json_of(self.app.get(&format!("/api/v1/tenants/{}/recommendations/{id}", self.tenant), &self.eng.token).await)
            .await
    }
}

#[tokio::test]
async fn three_people_take_an_acceptance_from_proposal_to_approval_and_its_items_follow() {
    let r = register(4, 2).await;
    let entry = r.propose(&r.eng.token, &[&r.items[0], &r.items[1]], "risk_acceptance", "medium").await;
    let id = entry["id"].as_str().unwrap();
    assert_eq!((entry["reference"].as_str(), entry["state"].as_str()), (Some("RA-0001"), Some("draft")));
    assert_eq!((entry["points_at_stake"].as_f64(), entry["category"].as_str()), (Some(4.0), Some("Apps, Identity")));
    assert_eq!(r.item(&r.items[0]).await["register_entry"]["reference"], "RA-0001", "each item links back");

    r.ok(&r.eng.token, id, Action::Submit).await;
    let reviewed = r.ok(&r.itm.token, id, Action::Review).await;
    assert_eq!(reviewed["business_context"], "Budget goes to the EDR rollout this year");
    let approved = r.ok(&r.ciso.token, id, Action::Approve).await;
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["approver"]["name"], "ciso");
    assert_eq!(approved["review_date"], "2027-11-23", "approval date + 12 months");
    let history: Vec<(&str, &str)> = approved["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(history, [("create", "eng"), ("submit", "eng"), ("review", "itm"), ("approve", "ciso")]);

    for item in &r.items[..2] {
        let item = r.item(item).await;
        assert_eq!(
            (item["status"].as_str(), item["unmanaged_acceptance"].as_bool()),
            (Some("risk_accepted"), Some(false))
        );
        assert_eq!(item["register_entry"]["state"], "approved");
    }
    // The register holds the item: a person cannot move it around it, and risk_accepted is still refused directly.
    let direct = r
        .app
        .request(
            Method::PUT,
            &format!("/api/v1/tenants/{}/recommendations/{}/status", r.tenant, r.items[2]),
            &r.eng.token,
        )
        .json(&json!({"status": "risk_accepted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), StatusCode::CONFLICT);
    let held = r
        .app
        .request(
            Method::PUT,
            &format!("/api/v1/tenants/{}/recommendations/{}/status", r.tenant, r.items[0]),
            &r.eng.token,
        )
        .json(&json!({"status": "planned"}))
        .send()
        .await
        .unwrap();
    assert_eq!(held.status(), StatusCode::CONFLICT);
    assert!(json_of(held).await["detail"].as_str().unwrap().contains("RA-0001"));
    // A second proposal for a held item is refused, naming the entry.
    let twice = r
        .app
        .post(&r.path(""), &r.eng.token, &json!({"decision": "risk_acceptance", "recommendation_ids": [r.items[0]],
            "risk_description": "r", "business_justification": "b", "compensating_controls": "c", "residual_risk": "low"}))
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);

    let revoked = r
        .app
        .post(
            &r.path(&format!("/{id}/revoke")),
            &r.ciso.token,
            &json!({"version": approved["version"], "reason": "MFA licences arrived"}),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    for item in &r.items[..2] {
        let item = r.item(item).await;
        assert_eq!(item["status"], "to_address", "revocation restores the items");
        assert_eq!(item["register_entry"], Value::Null);
    }
    let trail = json_of(
        r.app
            .get(&format!("/api/v1/tenants/{}/audit?entity=risk_acceptance&limit=500", r.tenant), &r.auditor.token)
            .await,
    )
    .await;
    let actions: Vec<&str> = trail["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "submit", "review", "approve", "revoke"]);
}

#[tokio::test]
async fn alternatives_to_acceptance_document_third_party_and_mitigation_statuses() {
    let r = register(3, 2).await;
    let set = |item: &str, status: &str| {
        let path = format!("/api/v1/tenants/{}/recommendations/{item}/status", r.tenant);
        let request = r.app.request(Method::PUT, &path, &r.eng.token).json(&json!({"status": status}));
        async move { request.send().await.unwrap() }
    };
    assert_eq!(set(&r.items[0], "third_party").await.status(), StatusCode::OK);
    assert_eq!(r.item(&r.items[0]).await["undocumented"], true, "third party without an approved entry");
    let entry = r.propose(&r.eng.token, &[&r.items[0], &r.items[1]], "third_party", "low").await;
    assert_eq!(entry["covered_by"], "Mimecast Email Security");
    let id = entry["id"].as_str().unwrap();
    r.ok(&r.eng.token, id, Action::Submit).await;
    r.ok(&r.itm.token, id, Action::Review).await;
    r.ok(&r.ciso.token, id, Action::Approve).await;
    for item in &r.items[..2] {
        let item = r.item(item).await;
        assert_eq!((item["status"].as_str(), item["undocumented"].as_bool()), (Some("third_party"), Some(false)));
    }
    let missing_cover = r
        .app
        .post(&r.path(""), &r.eng.token, &json!({"decision": "alternate_mitigation", "recommendation_ids": [r.items[2]],
            "risk_description": "r", "business_justification": "b", "compensating_controls": "c", "residual_risk": "low"}))
        .await;
    assert_eq!(missing_cover.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(missing_cover).await["errors"][0]["field"], "covered_by");
}

#[tokio::test]
async fn nobody_reviews_or_approves_their_own_proposal_not_even_a_ciso() {
    let r = register(2, 2).await;
    let itm2 = r.app.member_of(&r.tenant, "itm2", "it_manager").await;
    let ciso2 = r.app.member_of(&r.tenant, "ciso2", "ciso").await;
    // An IT manager proposes: they may not review it.
    let by_itm = r.propose(&r.itm.token, &[&r.items[0]], "risk_acceptance", "high").await;
    let id = by_itm["id"].as_str().unwrap();
    r.ok(&r.itm.token, id, Action::Submit).await;
    let own_review = r.step(&r.itm.token, id, Action::Review).await;
    assert_eq!(own_review.status(), StatusCode::CONFLICT);
    assert!(json_of(own_review).await["detail"].as_str().unwrap().contains("separation of duties"));

    // A CISO proposes: another IT manager reviews, and the proposing CISO still may not approve.
    let by_ciso = r.propose(&r.ciso.token, &[&r.items[1]], "risk_acceptance", "high").await;
    let id = by_ciso["id"].as_str().unwrap();
    r.ok(&r.ciso.token, id, Action::Submit).await;
    r.ok(&itm2.token, id, Action::Review).await;
    let own_approval = r.step(&r.ciso.token, id, Action::Approve).await;
    assert_eq!(own_approval.status(), StatusCode::CONFLICT);
    assert!(json_of(own_approval).await["detail"].as_str().unwrap().contains("you proposed"));
    r.ok(&ciso2.token, id, Action::Approve).await;
}

#[tokio::test]
async fn an_it_manager_approves_low_impact_entries_only_and_the_policy_sets_the_limit() {
    let r = register(3, 2).await;
    let itm2 = r.app.member_of(&r.tenant, "itm2", "it_manager").await;
    let low = r.propose(&r.eng.token, &[&r.items[0]], "risk_acceptance", "low").await;
    let big = r.propose(&r.eng.token, &[&r.items[1], &r.items[2]], "risk_acceptance", "low").await;
    for entry in [&low, &big] {
        let id = entry["id"].as_str().unwrap();
        r.ok(&r.eng.token, id, Action::Submit).await;
        r.ok(&r.itm.token, id, Action::Review).await;
    }
    let (low_id, big_id) = (low["id"].as_str().unwrap(), big["id"].as_str().unwrap());
    assert_eq!(r.entry(big_id).await["low_impact_failure"], "4.00 points at stake exceed the low-impact limit of 2.00");
    let refused = r.step(&itm2.token, big_id, Action::Approve).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(json_of(refused).await["detail"].as_str().unwrap().contains("4.00 points at stake exceed"));
    assert_eq!(r.ok(&itm2.token, low_id, Action::Approve).await["state"], "approved", "2.00 points, residual low");

    // The CISO raises the limit; the same approval now goes through.
    let path = format!("/api/v1/tenants/{}/register-policy", r.tenant);
    let engineer_edit = r
        .app
        .request(Method::PUT, &path, &r.eng.token)
        .json(&json!({"low_impact_max_points": 5.0, "review_period_months": 12, "grace_days": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(engineer_edit.status(), StatusCode::FORBIDDEN);
    let edit = r
        .app
        .request(Method::PUT, &path, &r.ciso.token)
        .json(&json!({"low_impact_max_points": 5.0, "review_period_months": 6, "grace_days": 14}))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), StatusCode::OK);
    let approved = r.ok(&itm2.token, big_id, Action::Approve).await;
    assert_eq!(approved["review_date"], "2027-05-23", "the six-month review period applies");
}

#[tokio::test]
async fn two_people_acting_on_the_same_version_one_wins_the_other_is_told_it_is_stale() {
    let r = register(1, 2).await;
    let ciso2 = r.app.member_of(&r.tenant, "ciso2", "ciso").await;
    let entry = r.propose(&r.eng.token, &[&r.items[0]], "risk_acceptance", "high").await;
    let id = entry["id"].as_str().unwrap();
    r.ok(&r.eng.token, id, Action::Submit).await;
    let reviewed = r.ok(&r.itm.token, id, Action::Review).await;
    let version = reviewed["version"].clone();
    let (a, b) = tokio::join!(
        r.step_at(&r.ciso.token, id, Action::Approve, version.clone()),
        r.step_at(&ciso2.token, id, Action::Reject, version.clone()),
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::PRECONDITION_FAILED]);
    let missing = r.app.post(&r.path(&format!("/{id}/revoke")), &r.ciso.token, &json!({"reason": "no version"})).await;
    assert_eq!(missing.status(), StatusCode::PRECONDITION_REQUIRED);
}
