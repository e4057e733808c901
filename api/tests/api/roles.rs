//! The role matrix and tenant isolation, generated from the served OpenAPI document: every operation must
//! declare its roles (as the scopes of its `bearer` requirement), and the server must enforce exactly those.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, json_of, spawn_app};

const ROLES: [&str; 5] = ["auditor", "engineer", "it_manager", "ciso", "admin"];
/// The only operations allowed to need no credentials.
const PUBLIC_OPERATIONS: [&str; 9] = [
    "login",
    "healthz",
    "readyz",
    "prometheus_metrics",
    "signing_key",
    "sso_status",
    "sso_start",
    "sso_callback",
    "sso_exchange",
];

struct Operation {
    method: Method,
    path: String,
    id: String,
    /// `None` for a public operation.
    roles: Option<Vec<String>>,
    body: Option<Value>,
}

fn operations(spec: &Value) -> Vec<Operation> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else { continue };
            let id = op["operationId"].as_str().unwrap().to_owned();
            let security = op.get("security").unwrap_or_else(|| panic!("{id} declares no security (no roles)"));
            let requirement = &security[0];
            let roles = if requirement.as_object().is_some_and(|o| o.is_empty()) {
                assert!(
                    PUBLIC_OPERATIONS.contains(&id.as_str()),
                    "{id} is declared public but is not in the public list"
                );
                None
            } else {
                let scopes = requirement["bearer"].as_array().unwrap_or_else(|| panic!("{id} has no bearer roles"));
                assert!(!scopes.is_empty(), "{id} declares an empty role list");
                Some(scopes.iter().map(|r| r.as_str().unwrap().to_owned()).collect())
            };
            let body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .and_then(|r| r.rsplit('/').next())
                .map(|name| spec["components"]["schemas"][name]["example"].clone());
            found.push(Operation { method, path: path.clone(), id, roles, body });
        }
    }
    assert!(found.len() >= 20, "the spec lists only {} operations", found.len());
    found
}

async fn spec(app: &TestApp) -> Value {
    json_of(app.get("/api/v1/openapi.json", "").await).await
}

/// Ids of real objects to put in paths.
struct Ids<'a> {
    tenant: &'a str,
    user: &'a str,
    token: &'a str,
    run: &'a str,
    recommendation: &'a str,
    entry: &'a str,
    item: &'a str,
    channel: &'a str,
    notification: &'a str,
    evidence: &'a str,
    identity: &'a str,
}

fn fill(path: &str, ids: &Ids<'_>) -> String {
    let filled = path
        .replace("{tenant_id}", ids.tenant)
        .replace("{user_id}", ids.user)
        .replace("{token_id}", ids.token)
        .replace("{run_id}", ids.run)
        .replace("{recommendation_id}", ids.recommendation)
        .replace("{entry_id}", ids.entry)
        .replace("{quarter}", "2026-Q4")
        .replace("{item_id}", ids.item)
        .replace("{alert_id}", "01900000-0000-7000-8000-000000000002")
        .replace("{channel_id}", ids.channel)
        .replace("{notification_id}", ids.notification)
        .replace("{framework}", "iso27001")
        .replace("{control_id}", "5.17")
        .replace("{evidence_id}", ids.evidence)
        .replace("{identity_id}", ids.identity)
        .replace("{actionId}", "AdminMFAV2")
        // No such write-back: allowed roles get 404, which the matrix accepts for writes.
        .replace("{write_back_id}", "01900000-0000-7000-8000-000000000001");
    assert!(!filled.contains('{'), "no test value for a parameter of {path}");
    filled
}

async fn call(app: &TestApp, op: &Operation, path: &str, token: &str) -> StatusCode {
    let mut request = app.request(op.method.clone(), path, token);
    if let Some(body) = &op.body {
        request = request.json(body);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn every_route_answers_401_403_or_success_exactly_as_its_declared_roles_say() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Tenant A").await;
    let mut tokens = Vec::new();
    for role in ROLES {
        tokens.push((role, app.member_of(&tenant, &format!("matrix-{}", role.replace('_', "-")), role).await.token));
    }
    let target = app.member_of(&tenant, "target", "engineer").await;
    let (token_id, _) = app.issue_token("engineer", &[&tenant]).await;
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    let run = json_of(app.upload(&tenant, &target.token, export, "text/csv").await).await;
    let run_id = run["id"].as_str().unwrap().to_owned();
    let recommendation = run["changes"][0]["id"].as_str().unwrap().to_owned();
    // Connectors exist (pointing nowhere), so reads of them are 200 and imports are queued.
    let nowhere = serde_json::json!({"azure_tenant_id": "contoso.onmicrosoft.com", "client_id": "c", "client_secret": "s",
        "login_base_url": "http://127.0.0.1:9", "graph_base_url": "http://127.0.0.1:9", "arm_base_url": "http://127.0.0.1:9",
        "subscription_ids": ["00000000-0000-0000-0000-0000000000aa"]});
    for kind in ["graph", "defender"] {
        let put = app
            .request(Method::PUT, &format!("/api/v1/tenants/{tenant}/connectors/{kind}"), &app.admin_token)
            .json(&nowhere)
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), StatusCode::OK);
    }
    // A register draft, so reads of it are 200; the steps' example bodies carry a stale version, so no call moves it.
    let proposal = serde_json::json!({"decision": "risk_acceptance", "recommendation_ids": [recommendation],
        "risk_description": "r", "business_justification": "b", "compensating_controls": "c", "residual_risk": "low"});
    let created = app.post(&format!("/api/v1/tenants/{tenant}/risk-acceptances"), &target.token, &proposal).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let entry = json_of(created).await["id"].as_str().unwrap().to_owned();
    // A plan for the quarter with one item and a locked baseline, so its reads are 200.
    let open =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?status=to_address"), &target.token).await)
            .await;
    let second = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .find(|id| *id != recommendation)
        .unwrap()
        .to_owned();
    let plan_path = format!("/api/v1/tenants/{tenant}/roadmaps/2026-Q4");
    let plan =
        app.post(&format!("{plan_path}/items"), &target.token, &serde_json::json!({"recommendation_id": second})).await;
    assert_eq!(plan.status(), StatusCode::OK);
    let item = json_of(plan).await["items"][0]["id"].as_str().unwrap().to_owned();
    let ciso = &tokens.iter().find(|(r, _)| *r == "ciso").unwrap().1;
    assert_eq!(app.post(&format!("{plan_path}/baseline"), ciso, &serde_json::json!({})).await.status(), StatusCode::OK);
    // An alert channel pointing nowhere (the discard port) and a test notification for it, so their reads are 200.
    let channel = crate::alert_channels::add_channel(
        &app,
        &tenant,
        crate::alert_channels::webhook("matrix", "http://127.0.0.1:9/hook", "a signing secret for the matrix"),
    )
    .await;
    let channel = channel["id"].as_str().unwrap().to_owned();
    let test = app
        .post(
            &format!("/api/v1/tenants/{tenant}/alert-channels/{channel}/test"),
            &app.admin_token,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(test.status(), StatusCode::ACCEPTED);
    let notification = json_of(test).await["id"].as_str().unwrap().to_owned();
    // A file as evidence, so its reads and its download are 200. The delete sends no body (its schema has no
    // example), so the admin's call is refused as unreadable and the file stays for the reads after it.
    let fields = [("title", "matrix"), ("target_kind", "recommendation"), ("target_id", recommendation.as_str())];
    let shot = crate::evidence::png("matrix");
    let uploaded = crate::evidence::upload(&app, &tenant, &target.token, shot, "image/png", "m.png", &fields).await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let evidence = json_of(uploaded).await["id"].as_str().unwrap().to_owned();
    // An external identity linked to the target, so reads of it are 200.
    let link = serde_json::json!({"issuer": "https://login.example.com/{tenantid}/v2.0", "tenant_id": "t-1", "object_id": "o-1"});
    let linked = app.post(&format!("/api/v1/users/{}/identities", target.id), &app.admin_token, &link).await;
    assert_eq!(linked.status(), StatusCode::CREATED);
    let identity = json_of(linked).await["id"].as_str().unwrap().to_owned();
    let ids = Ids {
        tenant: &tenant,
        user: &target.id,
        token: &token_id,
        run: &run_id,
        recommendation: &recommendation,
        entry: &entry,
        item: &item,
        channel: &channel,
        notification: &notification,
        evidence: &evidence,
        identity: &identity,
    };

    let mut failures = Vec::new();
    let mut ops = operations(&spec(&app).await);
    // Deletes last, so the reads of what they delete are checked first.
    ops.sort_by_key(|op| op.method == Method::DELETE);
    for op in ops {
        let path = fill(&op.path, &ids);
        let anonymous = call(&app, &op, &path, "").await;
        let Some(roles) = &op.roles else {
            // Public: no role can be refused. (Sign-in answers 401 to the example's made-up credentials.)
            if anonymous == StatusCode::FORBIDDEN || anonymous.is_server_error() {
                failures.push(format!("{} (public) answered {anonymous} without credentials", op.id));
            }
            continue;
        };
        if anonymous != StatusCode::UNAUTHORIZED {
            failures.push(format!("{} answered {anonymous} without credentials", op.id));
        }
        for (role, token) in &tokens {
            let status = call(&app, &op, &path, token).await;
            let allowed = roles.iter().any(|r| r == role);
            let ok = if !allowed {
                status == StatusCode::FORBIDDEN
            } else if op.method == Method::GET {
                status == StatusCode::OK
            } else {
                !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) && !status.is_server_error()
            };
            if !ok {
                let expectation = if allowed { "allowed" } else { "refused" };
                failures.push(format!("{} {} as {role} ({expectation}) answered {status}", op.method, op.id));
            }
        }
    }
    assert!(failures.is_empty(), "role matrix failures:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn a_member_of_tenant_a_gets_404_for_every_tenant_scoped_route_of_tenant_b() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let b = app.create_tenant("Tenant B").await;
    let other = app.member_of(&b, "b-engineer", "engineer").await;
    let mut principals = Vec::new();
    for role in ["auditor", "engineer", "it_manager", "ciso"] {
        principals
            .push((role.to_owned(), app.member_of(&a, &format!("a-{}", role.replace('_', "-")), role).await.token));
    }
    let (token_id, secret) = app.issue_token("auditor", &[&a]).await;
    principals.push(("service token".to_owned(), secret));
    let some_id = "01900000-0000-7000-8000-000000000000";
    let ids = Ids {
        tenant: &b,
        user: &other.id,
        token: &token_id,
        run: some_id,
        recommendation: some_id,
        entry: some_id,
        item: some_id,
        channel: some_id,
        notification: some_id,
        evidence: some_id,
        identity: some_id,
    };

    let mut failures = Vec::new();
    let ops: Vec<Operation> =
        operations(&spec(&app).await).into_iter().filter(|op| op.path.contains("{tenant_id}")).collect();
    assert!(ops.len() >= 15, "expected the tenant-scoped routes, found {}", ops.len());
    for op in &ops {
        let path = fill(&op.path, &ids);
        for (who, token) in &principals {
            let status = call(&app, op, &path, token).await;
            if status != StatusCode::NOT_FOUND {
                failures.push(format!("{} {} as {who} of A on B answered {status}", op.method, op.id));
            }
        }
    }
    assert!(failures.is_empty(), "isolation failures:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn a_tenant_that_does_not_exist_looks_exactly_like_one_you_may_not_see() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let b = app.create_tenant("Tenant B").await;
    let member = app.member_of(&a, "alice", "ciso").await;
    let hidden = json_of(app.get(&format!("/api/v1/tenants/{b}"), &member.token).await).await;
    let missing_id = "01900000-0000-7000-8000-000000000000";
    let missing = json_of(app.get(&format!("/api/v1/tenants/{missing_id}"), &member.token).await).await;
    assert_eq!(hidden, missing);
    assert_eq!(hidden["status"], 404);
}

#[tokio::test]
async fn the_tenant_list_shows_members_their_tenants_and_admins_all() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    app.create_tenant("Tenant B").await;
    let member = app.member_of(&a, "alice", "engineer").await;
    let mine = json_of(app.get("/api/v1/tenants", &member.token).await).await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], a.as_str());
    let all = json_of(app.get("/api/v1/tenants", &app.admin_token).await).await;
    assert_eq!(all["total"], 2);
}
