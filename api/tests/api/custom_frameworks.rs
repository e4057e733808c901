//! A tenant's own frameworks: created by a CISO or admin, used like a shipped one (mappings, audit scope,
//! coverage) by that tenant only, versioned and audited; shipped catalogs stay read-only.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, spawn_app};

fn acme(key: &str) -> Value {
    json!({
        "key": key,
        "name": "ACME information security policy",
        "description": "Our own control set.",
        "controls": [
            {"control_id": "AC-1", "title": "Access policy", "theme": "Access"},
            {"control_id": "AC-2", "display_id": "AC 2", "title": "Account management", "description": "Reviewed quarterly."},
            {"control_id": "LOG-1", "title": "Sign-in logging"},
        ],
    })
}

async fn send(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> Response {
    let mut request = app.request(method, path, token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// Imports the fixture export into `tenant` and answers the id of its AdminMFAV2 item.
async fn import(app: &TestApp, tenant: &str, token: &str) -> String {
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    assert_eq!(app.upload(tenant, token, export, "text/csv").await.status(), StatusCode::CREATED);
    let list = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?q=AdminMFAV2"), token).await).await;
    list["items"][0]["id"].as_str().unwrap().to_owned()
}

fn keys(list: &Value) -> Vec<(String, String)> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["key"].as_str().unwrap().to_owned(), f["kind"].as_str().unwrap().to_owned()))
        .collect()
}

fn field_errors(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_tenants_own_framework_works_like_a_shipped_one_for_that_tenant_and_no_other() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let b = app.create_tenant("Tenant B").await;
    let ciso_a = app.member_of(&a, "ciso-a", "ciso").await;
    let engineer_a = app.member_of(&a, "eng-a", "engineer").await;
    let ciso_b = app.member_of(&b, "ciso-b", "ciso").await;
    let engineer_b = app.member_of(&b, "eng-b", "engineer").await;

    let base_a = format!("/api/v1/tenants/{a}/frameworks");
    let refused = app.post(&base_a, &engineer_a.token, &acme("acme-policy")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let created = app.post(&base_a, &ciso_a.token, &acme("acme-policy")).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("{base_a}/acme-policy"));
    let created = json_of(created).await;
    assert_eq!((created["kind"].as_str(), created["version"].as_i64()), (Some("custom"), Some(1)));
    assert_eq!(created["controls"][1]["display_id"], "AC 2");
    assert_eq!(created["controls"][2]["display_id"], "LOG-1", "the id when no display id is given");

    // A's members see the shipped catalogs and A's own; B's and the global list do not see it.
    let seen_by_a = json_of(app.get(&base_a, &engineer_a.token).await).await;
    let expected: Vec<(String, String)> =
        [("gdpr", "shipped"), ("iso27001", "shipped"), ("nis2", "shipped"), ("acme-policy", "custom")]
            .iter()
            .map(|(k, s)| ((*k).to_owned(), (*s).to_owned()))
            .collect();
    assert_eq!(keys(&seen_by_a), expected);
    assert_eq!(seen_by_a["items"][3]["controls"], 3);
    assert_eq!(json_of(app.get(&format!("/api/v1/tenants/{b}/frameworks"), &ciso_b.token).await).await["total"], 3);
    let hidden = app.get(&format!("/api/v1/tenants/{b}/frameworks/acme-policy"), &ciso_b.token).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let global = json_of(app.get("/api/v1/frameworks", &ciso_a.token).await).await;
    assert_eq!(global.as_array().unwrap().len(), 3, "the global list stays shipped-only");
    assert_eq!(app.get("/api/v1/frameworks/acme-policy/controls", &ciso_a.token).await.status(), StatusCode::NOT_FOUND);

    // Mapping: A maps an item to its own control; B cannot name A's framework.
    let item_a = import(&app, &a, &engineer_a.token).await;
    let item_b = import(&app, &b, &engineer_b.token).await;
    let mapped = app
        .post(
            &format!("/api/v1/tenants/{a}/recommendations/{item_a}/mappings"),
            &engineer_a.token,
            &json!({"framework": "acme-policy", "control_id": "AC-2", "reason": "admin accounts"}),
        )
        .await;
    assert_eq!(mapped.status(), StatusCode::OK);
    let mapped = json_of(mapped).await;
    let own = mapped["mappings"].as_array().unwrap().iter().find(|m| m["framework"] == "acme-policy").unwrap().clone();
    assert_eq!(
        (own["control_id"].as_str(), own["display_id"].as_str(), own["source"].as_str()),
        (Some("AC-2"), Some("AC 2"), Some("manual"))
    );
    let foreign = app
        .post(
            &format!("/api/v1/tenants/{b}/recommendations/{item_b}/mappings"),
            &engineer_b.token,
            &json!({"framework": "acme-policy", "control_id": "AC-2"}),
        )
        .await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);

    // Coverage: A reads its framework's coverage; for B it does not exist.
    let coverage =
        json_of(app.get(&format!("/api/v1/tenants/{a}/coverage/acme-policy"), &engineer_a.token).await).await;
    assert_eq!((coverage["totals"]["controls"].as_u64(), coverage["totals"]["gap"].as_u64()), (Some(3), Some(1)));
    let ac2 = coverage["controls"].as_array().unwrap().iter().find(|c| c["control_id"] == "AC-2").unwrap().clone();
    assert_eq!((ac2["mapped"].as_u64(), ac2["items"][0]["id"].as_str()), (Some(1), Some(item_a.as_str())));
    let coverage_b = app.get(&format!("/api/v1/tenants/{b}/coverage/acme-policy"), &engineer_b.token).await;
    assert_eq!(coverage_b.status(), StatusCode::NOT_FOUND);

    // Audit scope: A may scope on its framework alone, and then only the item mapped to it is aligned.
    let scope = json!({"frameworks": ["acme-policy"]});
    let scoped =
        send(&app, Method::PUT, &format!("/api/v1/tenants/{a}/audit-scope"), &ciso_a.token, Some(scope.clone())).await;
    assert_eq!(scoped.status(), StatusCode::OK);
    let items =
        json_of(app.get(&format!("/api/v1/tenants/{a}/recommendations?limit=500"), &engineer_a.token).await).await;
    let aligned: Vec<&str> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["regulatory_alignment"] == true)
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(aligned, [item_a.as_str()]);
    let scope_b =
        send(&app, Method::PUT, &format!("/api/v1/tenants/{b}/audit-scope"), &ciso_b.token, Some(scope)).await;
    assert_eq!(scope_b.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&json_of(scope_b).await), ["frameworks[0]"]);

    // Keys are per tenant: B may have an `acme-policy` of its own, which A never sees.
    let mut own_b = acme("acme-policy");
    own_b["controls"] = json!([{"control_id": "B-1", "title": "B's only control"}]);
    assert_eq!(
        app.post(&format!("/api/v1/tenants/{b}/frameworks"), &ciso_b.token, &own_b).await.status(),
        StatusCode::CREATED
    );
    let coverage_b =
        json_of(app.get(&format!("/api/v1/tenants/{b}/coverage/acme-policy"), &engineer_b.token).await).await;
    assert_eq!((coverage_b["totals"]["controls"].as_u64(), coverage_b["totals"]["gap"].as_u64()), (Some(1), Some(0)));
    let still_a = json_of(app.get(&format!("{base_a}/acme-policy"), &engineer_a.token).await).await;
    assert_eq!(still_a["controls"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn shipped_frameworks_are_read_only_and_invalid_input_names_the_field() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let ciso = app.member_of(&tenant, "ciso", "ciso").await;
    let base = format!("/api/v1/tenants/{tenant}/frameworks");

    let taken = app.post(&base, &ciso.token, &acme("iso27001")).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert!(json_of(taken).await["detail"].as_str().unwrap().contains("shipped framework"));
    let writes = [
        (Method::PATCH, format!("{base}/iso27001"), Some(json!({"name": "Mine now"}))),
        (Method::DELETE, format!("{base}/iso27001"), None),
        (Method::POST, format!("{base}/iso27001/controls"), Some(json!({"control_id": "5.99", "title": "Extra"}))),
        (Method::PATCH, format!("{base}/iso27001/controls/5.17"), Some(json!({"retired": true}))),
    ];
    for (method, path, body) in writes {
        let response = send(&app, method.clone(), &path, &ciso.token, body).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "{method} {path}");
        let problem = json_of(response).await;
        assert_eq!(problem["type"], "urn:scoregrc:problem:conflict");
        assert!(problem["detail"].as_str().unwrap().contains("read-only"), "{problem}");
    }
    let iso = json_of(app.get(&format!("{base}/iso27001"), &ciso.token).await).await;
    assert_eq!((iso["kind"].as_str(), iso["name"].as_str()), (Some("shipped"), Some("ISO/IEC 27001:2022 Annex A")));
    assert!(iso["controls"].as_array().unwrap().iter().all(|c| c["retired"] == false));

    // Validation: every field at fault, by position.
    let mut bad = acme("acme");
    bad["controls"] = json!([
        {"control_id": "AC-1", "title": "One"},
        {"control_id": "AC-2", "title": "Two"},
        {"control_id": "ac-1", "title": "Three"},
        {"control_id": "AC 4", "title": ""},
    ]);
    bad["name"] = json!("n".repeat(201));
    let refused = app.post(&base, &ciso.token, &bad).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = json_of(refused).await;
    assert_eq!(
        field_errors(&problem),
        ["name", "controls[2].control_id", "controls[3].control_id", "controls[3].title"]
    );
    let too_many: Vec<Value> = (0..501).map(|i| json!({"control_id": format!("C-{i}"), "title": "t"})).collect();
    let mut big = acme("acme");
    big["controls"] = Value::Array(too_many);
    assert_eq!(field_errors(&json_of(app.post(&base, &ciso.token, &big).await).await), ["controls"]);
    let bad_key = app.post(&base, &ciso.token, &acme("ACME Policy")).await;
    assert_eq!(field_errors(&json_of(bad_key).await), ["key"]);

    assert_eq!(app.post(&base, &ciso.token, &acme("acme")).await.status(), StatusCode::CREATED);
    let again = app.post(&base, &ciso.token, &acme("acme")).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(json_of(again).await["detail"].as_str().unwrap().contains("another framework of this tenant"));
    let nothing = send(&app, Method::PATCH, &format!("{base}/acme/controls/AC-1"), &ciso.token, Some(json!({}))).await;
    assert_eq!(field_errors(&json_of(nothing).await), ["body"]);
    let missing =
        send(&app, Method::PATCH, &format!("{base}/acme/controls/ZZ-9"), &ciso.token, Some(json!({"title": "x"})))
            .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn controls_are_added_changed_retired_and_restored_under_versions_and_every_write_is_audited() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let admin = app.member_of(&tenant, "platform-admin", "admin").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let base = format!("/api/v1/tenants/{tenant}/frameworks");
    assert_eq!(app.post(&base, &admin.token, &acme("acme")).await.status(), StatusCode::CREATED);

    let added = app
        .post(
            &format!("{base}/acme/controls"),
            &admin.token,
            &json!({"control_id": "AC-3", "title": "Privileged access", "version": 1}),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    assert_eq!(added.headers()["location"].to_str().unwrap(), format!("{base}/acme"));
    let added = json_of(added).await;
    assert_eq!((added["version"].as_i64(), added["controls"][3]["control_id"].as_str()), (Some(2), Some("AC-3")));
    let duplicate = app
        .post(&format!("{base}/acme/controls"), &admin.token, &json!({"control_id": "ac-3", "title": "Again"}))
        .await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);

    let stale = app
        .request(Method::PATCH, &format!("{base}/acme/controls/AC-3"), &admin.token)
        .header("If-Match", "\"1\"")
        .json(&json!({"title": "Privileged access review"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(json_of(stale).await["current_version"], 2);
    let changed = app
        .request(Method::PATCH, &format!("{base}/acme/controls/AC-3"), &admin.token)
        .header("If-Match", "\"2\"")
        .json(&json!({"title": "Privileged access review", "theme": "Access"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let changed = json_of(changed).await;
    assert_eq!(
        (changed["version"].as_i64(), changed["controls"][3]["title"].as_str()),
        (Some(3), Some("Privileged access review"))
    );

    // Retired: kept and marked, out of coverage, no new mappings; restored: back in.
    let retired = json_of(
        send(
            &app,
            Method::PATCH,
            &format!("{base}/acme/controls/AC-1"),
            &admin.token,
            Some(json!({"retired": true, "version": 3})),
        )
        .await,
    )
    .await;
    assert_eq!((retired["version"].as_i64(), retired["controls"][0]["retired"].as_bool()), (Some(4), Some(true)));
    let listed = json_of(app.get(&base, &engineer.token).await).await;
    assert_eq!(listed["items"][3]["controls"], 3, "in force: AC-2, LOG-1, AC-3");
    let item = import(&app, &tenant, &engineer.token).await;
    let coverage = json_of(app.get(&format!("/api/v1/tenants/{tenant}/coverage/acme"), &engineer.token).await).await;
    assert_eq!(coverage["totals"]["controls"], 3);
    assert!(coverage["controls"].as_array().unwrap().iter().all(|c| c["control_id"] != "AC-1"));
    let mappings = format!("/api/v1/tenants/{tenant}/recommendations/{item}/mappings");
    let to_retired = app.post(&mappings, &engineer.token, &json!({"framework": "acme", "control_id": "AC-1"})).await;
    assert_eq!(to_retired.status(), StatusCode::CONFLICT);
    send(&app, Method::PATCH, &format!("{base}/acme/controls/AC-1"), &admin.token, Some(json!({"retired": false})))
        .await;
    assert_eq!(
        app.post(&mappings, &engineer.token, &json!({"framework": "acme", "control_id": "AC-1"})).await.status(),
        StatusCode::OK
    );

    let renamed = send(
        &app,
        Method::PATCH,
        &format!("{base}/acme"),
        &admin.token,
        Some(json!({"name": "ACME policy 2027", "description": "", "version": 5})),
    )
    .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let renamed = json_of(renamed).await;
    assert_eq!(
        (renamed["name"].as_str(), renamed["description"].as_str(), renamed["version"].as_i64()),
        (Some("ACME policy 2027"), None, Some(6))
    );

    let trail =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?entity=framework"), &app.admin_token).await).await;
    let actions: Vec<&str> = trail["items"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    let mut sorted = actions.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        ["add_control", "create", "restore_control", "retire_control", "update", "update_control"],
        "{actions:?}"
    );
    assert!(trail["items"].as_array().unwrap().iter().all(|r| r["actor_name"] == "platform-admin"));
}

#[tokio::test]
async fn a_framework_in_use_is_archived_not_deleted_and_an_unused_one_is_deleted() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let ciso = app.member_of(&tenant, "ciso", "ciso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let base = format!("/api/v1/tenants/{tenant}/frameworks");
    app.post(&base, &ciso.token, &acme("acme")).await;
    let item = import(&app, &tenant, &engineer.token).await;
    let mappings = format!("/api/v1/tenants/{tenant}/recommendations/{item}/mappings");
    app.post(&mappings, &engineer.token, &json!({"framework": "acme", "control_id": "LOG-1"})).await;
    let scope_path = format!("/api/v1/tenants/{tenant}/audit-scope");
    send(&app, Method::PUT, &scope_path, &ciso.token, Some(json!({"frameworks": ["iso27001", "acme"]}))).await;

    let in_use = app.delete(&format!("{base}/acme"), &ciso.token).await;
    assert_eq!(in_use.status(), StatusCode::CONFLICT);
    assert!(json_of(in_use).await["detail"].as_str().unwrap().contains("audit scope"));
    let in_scope =
        send(&app, Method::PATCH, &format!("{base}/acme"), &ciso.token, Some(json!({"archived": true}))).await;
    assert_eq!(in_scope.status(), StatusCode::CONFLICT);
    send(&app, Method::PUT, &scope_path, &ciso.token, Some(json!({"frameworks": ["iso27001"]}))).await;
    let mapped = app.delete(&format!("{base}/acme"), &ciso.token).await;
    assert_eq!(mapped.status(), StatusCode::CONFLICT);
    assert!(json_of(mapped).await["detail"].as_str().unwrap().contains("Archive it instead"));

    let archived =
        json_of(send(&app, Method::PATCH, &format!("{base}/acme"), &ciso.token, Some(json!({"archived": true}))).await)
            .await;
    assert_eq!(archived["archived"], true);
    // Readable with its mappings and coverage; closed to new mappings, control edits and the audit scope.
    let after =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{item}"), &engineer.token).await).await;
    assert!(
        after["mappings"].as_array().unwrap().iter().any(|m| m["framework"] == "acme" && m["control_id"] == "LOG-1")
    );
    assert_eq!(
        app.get(&format!("/api/v1/tenants/{tenant}/coverage/acme"), &engineer.token).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.post(&mappings, &engineer.token, &json!({"framework": "acme", "control_id": "AC-1"})).await.status(),
        StatusCode::CONFLICT
    );
    let edit =
        send(&app, Method::PATCH, &format!("{base}/acme/controls/AC-1"), &ciso.token, Some(json!({"title": "x"})))
            .await;
    assert_eq!(edit.status(), StatusCode::CONFLICT);
    let scope = send(&app, Method::PUT, &scope_path, &ciso.token, Some(json!({"frameworks": ["acme"]}))).await;
    assert_eq!(scope.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Removing the mapping is still possible.
    let removed = app.delete(&format!("{mappings}/acme/LOG-1"), &engineer.token).await;
    assert_eq!(removed.status(), StatusCode::OK);
    let restored = json_of(
        send(&app, Method::PATCH, &format!("{base}/acme"), &ciso.token, Some(json!({"archived": false}))).await,
    )
    .await;
    assert_eq!(restored["archived"], false);

    // Unused now: deleted, with a stale version refused first.
    let stale =
        app.request(Method::DELETE, &format!("{base}/acme"), &ciso.token).header("If-Match", "1").send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(app.delete(&format!("{base}/acme"), &ciso.token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("{base}/acme"), &ciso.token).await.status(), StatusCode::NOT_FOUND);
    let trail =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?entity=framework"), &app.admin_token).await).await;
    let deleted = trail["items"].as_array().unwrap().iter().find(|r| r["action"] == "delete").unwrap().clone();
    assert_eq!(deleted["before"]["controls"].as_array().unwrap().len(), 3, "the trail keeps what it held");
}
