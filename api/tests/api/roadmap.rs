//! The quarterly roadmap over HTTP: suggestions in bucket and points order, every warning from a crafted plan, a
//! dependency cycle refused, phases driving statuses (done → completed, pending Microsoft), the baseline diff.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Member, TestApp, json_of, spawn_app};

struct Plan {
    app: TestApp,
    tenant: String,
    eng: Member,
    itm: Member,
    ciso: Member,
}

const Q: &str = "2026-Q4";

/// The portal-export fixture, rated: AdminMFAV2 (10 points open), the user-risk policy (7) and MFA registration
/// (4.5) are quick wins; the sign-in risk policy (7) and DLP (5) big projects; Azure management (3) hygiene.
async fn rated() -> Plan {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let eng = app.member_of(&tenant, "eng", "engineer").await;
    let itm = app.member_of(&tenant, "itm", "it_manager").await;
    let ciso = app.member_of(&tenant, "ciso", "ciso").await;
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    assert_eq!(app.upload(&tenant, &eng.token, export, "text/csv").await.status(), StatusCode::CREATED);
    let plan = Plan { app, tenant, eng, itm, ciso };
    let ratings = [
        ("multifactor authentication is enabled for all users in administrative", "high", "low"),
        ("user risk policy", "high", "low"),
        ("all users can complete multifactor", "high", "low"),
        ("sign-in risk policy", "high", "high"),
        ("DLP policies", "high", "medium"),
        ("Microsoft Azure Management", "low", "low"),
        ("break-glass", "high", "low"),
        ("block legacy authentication", "high", "low"),
    ];
    let mut items = Vec::new();
    for (title, risk, effort) in ratings {
        items.push(json!({"id": plan.id(title).await, "risk_reduction": risk, "implementation_effort": effort}));
    }
    let rated = plan.app.request(Method::PUT, &format!("/api/v1/tenants/{}/ratings", plan.tenant), &plan.eng.token);
    assert_eq!(rated.json(&json!({"items": items})).send().await.unwrap().status(), StatusCode::OK);
    plan
}

impl Plan {
    async fn items(&self) -> Vec<Value> {
        let path = format!("/api/v1/tenants/{}/recommendations?limit=500", self.tenant);
        json_of(self.app.get(&path, &self.eng.token).await).await["items"].as_array().unwrap().clone()
    }

    async fn id(&self, title_part: &str) -> String {
        let items = self.items().await;
        let item = items.iter().find(|i| i["title"].as_str().unwrap().contains(title_part));
        item.unwrap_or_else(|| panic!("no item like {title_part}"))["id"].as_str().unwrap().to_owned()
    }

    async fn item(&self, id: &str) -> Value {
        let path = format!("/api/v1/tenants/{}/recommendations/{id}", self.tenant);
        json_of(self.app.get(&path, &self.eng.token).await).await
    }

    fn path(&self, rest: &str) -> String {
        format!("/api/v1/tenants/{}/roadmaps/{Q}{rest}", self.tenant)
    }

    async fn plan(&self) -> Value {
        json_of(self.app.get(&self.path(""), &self.eng.token).await).await
    }

    async fn add(&self, id: &str, extra: Value) -> Value {
        let mut body = json!({"recommendation_id": id});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = self.app.post(&self.path("/items"), &self.eng.token, &body).await;
        assert_eq!(response.status(), StatusCode::OK);
        json_of(response).await
    }

    fn item_id(plan: &Value, recommendation: &str) -> String {
        let items = plan["items"].as_array().unwrap();
        let item = items.iter().find(|i| i["recommendation_id"] == recommendation).unwrap();
        item["id"].as_str().unwrap().to_owned()
    }

    async fn patch(&self, item: &str, body: Value) -> reqwest::Response {
        self.app
            .request(Method::PATCH, &self.path(&format!("/items/{item}")), &self.eng.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn phase(&self, item: &str, body: Value) -> Value {
        let response = self.app.post(&self.path(&format!("/items/{item}/phase")), &self.eng.token, &body).await;
        assert_eq!(response.status(), StatusCode::OK);
        json_of(response).await
    }
}

fn titles(plan: &Value) -> Vec<String> {
    plan["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_suggestion_appends_quick_wins_then_big_projects_by_points_after_what_people_placed() {
    let p = rated().await;
    let dlp = p.id("DLP policies").await;
    p.add(&dlp, json!({"owner_team": "Data team"})).await;
    let suggested = json_of(p.app.post(&p.path("/suggest"), &p.eng.token, &json!({})).await).await;
    assert_eq!(
        titles(&suggested),
        [
            "Ensure DLP policies are enabled",
            "Ensure multifactor authentication is enabled for all users in administrative roles",
            "Protect all users with a user risk policy",
            "Ensure all users can complete multifactor authentication for secure access",
            "Protect all users with a sign-in risk policy",
        ],
        "people's item stays first; then P1 by points (10, 7, 4.5), then P2 (7); never a completed, \
         unaligned or hygiene item"
    );
    let first: Vec<bool> =
        suggested["items"].as_array().unwrap().iter().map(|i| i["suggested"].as_bool().unwrap()).collect();
    assert_eq!(first, [false, true, true, true, true]);
    let again = json_of(p.app.post(&p.path("/suggest"), &p.eng.token, &json!({})).await).await;
    assert_eq!(titles(&again).len(), 5, "nothing left to suggest, nothing moved");
    let mfa = p.id("enabled for all users in administrative").await;
    assert_eq!(p.item(&mfa).await["status"], "planned", "on the plan means planned");
    let projection = &again["projection"];
    assert_eq!(projection["points_gained"], 33.5, "10 + 7 + 4.5 + 7 + 5");
    assert!(projection["projected_percent"].as_f64() > projection["today_percent"].as_f64());
}

#[tokio::test]
async fn every_warning_comes_from_its_own_crafted_condition() {
    let p = rated().await;
    let (mfa, user_risk, registration, azure) = (
        p.id("enabled for all users in administrative").await,
        p.id("user risk policy").await,
        p.id("all users can complete").await,
        p.id("Azure Management").await,
    );
    let day = |d: &str| json!(d);
    p.add(&mfa, json!({"owner_team": "Identity", "target_date": day("2026-12-15")})).await;
    p.add(&user_risk, json!({"owner_team": "Identity", "target_date": day("2027-01-20")})).await;
    p.add(&registration, json!({"target_date": day("2026-12-10")})).await;
    let plan = p.add(&azure, json!({"owner_team": "Cloud", "target_date": day("2026-12-01")})).await;
    let (mfa_item, registration_item) = (Plan::item_id(&plan, &mfa), Plan::item_id(&plan, &registration));
    let azure_item = Plan::item_id(&plan, &azure);
    // MFA for admins waits for the registration campaign, which finishes later; Azure waits for a budget line.
    let late = json!({"dependencies": [{"kind": "item", "on_item_id": registration_item}]});
    assert_eq!(p.patch(&mfa_item, late).await.status(), StatusCode::OK);
    let budget = json!({"dependencies": [{"kind": "budget", "description": "Entra P2 licences", "expected_date": "2026-12-20"}]});
    assert_eq!(p.patch(&azure_item, budget).await.status(), StatusCode::OK);
    // The registration campaign is high impact and only the IT manager approved it.
    assert_eq!(
        p.patch(&registration_item, json!({"user_impact": "high", "target_date": "2026-12-20"})).await.status(),
        StatusCode::OK
    );
    let approve = p
        .app
        .post(&p.path(&format!("/items/{registration_item}/approvals/it-manager")), &p.itm.token, &json!({}))
        .await;
    assert_eq!(approve.status(), StatusCode::OK);
    let by_ciso = p
        .app
        .post(&p.path(&format!("/items/{registration_item}/approvals/it-manager")), &p.ciso.token, &json!({}))
        .await;
    assert_eq!(by_ciso.status(), StatusCode::FORBIDDEN, "only an IT manager approves as IT manager");
    // The pilot of MFA for admins ran three days instead of seven.
    p.phase(&mfa_item, json!({"phase": "pilot", "started_on": "2026-11-23"})).await;
    let plan = p.phase(&mfa_item, json!({"phase": "early_adopters", "started_on": "2026-11-26"})).await;

    let mut codes: Vec<(String, Option<String>)> = plan["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["code"].as_str().unwrap().to_owned(), w["item_id"].as_str().map(str::to_owned)))
        .collect();
    codes.sort();
    let user_risk_item = Plan::item_id(&plan, &user_risk);
    let mut expected = vec![
        ("approval_missing".to_owned(), Some(registration_item.clone())),
        ("dependency_late".to_owned(), Some(azure_item.clone())),
        ("dependency_late".to_owned(), Some(mfa_item.clone())),
        ("no_owner".to_owned(), Some(registration_item.clone())),
        ("not_priority".to_owned(), Some(azure_item.clone())),
        ("phase_too_early".to_owned(), Some(mfa_item.clone())),
        ("plan_size".to_owned(), None),
        ("target_outside_quarter".to_owned(), Some(user_risk_item)),
    ];
    expected.sort();
    assert_eq!(codes, expected, "{}", plan["warnings"]);

    // The lead's approval clears the last approval warning.
    let lead = json!({"name": "Maria Papadopoulou (Sales)", "approved_on": "2026-11-24", "evidence_url": "https://contoso.sharepoint.com/cr/114"});
    let recorded =
        p.app.post(&p.path(&format!("/items/{registration_item}/approvals/business-lead")), &p.ciso.token, &lead).await;
    assert_eq!(recorded.status(), StatusCode::OK);
    let plan = json_of(recorded).await;
    assert!(!plan["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "approval_missing"));
}

#[tokio::test]
async fn a_dependency_cycle_is_refused_and_names_the_field() {
    let p = rated().await;
    let (a, b) = (p.id("enabled for all users in administrative").await, p.id("all users can complete").await);
    p.add(&a, json!({})).await;
    let plan = p.add(&b, json!({})).await;
    let (a_item, b_item) = (Plan::item_id(&plan, &a), Plan::item_id(&plan, &b));
    assert_eq!(
        p.patch(&a_item, json!({"dependencies": [{"kind": "item", "on_item_id": b_item}]})).await.status(),
        StatusCode::OK
    );
    let cycle = p.patch(&b_item, json!({"dependencies": [{"kind": "item", "on_item_id": a_item}]})).await;
    assert_eq!(cycle.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = json_of(cycle).await;
    assert_eq!(problem["errors"][0]["field"], "dependencies");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("cycle"));
}

#[tokio::test]
async fn phases_drive_statuses_done_waits_for_microsoft_and_the_baseline_shows_what_slipped() {
    let mut p = rated().await;
    let (mfa, dlp, azure) = (
        p.id("enabled for all users in administrative").await,
        p.id("DLP policies").await,
        p.id("Azure Management").await,
    );
    p.add(&mfa, json!({"owner_team": "Identity", "target_date": "2026-12-01"})).await;
    let plan = p.add(&dlp, json!({"owner_team": "Data", "target_date": "2026-12-05"})).await;
    assert_eq!(p.app.post(&p.path("/baseline"), &p.eng.token, &json!({})).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(p.app.post(&p.path("/baseline"), &p.itm.token, &json!({})).await.status(), StatusCode::OK);
    assert_eq!(p.app.post(&p.path("/baseline"), &p.itm.token, &json!({})).await.status(), StatusCode::CONFLICT);
    let mfa_item = Plan::item_id(&plan, &mfa);

    p.phase(&mfa_item, json!({"phase": "pilot", "notes": "CA-Pilot-Admins"})).await;
    assert_eq!(p.item(&mfa).await["status"], "in_progress");
    let rollback = json!({"rollback_plan": "Exclude the pilot group from the CA policy"});
    assert_eq!(p.patch(&mfa_item, rollback).await.status(), StatusCode::OK);
    let plan = p.phase(&mfa_item, json!({"phase": "done"})).await;
    let item = p.item(&mfa).await;
    assert_eq!((item["status"].as_str(), item["pending_confirmation"].as_bool()), (Some("completed"), Some(true)));
    let on_plan =
        plan["items"].as_array().unwrap().iter().find(|i| i["recommendation_id"] == mfa.as_str()).unwrap().clone();
    assert_eq!((on_plan["confirmed_by_microsoft"].as_bool(), on_plan["done_by"].as_str()), (Some(false), Some("eng")));
    let history = json_of(
        p.app.get(&format!("/api/v1/tenants/{}/audit?entity_id={mfa}&limit=50", p.tenant), &p.ciso.token).await,
    )
    .await;
    let evidence =
        history["items"].as_array().unwrap().iter().rev().find(|r| r["action"] == "set_status").unwrap()["comment"]
            .clone();
    assert!(evidence.as_str().unwrap().contains("Rollback: Exclude the pilot group"), "{evidence}");

    // After the baseline: Azure is added, DLP is taken off; by 6 December MFA is delivered, DLP slipped.
    p.add(&azure, json!({})).await;
    let plan = p.plan().await;
    let dlp_item = Plan::item_id(&plan, &dlp);
    let removed = p.app.delete(&p.path(&format!("/items/{dlp_item}")), &p.eng.token).await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert_eq!(p.item(&dlp).await["status"], "to_address", "off the plan, no longer planned");
    p.app.clock.set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 6, 9, 0, 0).unwrap());
    p.eng.token = p.app.token_for("eng", crate::helpers::USER_PASSWORD).await;
    let diff = json_of(p.app.get(&p.path("/baseline-diff"), &p.eng.token).await).await;
    let names = |key: &str| {
        diff[key].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(names("planned").len(), 2);
    assert_eq!(
        names("delivered"),
        ["Ensure multifactor authentication is enabled for all users in administrative roles"]
    );
    assert_eq!(names("slipped"), ["Ensure DLP policies are enabled"]);
    assert_eq!(names("removed"), ["Ensure DLP policies are enabled"]);
    assert_eq!(names("added"), ["Ensure ‘Microsoft Azure Management’ is limited to administrative roles"]);
    let changes = json_of(p.app.get(&p.path("/changes"), &p.eng.token).await).await;
    let logged: Vec<(&str, bool)> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["kind"].as_str().unwrap(), c["after_baseline"].as_bool().unwrap()))
        .collect();
    assert_eq!(logged[..3], [("add", false), ("add", false), ("lock_baseline", false)]);
    assert!(logged[3..].iter().all(|(_, after)| *after), "every later change is logged against the baseline");
    assert!(logged.contains(&("remove", true)) && logged.contains(&("phase", true)));
}
