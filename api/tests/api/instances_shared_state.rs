//! Two instances on one database, as behind a load balancer: the sign-in throttle and download tokens live in
//! the database, so what one instance counted or issued holds on the other, and neither keeps guesses, tokens
//! or credentials in clear.

use chrono::Duration;
use reqwest::StatusCode;
use scoregrc::clock::Clock;
use scoregrc::entities::{download_token, sign_in_failure};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use sha2::Digest;

use crate::helpers::{ADMIN_PASSWORD, TestApp, json_of, spawn_app, spawn_instance_beside, test_data_key};

async fn download_url(app: &TestApp, bearer: &str, path: &str) -> String {
    let issued = app.post("/api/v1/download-tokens", bearer, &json!({ "path": path })).await;
    assert_eq!(issued.status(), StatusCode::OK);
    json_of(issued).await["url"].as_str().unwrap().to_owned()
}

async fn fetch(app: &TestApp, url: &str) -> StatusCode {
    app.client.get(format!("{}{url}", app.address)).send().await.unwrap().status()
}

async fn failures(app: &TestApp) -> Vec<sign_in_failure::Model> {
    sign_in_failure::Entity::find().all(&app.db).await.unwrap()
}

#[tokio::test]
async fn failures_through_one_instance_lock_the_username_on_the_other_and_the_lock_is_audited_once() {
    let a = spawn_app().await;
    let b = spawn_instance_beside(&a).await;
    for _ in 0..3 {
        assert_eq!(a.login("admin", "wrong password").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(b.login(" ADMIN", "wrong password").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(b.login("admin", "wrong password").await.status(), StatusCode::UNAUTHORIZED, "the fifth, on B");
    for app in [&a, &b] {
        let locked = app.login("admin", ADMIN_PASSWORD).await;
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS, "the right password waits out the lock");
        assert_eq!(locked.headers()["retry-after"], "900");
    }
    let trail: Value = json_of(a.get("/api/v1/audit?entity=sign_in", &a.admin_token).await).await;
    let locks = trail["items"].as_array().unwrap();
    assert_eq!(locks.len(), 1, "{trail}");
    assert_eq!(
        (locks[0]["entity_id"].as_str(), locks[0]["after"]["username"].as_str()),
        (Some("admin"), Some("admin"))
    );

    a.clock.advance(Duration::minutes(15));
    assert_eq!(b.login("admin", ADMIN_PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(a.login("admin", ADMIN_PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_address_spraying_across_both_instances_is_locked_on_both_and_the_failures_kept_stay_bounded() {
    let a = spawn_app().await;
    let b = spawn_instance_beside(&a).await;
    for i in 0..20 {
        let app = if i % 2 == 0 { &a } else { &b };
        assert_eq!(app.login(&format!("guess{i}"), "Winter2026!").await.status(), StatusCode::UNAUTHORIZED);
    }
    for app in [&a, &b] {
        assert_eq!(app.login("admin", ADMIN_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    // What is kept names nobody: each subject is a keyed digest, not the username, the address or their hash.
    let kept = failures(&a).await;
    assert_eq!(kept.iter().filter(|f| f.kind == "address").count(), 1, "the counted ones are spent on the lock");
    assert_eq!(kept.iter().filter(|f| f.kind == "username").count(), 20);
    let plain = |text: &str| hex::encode(sha2::Sha256::digest(text.as_bytes()));
    for failure in &kept {
        assert_eq!(failure.key_digest.len(), 64);
        assert!(
            !["guess0", "127.0.0.1"].iter().any(|t| failure.key_digest.contains(t) || failure.key_digest == plain(t))
        );
    }

    // Once the window has passed, the next failure prunes every stale row.
    a.clock.advance(Duration::minutes(15));
    assert_eq!(b.login("guess-late", "Spring2027!").await.status(), StatusCode::UNAUTHORIZED);
    let kept = failures(&a).await;
    assert_eq!(kept.len(), 2, "only the last failure's username and address rows: {kept:?}");
    assert_eq!(a.login("admin", ADMIN_PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_download_token_issued_by_one_instance_is_redeemed_once_on_the_other_and_then_refused_everywhere() {
    let a = spawn_app().await;
    let b = spawn_instance_beside(&a).await;
    let tenant = a.create_tenant("Contoso").await;
    let auditor = a.member_of(&tenant, "aud", "auditor").await;
    let workbook = format!("/api/v1/tenants/{tenant}/exports/auditor.xlsx");

    let url = download_url(&a, &auditor.token, &workbook).await;
    assert_eq!(fetch(&b, &url).await, StatusCode::OK);
    assert_eq!(fetch(&a, &url).await, StatusCode::UNAUTHORIZED, "used up on B");
    assert_eq!(fetch(&b, &url).await, StatusCode::UNAUTHORIZED);

    // Two instances redeeming one token at the same moment: exactly one serves it.
    let url = download_url(&b, &auditor.token, &workbook).await;
    let (on_a, on_b) = tokio::join!(fetch(&a, &url), fetch(&b, &url));
    let mut statuses = [on_a, on_b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::UNAUTHORIZED]);

    // Expiry is the shared clock's, wherever the token is presented.
    let url = download_url(&a, &auditor.token, &workbook).await;
    b.clock.advance(Duration::seconds(61));
    assert_eq!(fetch(&b, &url).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_download_token_is_stored_only_as_its_digest_with_the_credential_sealed_and_expired_ones_are_pruned() {
    let a = spawn_app().await;
    let tenant = a.create_tenant("Contoso").await;
    let workbook = format!("/api/v1/tenants/{tenant}/exports/auditor.xlsx");
    let first = download_url(&a, &a.admin_token, &workbook).await;
    let token = first.rsplit_once("download_token=").unwrap().1;

    let rows = download_token::Entity::find().all(&a.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].token_sha256, hex::encode(sha2::Sha256::digest(token.as_bytes())));
    assert_eq!(rows[0].path, workbook);
    assert!(rows[0].bearer_sealed.starts_with("v1."), "sealed with the data key");
    assert!(!rows[0].bearer_sealed.contains(&a.admin_token) && !rows[0].bearer_sealed.contains(token));

    a.clock.advance(Duration::seconds(61));
    download_url(&a, &a.admin_token, &workbook).await;
    let rows = download_token::Entity::find().all(&a.db).await.unwrap();
    assert_eq!(rows.len(), 1, "the expired token was pruned when the next was issued");
    assert_ne!(rows[0].token_sha256, hex::encode(sha2::Sha256::digest(token.as_bytes())));
}

#[tokio::test]
async fn a_data_key_rotation_deletes_unused_download_tokens_and_forgets_failures_instead_of_resealing_them() {
    let a = spawn_app().await;
    let tenant = a.create_tenant("Contoso").await;
    download_url(&a, &a.admin_token, &format!("/api/v1/tenants/{tenant}/risk-register.csv")).await;
    assert_eq!(a.login("admin", "wrong password").await.status(), StatusCode::UNAUTHORIZED);
    let (old, new) = (test_data_key(&a.database), scoregrc::secrets::DataKey::generate());
    let done = scoregrc::store::data_key::reseal_all(&a.db, &old, &new, a.clock.now()).await.unwrap();
    assert_eq!((done.download_tokens_deleted, done.sign_in_failures_forgotten), (1, 2), "{done:?}");
    assert!(download_token::Entity::find().all(&a.db).await.unwrap().is_empty());
    assert!(failures(&a).await.is_empty());
}
