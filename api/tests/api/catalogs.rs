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
