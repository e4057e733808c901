//! Rating items and where that places them: buckets follow the rating and the regulatory alignment at once.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_of, spawn_app};

async fn imported() -> (TestApp, String, String) {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    assert_eq!(app.upload(&tenant, &engineer.token, export, "text/csv").await.status(), StatusCode::CREATED);
    (app, tenant, engineer.token)
}

async fn find(app: &TestApp, tenant: &str, token: &str, query: &str) -> Value {
    let list = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?{query}"), token).await).await;
    list["items"][0].clone()
}

async fn rate(app: &TestApp, tenant: &str, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.request(Method::PUT, &format!("/api/v1/tenants/{tenant}/recommendations/{id}/rating"), token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_item_is_unrated_until_both_axes_are_set_then_bucketed_by_the_rule_that_matched() {
    let (app, tenant, token) = imported().await;
    let mfa = find(&app, &tenant, &token, "q=AdminMFAV2").await;
    let id = mfa["id"].as_str().unwrap();
    assert_eq!((mfa["bucket"].as_str(), mfa["bucket_rule"].as_str()), (Some("unrated"), None));
    assert_eq!(mfa["regulatory_alignment"], true, "AdminMFAV2 maps to ISO 27001 and NIS2");
    assert_eq!(mfa["suggested_rating"]["risk_reduction"], "high", "worth 10 points");

    let half = json_of(rate(&app, &tenant, &token, id, json!({"risk_reduction": "high"})).await).await;
    assert_eq!(half["bucket"], "unrated");
    let rated = rate(
        &app,
        &tenant,
        &token,
        id,
        json!({"risk_reduction": "high", "implementation_effort": "low", "note": "table stakes", "version": 1}),
    )
    .await;
    assert_eq!(rated.status(), StatusCode::OK);
    let rated = json_of(rated).await;
    assert_eq!(
        (rated["bucket"].as_str(), rated["bucket_rule"].as_str(), rated["quick_win"].as_bool()),
        (Some("P1"), Some("quick-win"), Some(true))
    );
    assert_eq!((rated["rating"]["rated_by"].as_str(), rated["rating"]["version"].as_i64()), (Some("eng"), Some(2)));

    let bigger = json_of(
        rate(&app, &tenant, &token, id, json!({"risk_reduction": "high", "implementation_effort": "high"})).await,
    )
    .await;
    assert_eq!((bigger["bucket"].as_str(), bigger["bucket_rule"].as_str()), (Some("P2"), Some("big-project")));
}

#[tokio::test]
async fn an_item_mapped_to_nothing_in_scope_lands_in_the_backlog_even_as_a_quick_win() {
    let (app, tenant, token) = imported().await;
    let custom = find(&app, &tenant, &token, "unmatched=true").await;
    assert_eq!(custom["regulatory_alignment"], false);
    let rated = json_of(
        rate(
            &app,
            &tenant,
            &token,
            custom["id"].as_str().unwrap(),
            json!({"risk_reduction": "high", "implementation_effort": "low"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (rated["bucket"].as_str(), rated["bucket_rule"].as_str(), rated["quick_win"].as_bool()),
        (Some("P4"), Some("backlog"), Some(false))
    );
}

#[tokio::test]
async fn a_stale_rating_is_refused_and_every_change_is_in_the_trail() {
    let (app, tenant, token) = imported().await;
    let id = find(&app, &tenant, &token, "q=AdminMFAV2").await["id"].as_str().unwrap().to_owned();
    rate(&app, &tenant, &token, &id, json!({"risk_reduction": "medium", "implementation_effort": "low"})).await;
    let stale = rate(
        &app,
        &tenant,
        &token,
        &id,
        json!({"risk_reduction": "high", "implementation_effort": "low", "version": 0}),
    )
    .await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let bad = rate(&app, &tenant, &token, &id, json!({"risk_reduction": "extreme"})).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let trail =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?entity=rating"), &app.admin_token).await).await;
    assert_eq!(trail["total"], 1);
    assert_eq!(trail["items"][0]["after"], json!({"risk_reduction": "medium", "implementation_effort": "low"}));
}

#[tokio::test]
async fn auditors_may_read_ratings_but_not_rate() {
    let (app, tenant, token) = imported().await;
    let auditor = app.member_of(&tenant, "aud", "auditor").await;
    let id = find(&app, &tenant, &token, "q=AdminMFAV2").await["id"].as_str().unwrap().to_owned();
    let refused =
        rate(&app, &tenant, &auditor.token, &id, json!({"risk_reduction": "high", "implementation_effort": "low"}))
            .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_rating_made_on_an_unmatched_item_survives_its_merge() {
    let (app, tenant, token) = imported().await;
    let custom = find(&app, &tenant, &token, "unmatched=true").await["id"].as_str().unwrap().to_owned();
    rate(
        &app,
        &tenant,
        &token,
        &custom,
        json!({"risk_reduction": "low", "implementation_effort": "high", "note": "rated before we knew its id"}),
    )
    .await;
    let path = format!("/api/v1/tenants/{tenant}/recommendations/{custom}/external-id");
    let merged = json_of(
        app.request(Method::PUT, &path, &token).json(&json!({"external_id": "AdminMFAV2"})).send().await.unwrap(),
    )
    .await;
    assert_eq!(merged["external_id"], "AdminMFAV2");
    assert_eq!(
        (merged["rating"]["risk_reduction"].as_str(), merged["rating"]["implementation_effort"].as_str()),
        (Some("low"), Some("high"))
    );
}

#[tokio::test]
async fn a_scope_change_flips_alignment_and_buckets_at_once() {
    let (app, tenant, token) = imported().await;
    let file = b"Recommended action,Points achieved\nSet a honeytoken account,0/1\n".to_vec();
    assert_eq!(app.upload(&tenant, &token, file, "text/csv").await.status(), StatusCode::CREATED);
    let honeytoken = find(&app, &tenant, &token, "q=honeytoken").await;
    assert_eq!(honeytoken["external_id"], "AATP_HoneyToken");
    let id = honeytoken["id"].as_str().unwrap();
    let rated = json_of(
        rate(&app, &tenant, &token, id, json!({"risk_reduction": "high", "implementation_effort": "low"})).await,
    )
    .await;
    assert_eq!(rated["bucket"], "P1", "maps to ISO A.8.16 and NIS2 21(2)(b)");

    let ciso = app.member_of(&tenant, "cis", "ciso").await;
    let path = format!("/api/v1/tenants/{tenant}/audit-scope");
    let engineer_refused =
        app.request(Method::PUT, &path, &token).json(&json!({"frameworks": ["gdpr"]})).send().await.unwrap();
    assert_eq!(engineer_refused.status(), StatusCode::FORBIDDEN);
    let unknown =
        app.request(Method::PUT, &path, &ciso.token).json(&json!({"frameworks": ["sox"]})).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let scoped = app
        .request(Method::PUT, &path, &ciso.token)
        .json(&json!({"frameworks": ["gdpr"], "version": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(scoped.status(), StatusCode::OK);
    assert_eq!(json_of(scoped).await["version"], 1);

    let after = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{id}"), &token).await).await;
    assert_eq!((after["regulatory_alignment"].as_bool(), after["bucket"].as_str()), (Some(false), Some("P4")));
    let in_p4 = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?bucket=P4"), &token).await).await;
    assert_eq!(in_p4["total"], 1);
}

#[tokio::test]
async fn a_rule_table_that_leaves_a_combination_unplaced_is_refused_and_a_valid_one_rebuckets() {
    let (app, tenant, token) = imported().await;
    let ciso = app.member_of(&tenant, "cis", "ciso").await;
    let id = find(&app, &tenant, &token, "q=AdminMFAV2").await["id"].as_str().unwrap().to_owned();
    rate(&app, &tenant, &token, &id, json!({"risk_reduction": "high", "implementation_effort": "low"})).await;
    let path = format!("/api/v1/tenants/{tenant}/priority-rules");
    let defaults = json_of(app.get(&path, &token).await).await;
    assert_eq!((defaults["version"].as_i64(), defaults["rules"].as_array().map(Vec::len)), (Some(0), Some(4)));

    let incomplete = json!({"rules": [{"name": "only-quick-wins", "bucket": "P1", "risk": ["high"], "effort": ["low"], "aligned": true}]});
    let refused = app.request(Method::PUT, &path, &ciso.token).json(&incomplete).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json_of(refused).await["detail"].as_str().unwrap().contains("risk low, effort high, not aligned"));

    let everything_p2 = json!({"rules": [{"name": "all-hands", "bucket": "P2", "risk": [], "effort": [], "aligned": null}], "version": 0});
    let accepted =
        json_of(app.request(Method::PUT, &path, &ciso.token).json(&everything_p2).send().await.unwrap()).await;
    assert_eq!(accepted["version"], 1);
    let item = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{id}"), &token).await).await;
    assert_eq!((item["bucket"].as_str(), item["bucket_rule"].as_str()), (Some("P2"), Some("all-hands")));
    let summary = json_of(app.get(&format!("/api/v1/tenants/{tenant}/priorities/summary"), &token).await).await;
    assert_eq!(summary[1], json!({"bucket": "P2", "items": 1, "points_available": 10.0}));
    assert_eq!(summary[4]["bucket"], "unrated");
    assert_eq!(summary[4]["items"], 9);
    let sorted =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?sort=bucket&limit=1"), &token).await).await;
    assert_eq!(sorted["items"][0]["id"], id.as_str(), "rated items come before unrated ones");
}

#[tokio::test]
async fn many_items_are_rated_in_one_transaction_with_one_audit_row() {
    let (app, tenant, token) = imported().await;
    let list = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?limit=3"), &token).await).await;
    let ids: Vec<String> =
        list["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    let path = format!("/api/v1/tenants/{tenant}/ratings");
    let mut items: Vec<Value> =
        ids.iter().map(|id| json!({"id": id, "risk_reduction": "medium", "implementation_effort": "low"})).collect();
    items.push(
        json!({"id": "01900000-0000-7000-8000-000000000000", "risk_reduction": "low", "implementation_effort": "low"}),
    );
    let refused = app.request(Method::PUT, &path, &token).json(&json!({"items": items})).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let untouched =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{}", ids[0]), &token).await).await;
    assert_eq!(untouched["rating"]["version"], 0, "nothing of a refused bulk request is written");

    items.pop();
    let done = json_of(
        app.request(Method::PUT, &path, &token)
            .json(&json!({"items": items, "note": "Q1 triage"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(done["rated"], 3);
    let trail =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?entity=rating"), &app.admin_token).await).await;
    assert_eq!(trail["total"], 1);
    assert_eq!(trail["items"][0]["run_id"], done["run_id"]);
    assert_eq!(trail["items"][0]["change_list_sha256"].as_str().unwrap().len(), 64);
    let rated = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{}", ids[2]), &token).await).await;
    assert_eq!(rated["rating"]["risk_reduction"], "medium");
}

#[tokio::test]
async fn accepting_suggestions_writes_them_as_the_callers_rating() {
    let (app, tenant, token) = imported().await;
    let mfa = find(&app, &tenant, &token, "q=AdminMFAV2").await;
    assert_eq!(mfa["bucket"], "unrated", "a suggestion never places a bucket by itself");
    let id = mfa["id"].as_str().unwrap();
    let accepted =
        app.post(&format!("/api/v1/tenants/{tenant}/ratings/accept-suggestions"), &token, &json!({"ids": [id]})).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let rated = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{id}"), &token).await).await;
    assert_eq!(rated["rating"]["risk_reduction"], mfa["suggested_rating"]["risk_reduction"]);
    assert_eq!(rated["rating"]["rated_by"], "eng");
}

#[tokio::test]
async fn owners_tags_and_append_only_notes_with_list_filters() {
    let (app, tenant, token) = imported().await;
    let member = app.member_of(&tenant, "olivia", "it_manager").await;
    let outsider = app.create_user("stranger", "engineer").await;
    let id = find(&app, &tenant, &token, "q=AdminMFAV2").await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/tenants/{tenant}/recommendations/{id}/ownership");
    let body = json!({"owner_user_id": member.id, "tags": [" Q1 ", "mfa", "q1"], "version": 0});
    let owned = json_of(app.request(Method::PUT, &path, &token).json(&body).send().await.unwrap()).await;
    assert_eq!(owned["ownership"]["tags"], json!(["q1", "mfa"]));
    assert_eq!(owned["ownership"]["owner_user_id"], member.id.as_str());
    let not_member =
        app.request(Method::PUT, &path, &token).json(&json!({"owner_user_id": outsider.id})).send().await.unwrap();
    assert_eq!(not_member.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stale = app
        .request(Method::PUT, &path, &token)
        .json(&json!({"owner_team": "Identity", "version": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);

    let by_owner =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?owner={}", member.id), &token).await).await;
    assert_eq!(by_owner["total"], 1);
    let by_tag = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?tag=MFA"), &token).await).await;
    assert_eq!(by_tag["total"], 1);
    let no_tag = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?tag=q"), &token).await).await;
    assert_eq!(no_tag["total"], 0, "tags match whole");

    let notes = format!("/api/v1/tenants/{tenant}/recommendations/{id}/notes");
    let added = app.post(&notes, &token, &json!({"text": "Exclude break-glass accounts first"})).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    app.post(&notes, &member.token, &json!({"text": "Done in pilot"})).await;
    let list = json_of(app.get(&notes, &token).await).await;
    let authors: Vec<&str> = list.as_array().unwrap().iter().map(|n| n["author"].as_str().unwrap()).collect();
    assert_eq!(authors, ["eng", "olivia"]);
    assert_eq!(list[0]["at"], "2026-11-23T09:00:00Z");
}
