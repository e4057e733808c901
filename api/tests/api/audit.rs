//! The audit trail: every write leaves a row in its chain, the chain verifies, and tampering is found.

use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::{json_of, spawn_app};

#[tokio::test]
async fn a_membership_grant_is_recorded_in_its_tenants_chain_with_who_and_when() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let auditor = app.member_of(&a, "olga", "auditor").await;
    let trail = json_of(app.get(&format!("/api/v1/tenants/{a}/audit"), &auditor.token).await).await;
    assert_eq!(trail["total"], 1);
    let row = &trail["items"][0];
    assert_eq!(row["seq"], 1);
    assert_eq!(row["entity"], "membership");
    assert_eq!(row["action"], "grant");
    assert_eq!(row["entity_id"], auditor.id.as_str());
    assert_eq!(row["actor_name"], "admin");
    assert_eq!(row["actor_kind"], "user");
    assert_eq!(row["at"], "2026-11-23T09:00:00Z");
    assert_eq!(row["after"]["username"], "olga");
    assert_eq!(row["prev_hash"], "0".repeat(64));
    assert_eq!(row["hash"].as_str().unwrap().len(), 64);
    // Tenant creation and the user belong to the platform chain, not the tenant's.
    let platform = json_of(app.get("/api/v1/audit?entity=tenant", &app.admin_token).await).await;
    assert_eq!(platform["items"][0]["entity_id"], a.as_str());
}

#[tokio::test]
async fn editing_a_row_with_raw_sql_makes_verify_report_that_row() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    for name in ["pat-1", "pat-2", "pat-3"] {
        app.member_of(&a, name, "engineer").await;
    }
    let verify = format!("/api/v1/tenants/{a}/audit/verify");
    let before = json_of(app.get(&verify, &app.admin_token).await).await;
    assert_eq!(before["intact"], true);
    assert_eq!(before["rows_checked"], 3);

    let sql = "UPDATE audit_log SET actor_name = 'mallory' WHERE chain = $1 AND seq = 2";
    app.db.execute_raw(crate::helpers::statement(&app.db, sql, vec![a.clone().into()])).await.unwrap();
    let after = json_of(app.get(&verify, &app.admin_token).await).await;
    assert_eq!(after["intact"], false);
    assert_eq!(after["rows_checked"], 1);
    assert_eq!(after["first_break"], json!({"seq": 2, "kind": "content_changed"}));
    // The platform chain is untouched.
    assert_eq!(json_of(app.get("/api/v1/audit/verify", &app.admin_token).await).await["intact"], true);
}

#[tokio::test]
async fn deleting_a_row_breaks_the_chain_at_the_gap() {
    let app = spawn_app().await;
    app.create_tenant("T1").await;
    app.create_tenant("T2").await;
    app.db.execute_unprepared("DELETE FROM audit_log WHERE chain = 'platform' AND seq = 3").await.unwrap();
    let report = json_of(app.get("/api/v1/audit/verify", &app.admin_token).await).await;
    assert_eq!(report["first_break"], json!({"seq": 4, "kind": "sequence_gap"}));
}

#[tokio::test]
async fn a_member_of_tenant_a_cannot_read_tenant_bs_trail() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let b = app.create_tenant("Tenant B").await;
    let auditor = app.member_of(&a, "pat", "auditor").await;
    app.member_of(&b, "quinn", "engineer").await;
    for path in [format!("/api/v1/tenants/{b}/audit"), format!("/api/v1/tenants/{b}/audit/verify")] {
        assert_eq!(app.get(&path, &auditor.token).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(app.get("/api/v1/audit", &auditor.token).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_engineer_may_not_read_even_their_own_tenants_trail() {
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let engineer = app.member_of(&a, "rita", "engineer").await;
    assert_eq!(app.get(&format!("/api/v1/tenants/{a}/audit"), &engineer.token).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_trail_filters_by_entity_actor_and_time_and_pages() {
    let app = spawn_app().await;
    app.create_tenant("Early").await;
    app.clock.advance(Duration::hours(2));
    let second_admin = app.create_user("sam", "admin").await;
    app.post("/api/v1/tenants", &second_admin.token, &json!({"name": "Late"})).await;

    let by_actor = json_of(app.get("/api/v1/audit?actor=sam", &app.admin_token).await).await;
    assert_eq!(by_actor["total"], 1);
    assert_eq!(by_actor["items"][0]["after"]["name"], "Late");
    let late = json_of(app.get("/api/v1/audit?entity=tenant&from=2026-11-23T10:00:00Z", &app.admin_token).await).await;
    assert_eq!(late["total"], 1);
    let early = json_of(app.get("/api/v1/audit?entity=tenant&to=2026-11-23T10:00:00Z", &app.admin_token).await).await;
    assert_eq!(early["items"][0]["after"]["name"], "Early");

    let page = json_of(app.get("/api/v1/audit?limit=2", &app.admin_token).await).await;
    assert_eq!(page["items"][1]["seq"], 2);
    let next = json_of(
        app.get(&format!("/api/v1/audit?limit=2&cursor={}", page["next_cursor"].as_str().unwrap()), &app.admin_token)
            .await,
    )
    .await;
    assert_eq!(next["items"][0]["seq"], 3);
    let bad_time = app.get("/api/v1/audit?from=yesterday", &app.admin_token).await;
    assert_eq!(bad_time.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_signing_key_is_recorded_without_its_value() {
    let app = spawn_app().await;
    let trail = app.get("/api/v1/audit?entity=setting", &app.admin_token).await.text().await.unwrap();
    assert!(trail.contains("jwt_signing_key"));
    assert!(trail.contains("\"sealed\":true"));
    assert!(!trail.contains("v1."), "no sealed value in the trail");
}

#[tokio::test]
async fn a_bulk_operation_is_one_row_with_its_run_id_and_change_list_digest() {
    use scoregrc::domain::audit::{Actor, Chain, change_list_sha256};
    use scoregrc::store::audit::{Change, append_bulk};
    let app = spawn_app().await;
    let a = app.create_tenant("Tenant A").await;
    let tenant = scoregrc::domain::ids::TenantId(a.parse().unwrap());
    let changes = vec![json!({"id": 1, "status": "completed"}), json!({"id": 2, "status": "to_address"})];
    let actor = Actor::system("import");
    let change = Change {
        chain: Chain::Tenant(tenant),
        actor: &actor,
        entity: "import_run",
        entity_id: "run-1".into(),
        action: "apply",
        before: None,
        after: Some(json!({"changed": 2})),
        comment: None,
    };
    let tx = scoregrc::store::begin_write(&app.db).await.unwrap();
    append_bulk(&tx, scoregrc::clock::Clock::now(app.clock.as_ref()), change, "run-1".into(), &changes).await.unwrap();
    tx.commit().await.unwrap();
    let trail = json_of(app.get(&format!("/api/v1/tenants/{a}/audit?entity=import_run"), &app.admin_token).await).await;
    assert_eq!(trail["total"], 1);
    assert_eq!(trail["items"][0]["run_id"], "run-1");
    assert_eq!(trail["items"][0]["change_list_sha256"], change_list_sha256(&changes));
    assert_eq!(
        json_of(app.get(&format!("/api/v1/tenants/{a}/audit/verify"), &app.admin_token).await).await["intact"],
        true
    );
}
