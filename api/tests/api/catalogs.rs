//! The shipped framework catalogs and default mappings: loaded on start, once per version, and shown on items.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{json_of, spawn_app};
use scoregrc::clock::Clock;
use scoregrc::import::catalog::{shipped_frameworks, shipped_mappings};
use scoregrc::store::catalogs::apply_shipped;

#[tokio::test]
async fn an_imported_item_carries_its_default_mappings_with_the_seed_examples() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    assert_eq!(app.upload(&tenant, &engineer.token, export, "text/csv").await.status(), StatusCode::CREATED);
    let list =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?q=AdminMFAV2"), &engineer.token).await)
            .await;
    let mappings = list["items"][0]["mappings"].as_array().unwrap().clone();
    let has = |framework: &str, display: &str| {
        mappings.iter().any(|m: &Value| m["framework"] == framework && m["display_id"] == display)
    };
    assert!(has("iso27001", "A.5.17"), "{mappings:?}");
    assert!(has("nis2", "Art. 21(2)(j)") && has("nis2", "Art. 21(2)(i)"));
    assert!(has("gdpr", "Art. 32(1)(b)"));
    assert!(mappings.iter().all(|m| m["source"] == "seed" && !m["rationale"].as_str().unwrap().is_empty()));
    let unmatched =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?unmatched=true"), &engineer.token).await)
            .await;
    assert_eq!(unmatched["items"][0]["mappings"], serde_json::json!([]), "no control id, no default mapping");
}

#[tokio::test]
async fn shipped_files_apply_once_per_version_and_a_newer_version_applies_its_differences() {
    let app = spawn_app().await;
    let frameworks = shipped_frameworks().unwrap();
    let mut mappings = shipped_mappings().unwrap();
    let again = apply_shipped(&app.db, app.clock.now(), &frameworks, &mappings).await.unwrap();
    assert!(again.applied.is_empty(), "already current: {again:?}");

    let removed = mappings.rows.remove(0);
    mappings.rows[0].rationale = "A better reason.".into();
    mappings.version += 1;
    let update = apply_shipped(&app.db, app.clock.now(), &frameworks, &mappings).await.unwrap();
    assert_eq!(update.applied, [format!("mappings@{}", mappings.version)]);
    assert_eq!((update.mappings_removed, update.mappings_changed, update.mappings_added), (1, 1, 0));
    let trail = json_of(app.get("/api/v1/audit?entity=catalog", &app.admin_token).await).await;
    assert_eq!(trail["total"], 2, "the first load and this update");
    assert_eq!(trail["items"][1]["after"]["mappings_removed"], 1);
    assert!(!removed.rationale.is_empty());
}

#[tokio::test]
async fn people_add_and_remove_mappings_and_a_removed_default_survives_a_catalog_update() {
    use reqwest::Method;
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let export = include_bytes!("../fixtures/portal-export.csv").to_vec();
    app.upload(&tenant, &engineer.token, export, "text/csv").await;
    let list =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?q=AdminMFAV2"), &engineer.token).await)
            .await;
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/tenants/{tenant}/recommendations/{id}/mappings");
    let ids = |item: &Value| -> Vec<String> {
        item["mappings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{}:{}:{}",
                    m["framework"].as_str().unwrap(),
                    m["control_id"].as_str().unwrap(),
                    m["source"].as_str().unwrap()
                )
            })
            .collect()
    };

    let removed =
        json_of(app.request(Method::DELETE, &format!("{base}/iso27001/8.2"), &engineer.token).send().await.unwrap())
            .await;
    assert!(!ids(&removed).contains(&"iso27001:8.2:seed".to_owned()));
    let added = json_of(
        app.post(
            &base,
            &engineer.token,
            &serde_json::json!({"framework": "iso27001", "control_id": "8.15", "reason": "Sign-ins feed the SIEM"}),
        )
        .await,
    )
    .await;
    assert!(ids(&added).contains(&"iso27001:8.15:manual".to_owned()), "{:?}", ids(&added));
    let unknown =
        app.post(&base, &engineer.token, &serde_json::json!({"framework": "iso27001", "control_id": "99.9"})).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // A newer catalog version re-applies the defaults: the person's removal and addition stay.
    let mut mappings = shipped_mappings().unwrap();
    mappings.version += 1;
    apply_shipped(&app.db, app.clock.now(), &shipped_frameworks().unwrap(), &mappings).await.unwrap();
    let after =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{id}"), &engineer.token).await).await;
    let after_ids = ids(&after);
    assert!(
        !after_ids.contains(&"iso27001:8.2:seed".to_owned()) && after_ids.contains(&"iso27001:8.15:manual".to_owned())
    );

    // Coverage follows the person's mapping.
    let coverage =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/coverage/iso27001"), &engineer.token).await).await;
    let a_8_15 = coverage["controls"].as_array().unwrap().iter().find(|c| c["control_id"] == "8.15").unwrap().clone();
    assert_eq!(a_8_15["mapped"], 1);

    // Re-adding the removed default restores it as a seed mapping.
    let restored = json_of(
        app.post(&base, &engineer.token, &serde_json::json!({"framework": "iso27001", "control_id": "8.2"})).await,
    )
    .await;
    assert!(ids(&restored).contains(&"iso27001:8.2:seed".to_owned()));
    let trail =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/audit?entity=mapping"), &app.admin_token).await).await;
    assert_eq!(trail["total"], 3);
}

#[tokio::test]
async fn an_unmapped_item_can_be_marked_reviewed_and_a_mapping_clears_the_mark() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    app.upload(&tenant, &engineer.token, include_bytes!("../fixtures/portal-export.csv").to_vec(), "text/csv").await;
    let list =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?unmatched=true"), &engineer.token).await)
            .await;
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let review = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/tenants/{tenant}/recommendations/{id}/mapping-review"),
            &engineer.token,
        )
        .json(&serde_json::json!({"reviewed": true, "note": "internal process, no framework control"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(review).await["mapping_reviewed"], true);
    let mapped = json_of(
        app.post(
            &format!("/api/v1/tenants/{tenant}/recommendations/{id}/mappings"),
            &engineer.token,
            &serde_json::json!({"framework": "nis2", "control_id": "21.2.i"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (mapped["mapping_reviewed"].as_bool(), mapped["regulatory_alignment"].as_bool()),
        (Some(false), Some(true))
    );
}

#[tokio::test]
async fn the_shipped_frameworks_and_their_controls_are_listed_for_every_signed_in_user() {
    let app = spawn_app().await;
    let frameworks = json_of(app.get("/api/v1/frameworks", &app.admin_token).await).await;
    let summary: Vec<(String, u64)> = frameworks
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["key"].as_str().unwrap().to_owned(), f["controls"].as_u64().unwrap()))
        .collect();
    assert_eq!(summary, [("gdpr".to_owned(), 4), ("iso27001".to_owned(), 93), ("nis2".to_owned(), 11)]);
    let nis2 = json_of(app.get("/api/v1/frameworks/nis2/controls", &app.admin_token).await).await;
    assert_eq!(nis2[0]["display_id"], "Art. 21(1)");
    assert_eq!(nis2[10]["display_id"], "Art. 21(2)(j)");
    assert_eq!(app.get("/api/v1/frameworks/sox/controls", &app.admin_token).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/frameworks", "").await.status(), StatusCode::UNAUTHORIZED);
}
