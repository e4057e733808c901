//! Graph write-back against the local stand-in: which statuses are written as which state, what is skipped,
//! retries with back-off on the injected clock, failures shown on the item and the connector, and retrying one.

use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

use crate::graph_stub::{GraphStub, StubControl, catalog_controls, count_requests};
use crate::helpers::{TestApp, json_of, spawn_app};

/// A tenant with an engineer, a Graph connector (write-back as given) and one Graph import done.
async fn setup(write_back: Value) -> (TestApp, GraphStub, String, String) {
    let mut app = spawn_app().await;
    let mut controls = catalog_controls(12);
    controls.push(StubControl {
        id: "scid_2010".into(),
        title: "Turn on Microsoft Defender Antivirus".into(),
        category: "Device".into(),
        max: 9.0,
        cost: "Low".into(),
        impact: "Low".into(),
        service: "MDATP".into(),
        achieved: Some(0.0),
        state: "Default".into(),
        score_only: false,
    });
    let stub = GraphStub::start(controls, 50).await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    put_connector(&app, &stub, &tenant, write_back).await;
    let response = app.post(&format!("/api/v1/tenants/{tenant}/imports/graph"), &engineer.token, &json!({})).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(app.wait_for_run(&location).await["outcome"], "succeeded");
    (app, stub, tenant, engineer.token)
}

async fn put_connector(app: &TestApp, stub: &GraphStub, tenant: &str, write_back: Value) {
    let mut body = stub.graph_connector();
    body["write_back"] = write_back;
    let response = app
        .request(Method::PUT, &format!("/api/v1/tenants/{tenant}/connectors/graph"), &app.admin_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
}

/// The item id of the control `external_id`.
async fn item_id(app: &TestApp, tenant: &str, external_id: &str) -> String {
    let list =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?limit=500"), &app.admin_token).await).await;
    let item = list["items"].as_array().unwrap().iter().find(|i| i["external_id"] == external_id).cloned();
    item.unwrap_or_else(|| panic!("no item {external_id}"))["id"].as_str().unwrap().to_owned()
}

async fn set_status(app: &TestApp, tenant: &str, token: &str, id: &str, body: Value) -> Value {
    let response = app
        .request(Method::PUT, &format!("/api/v1/tenants/{tenant}/recommendations/{id}/status"), token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    json_of(response).await
}

/// Waits (on finished jobs, never on a timer) until the item's newest write-back satisfies `done`.
async fn wait_for(app: &mut TestApp, tenant: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let token = app.admin_token.clone();
        let item = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{id}"), &token).await).await;
        let write_back = item["graph_write_back"].clone();
        if done(&write_back) {
            return write_back;
        }
        let waited = tokio::time::timeout_at(deadline, app.jobs_finished.changed()).await;
        assert!(waited.is_ok(), "the write-back never got there: {write_back}");
    }
}

fn patched_states(stub: &GraphStub) -> Vec<(String, String)> {
    stub.get(|s| s.patches.iter().map(|(id, body)| (id.clone(), body["state"].as_str().unwrap().to_owned())).collect())
}

async fn connector(app: &TestApp, tenant: &str) -> Value {
    json_of(app.get(&format!("/api/v1/tenants/{tenant}/connectors/graph"), &app.admin_token).await).await
}

#[tokio::test]
async fn statuses_are_written_as_microsofts_states_and_a_withdrawn_claim_is_reset() {
    let (mut app, stub, tenant, token) = setup(json!({"enabled": true})).await;
    let control = stub.get(|s| s.controls[1].id.clone());
    let id = item_id(&app, &tenant, &control).await;

    let item =
        set_status(&app, &tenant, &token, &id, json!({"status": "third_party", "note": "Mimecast covers it"})).await;
    // Queued in the same change (the runner may already have sent it by the time the answer is read).
    assert_eq!(item["graph_write_back"]["state"], "ThirdParty", "{item}");
    let sent = wait_for(&mut app, &tenant, &id, |w| w["outcome"] == "succeeded").await;
    assert_eq!((sent["state"].as_str(), sent["attempts"].as_i64()), (Some("ThirdParty"), Some(1)));
    let (patched_id, body) = stub.get(|s| s.patches[0].clone());
    assert_eq!(patched_id, control);
    assert_eq!(
        body["vendorInformation"],
        json!({"provider": "SecureScore", "providerVersion": null, "subProvider": null, "vendor": "Microsoft"})
    );
    assert_eq!(body["comment"], "Mimecast covers it (eng in scoregrc)");
    assert!(body.get("assignedTo").is_none(), "an assignment made in Microsoft's portal is left alone");

    set_status(&app, &tenant, &token, &id, json!({"status": "alternate_mitigation"})).await;
    wait_for(&mut app, &tenant, &id, |w| w["state"] == "Reviewed" && w["outcome"] == "succeeded").await;
    // The team moves on from the mitigation: the claim that earns points in Microsoft's eyes is withdrawn.
    set_status(&app, &tenant, &token, &id, json!({"status": "planned"})).await;
    let reset = wait_for(&mut app, &tenant, &id, |w| w["for_status"] == "planned" && w["outcome"] == "succeeded").await;
    assert_eq!(reset["state"], "Default");
    // Nothing more to withdraw: in_progress is not written.
    set_status(&app, &tenant, &token, &id, json!({"status": "in_progress"})).await;
    set_status(&app, &tenant, &token, &id, json!({"status": "to_address"})).await;
    wait_for(&mut app, &tenant, &id, |w| w["for_status"] == "to_address" && w["outcome"] == "succeeded").await;
    let states: Vec<String> = patched_states(&stub).into_iter().map(|(_, s)| s).collect();
    assert_eq!(states, ["ThirdParty", "Reviewed", "Default", "Default"]);
    assert_eq!(stub.get(|s| s.controls[1].state.clone()), "Default");

    let queue = &connector(&app, &tenant).await["write_back_queue"];
    assert_eq!((queue["queued"].as_u64(), queue["failed"].as_u64()), (Some(0), Some(0)), "{queue}");
    let trail =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?entity_id={id}&limit=500"), &app.admin_token).await)
            .await;
    let sends = trail["items"].as_array().unwrap().iter().filter(|r| r["action"] == "graph_write_back").count();
    assert_eq!(sends, 4, "every write that reached Microsoft is in the tenant's trail");
}

#[tokio::test]
async fn write_back_is_off_by_default_device_controls_are_skipped_and_the_mitigation_state_is_configurable() {
    let (mut app, stub, tenant, token) = setup(Value::Null).await;
    let control = stub.get(|s| s.controls[1].id.clone());
    let id = item_id(&app, &tenant, &control).await;
    let item = set_status(&app, &tenant, &token, &id, json!({"status": "third_party"})).await;
    assert_eq!(item["graph_write_back"], Value::Null);
    assert_eq!(count_requests(&stub, "PATCH"), 0, "off by default");

    put_connector(&app, &stub, &tenant, json!({"enabled": true, "alternate_mitigation_state": "AlternateMitigation"}))
        .await;
    let device = item_id(&app, &tenant, "scid_2010").await;
    let item = set_status(&app, &tenant, &token, &device, json!({"status": "third_party"})).await;
    let skipped = &item["graph_write_back"];
    assert_eq!(skipped["outcome"], "skipped");
    assert!(skipped["last_error"].as_str().unwrap().contains("device controls (scid_*)"), "{skipped}");

    set_status(&app, &tenant, &token, &id, json!({"status": "alternate_mitigation"})).await;
    wait_for(&mut app, &tenant, &id, |w| w["outcome"] == "succeeded").await;
    assert_eq!(patched_states(&stub), [(control, "AlternateMitigation".to_owned())]);
    assert_eq!(count_requests(&stub, "scid_2010"), 0, "a device control is never sent");

    let defender = json!({
        "azure_tenant_id": "contoso.onmicrosoft.com", "client_id": "c", "client_secret": "s",
        "subscription_ids": ["00000000-0000-0000-0000-0000000000aa"], "write_back": {"enabled": true},
    });
    let refused = app
        .request(Method::PUT, &format!("/api/v1/tenants/{tenant}/connectors/defender"), &app.admin_token)
        .json(&defender)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json_of(refused).await.to_string().contains("write_back.enabled"));
}

#[tokio::test]
async fn an_unavailable_graph_is_retried_with_back_off_until_it_answers() {
    let (mut app, stub, tenant, token) = setup(json!({"enabled": true})).await;
    let control = stub.get(|s| s.controls[1].id.clone());
    let id = item_id(&app, &tenant, &control).await;
    stub.set(|s| s.patch_unavailable = 1_000);

    set_status(&app, &tenant, &token, &id, json!({"status": "third_party"})).await;
    let waiting = wait_for(&mut app, &tenant, &id, |w| w["attempts"] == 1 && w["last_error"].is_string()).await;
    assert_eq!((waiting["outcome"].as_str(), waiting["last_http_status"].as_i64()), (Some("queued"), Some(503)));
    assert_eq!(waiting["next_attempt_at"], "2026-11-23T09:01:00Z", "one minute after the first failure");
    assert_eq!(connector(&app, &tenant).await["write_back_queue"]["queued"], 1);

    // Every attempt after that waits longer; the last one gives up and says so.
    for (attempt, wait_minutes) in [(2, 1), (3, 5), (4, 15), (5, 60), (6, 240)] {
        app.clock.advance(TimeDelta::minutes(wait_minutes));
        wait_for(&mut app, &tenant, &id, |w| w["attempts"] == attempt).await;
    }
    let failed = wait_for(&mut app, &tenant, &id, |w| w["outcome"] == "failed").await;
    assert!(failed["last_error"].as_str().unwrap().starts_with("gave up after 6 attempts"), "{failed}");
    let queue = &connector(&app, &tenant).await["write_back_queue"];
    assert_eq!((queue["queued"].as_u64(), queue["failed"].as_u64()), (Some(0), Some(1)), "{queue}");
    assert_eq!(queue["last_failure"]["control_id"], control.as_str());

    // Graph is back: the next status change goes through and the failure is no longer open.
    stub.set(|s| s.patch_unavailable = 0);
    set_status(&app, &tenant, &token, &id, json!({"status": "to_address"})).await;
    wait_for(&mut app, &tenant, &id, |w| w["outcome"] == "succeeded").await;
    assert_eq!(connector(&app, &tenant).await["write_back_queue"]["failed"], 0);
}

#[tokio::test]
async fn a_refused_write_back_fails_at_once_and_is_retried_by_a_person() {
    let (mut app, stub, tenant, token) = setup(json!({"enabled": true})).await;
    let control = stub.get(|s| s.controls[1].id.clone());
    let id = item_id(&app, &tenant, &control).await;
    stub.set(|s| s.patch_refusal = Some(403));

    set_status(&app, &tenant, &token, &id, json!({"status": "third_party"})).await;
    let failed = wait_for(&mut app, &tenant, &id, |w| w["outcome"] == "failed").await;
    assert_eq!((failed["attempts"].as_i64(), failed["last_http_status"].as_i64()), (Some(1), Some(403)));
    assert!(failed["last_error"].as_str().unwrap().contains("Insufficient privileges"), "{failed}");
    let listed =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/write-backs?outcome=failed"), &app.admin_token).await).await;
    assert_eq!(listed["total"], 1);

    let retry = format!("/api/v1/tenants/{tenant}/write-backs/{}/retry", failed["id"].as_str().unwrap());
    let auditor = app.member_of(&tenant, "audrey", "auditor").await;
    assert_eq!(app.post(&retry, &auditor.token, &json!({})).await.status(), StatusCode::FORBIDDEN);
    // Consent granted in Entra; the engineer retries.
    stub.set(|s| s.patch_refusal = None);
    let retried = app.post(&retry, &token, &json!({})).await;
    assert_eq!(retried.status(), StatusCode::OK);
    assert_eq!(json_of(retried).await["outcome"], "queued");
    let sent = wait_for(&mut app, &tenant, &id, |w| w["outcome"] == "succeeded").await;
    assert_eq!(sent["id"], failed["id"]);
    assert_eq!(app.post(&retry, &token, &json!({})).await.status(), StatusCode::CONFLICT, "it did not fail");
}

#[tokio::test]
async fn a_newer_status_supersedes_a_write_back_still_waiting() {
    let (mut app, stub, tenant, token) = setup(json!({"enabled": true})).await;
    let control = stub.get(|s| s.controls[1].id.clone());
    let id = item_id(&app, &tenant, &control).await;
    stub.set(|s| s.patch_unavailable = 1_000);
    set_status(&app, &tenant, &token, &id, json!({"status": "third_party"})).await;
    // The first attempt has failed (not merely started) and a retry waits.
    wait_for(&mut app, &tenant, &id, |w| w["attempts"] == 1 && w["last_error"].is_string()).await;

    stub.set(|s| s.patch_unavailable = 0);
    set_status(&app, &tenant, &token, &id, json!({"status": "to_address"})).await;
    wait_for(&mut app, &tenant, &id, |w| w["outcome"] == "succeeded").await;
    // The retry of the old one comes due and finds nothing to do.
    app.jobs_finished.borrow_and_update();
    app.clock.advance(TimeDelta::minutes(2));
    let ran = tokio::time::timeout(Duration::from_secs(30), app.jobs_finished.changed()).await;
    assert!(ran.is_ok(), "the old retry's job ran");
    let list = json_of(
        app.get(&format!("/api/v1/tenants/{tenant}/write-backs?recommendation_id={id}"), &app.admin_token).await,
    )
    .await;
    let outcomes: Vec<(&str, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["state"].as_str().unwrap(), w["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes, [("Default", "succeeded"), ("ThirdParty", "superseded")]);
    assert_eq!(patched_states(&stub), [(control, "Default".to_owned())], "the stale state is never written");
}

#[tokio::test]
async fn an_approved_acceptance_is_written_as_ignored_with_the_entry_and_revocation_resets_it() {
    let (mut app, stub, tenant, token) = setup(json!({"enabled": true})).await;
    let control = stub.get(|s| s.controls[1].id.clone());
    let id = item_id(&app, &tenant, &control).await;
    let itm = app.member_of(&tenant, "itm", "it_manager").await;
    let ciso = app.member_of(&tenant, "ciso", "ciso").await;
    let proposal = json!({"decision": "risk_acceptance", "recommendation_ids": [id], "risk_description": "r",
        "business_justification": "b", "compensating_controls": "c", "residual_risk": "medium"});
    let entry = json_of(app.post(&format!("/api/v1/tenants/{tenant}/risk-acceptances"), &token, &proposal).await).await;
    let path = format!("/api/v1/tenants/{tenant}/risk-acceptances/{}", entry["id"].as_str().unwrap());
    let mut version = entry["version"].clone();
    for (who, step, body) in [
        (&token, "submit", json!({})),
        (&itm.token, "review", json!({"business_context": "accepted for one year"})),
        (&ciso.token, "approve", json!({})),
    ] {
        let mut body = body;
        body["version"] = version;
        let response = app.post(&format!("{path}/{step}"), who, &body).await;
        assert_eq!(response.status(), StatusCode::OK, "{step}");
        version = json_of(response).await["version"].clone();
    }
    let sent = wait_for(&mut app, &tenant, &id, |w| w["state"] == "Ignored" && w["outcome"] == "succeeded").await;
    let comment = sent["comment"].as_str().unwrap();
    assert!(comment.contains("RA-0001") && comment.contains("approved by ciso"), "{comment}");
    assert_eq!(stub.get(|s| s.controls[1].state.clone()), "Ignored");

    let revoke =
        app.post(&format!("{path}/revoke"), &ciso.token, &json!({"version": version, "reason": "fixed"})).await;
    assert_eq!(revoke.status(), StatusCode::OK);
    wait_for(&mut app, &tenant, &id, |w| w["state"] == "Default" && w["outcome"] == "succeeded").await;
    assert_eq!(patched_states(&stub), [(control.clone(), "Ignored".to_owned()), (control, "Default".to_owned())]);
}
