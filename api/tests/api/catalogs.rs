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

#[tokio::test]
async fn each_catalog_update_is_reported_over_the_api_with_its_detail_and_the_manual_edits_it_kept() {
    use scoregrc::import::catalog::ControlRow;
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let other = app.create_tenant("Fabrikam").await;
    let engineer = app.member_of(&tenant, "eng", "engineer").await;
    let outsider = app.member_of(&other, "outsider", "auditor").await;
    app.upload(&tenant, &engineer.token, include_bytes!("../fixtures/portal-export.csv").to_vec(), "text/csv").await;
    let list =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations?q=AdminMFAV2"), &engineer.token).await)
            .await;
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/tenants/{tenant}/recommendations/{id}/mappings");
    assert_eq!(app.delete(&format!("{base}/iso27001/8.2"), &engineer.token).await.status(), StatusCode::OK);
    let body = serde_json::json!({"framework": "iso27001", "control_id": "8.15"});
    assert_eq!(app.post(&base, &engineer.token, &body).await.status(), StatusCode::OK);

    // The first load is reported too.
    let first = json_of(app.get("/api/v1/catalog/updates", &engineer.token).await).await;
    assert_eq!(first["total"], 1);
    assert_eq!(first["items"][0]["applied"].as_array().unwrap().len(), 4, "three frameworks and the mappings");
    assert_eq!(first["items"][0]["controls_added"], 108);
    assert_eq!(first["items"][0]["controls"].as_array().unwrap().len(), 108);

    // A newer ISO catalog: 8.33 retitled, 8.34 gone, 8.99 new; newer mappings: one dropped, one re-argued, one
    // new for AdminMFAV2, and AdminMFAV2 → 8.2 still shipped (the engineer's removal must hold).
    let mut frameworks = shipped_frameworks().unwrap();
    let iso = frameworks.iter_mut().find(|f| f.key == "iso27001").unwrap();
    iso.version += 1;
    iso.controls.iter_mut().find(|c| c.control_id == "8.33").unwrap().title = "Test data".into();
    iso.controls.retain(|c| c.control_id != "8.34");
    iso.controls.push(ControlRow {
        control_id: "8.99".into(),
        display_id: "A.8.99".into(),
        title: "A control from the future".into(),
        theme: Some("Technological".into()),
        description: "Only in this test.".into(),
    });
    let iso_version = iso.version;
    let mut mappings = shipped_mappings().unwrap();
    mappings.version += 1;
    let others: Vec<usize> =
        (0..mappings.rows.len()).filter(|i| mappings.rows[*i].secure_score_control != "AdminMFAV2").take(2).collect();
    let dropped = mappings.rows[others[0]].clone();
    let reargued = mappings.rows[others[1]].clone();
    mappings.rows[others[1]].rationale = "A better reason.".into();
    mappings.rows.remove(others[0]);
    mappings.rows.push(scoregrc::import::catalog::MappingRow {
        secure_score_control: "AdminMFAV2".into(),
        framework: "iso27001".into(),
        framework_control_id: "8.99".into(),
        rationale: "Future-proof.".into(),
    });
    app.clock.advance(chrono::Duration::hours(1));
    let report = apply_shipped(&app.db, app.clock.now(), &frameworks, &mappings).await.unwrap();
    assert_eq!(report.applied, [format!("framework:iso27001@{iso_version}"), format!("mappings@{}", mappings.version)]);

    let updates = json_of(app.get("/api/v1/catalog/updates", &engineer.token).await).await;
    assert_eq!(updates["total"], 2, "{updates}");
    let latest = &updates["items"][0];
    assert_eq!(
        latest["applied_at"],
        app.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true).replace("+00:00", "Z")
    );
    assert_eq!(
        latest["applied"],
        serde_json::json!([format!("framework:iso27001@{iso_version}"), format!("mappings@{}", mappings.version)])
    );
    let counts: Vec<u64> = [
        "controls_added",
        "controls_changed",
        "controls_retired",
        "mappings_added",
        "mappings_removed",
        "mappings_changed",
    ]
    .iter()
    .map(|k| latest[*k].as_u64().unwrap())
    .collect();
    assert_eq!(counts, [1, 1, 1, 1, 1, 1]);
    assert_eq!(
        latest["controls"],
        serde_json::json!([
            {"framework": "iso27001", "control_id": "8.33", "display_id": "A.8.33", "change": "changed", "fields": ["title"]},
            {"framework": "iso27001", "control_id": "8.99", "display_id": "A.8.99", "change": "added", "fields": []},
            {"framework": "iso27001", "control_id": "8.34", "display_id": "A.8.34", "change": "retired", "fields": []},
        ])
    );
    let change = |secure_score: &str, framework: &str, control: &str| -> Value {
        latest["mappings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| {
                m["secure_score_control"] == secure_score && m["framework"] == framework && m["control_id"] == control
            })
            .cloned()
            .unwrap_or_else(|| panic!("no change for {secure_score} → {framework}/{control}: {}", latest["mappings"]))
    };
    assert_eq!(change("AdminMFAV2", "iso27001", "8.99")["change"], "added");
    let removed = change(&dropped.secure_score_control, &dropped.framework, &dropped.framework_control_id);
    assert_eq!(
        (removed["change"].as_str(), removed["rationale"].as_str()),
        (Some("removed"), Some(dropped.rationale.as_str()))
    );
    let changed = change(&reargued.secure_score_control, &reargued.framework, &reargued.framework_control_id);
    assert_eq!(
        (changed["change"].as_str(), changed["rationale"].as_str(), changed["previous_rationale"].as_str()),
        (Some("changed"), Some("A better reason."), Some(reargued.rationale.as_str()))
    );
    // Team edits survive: one item keeps a removal of a still-shipped default, one an addition. Counted only for
    // the tenants the reader may see.
    assert_eq!(latest["manual_edits_kept"], serde_json::json!({"items_with_removals": 1, "items_with_additions": 1}));
    let outside = json_of(app.get("/api/v1/catalog/updates", &outsider.token).await).await;
    assert_eq!(
        outside["items"][0]["manual_edits_kept"],
        serde_json::json!({"items_with_removals": 0, "items_with_additions": 0})
    );
    assert_eq!(outside["items"][0]["mappings"], latest["mappings"], "the catalog detail itself is for everyone");

    // And on the item: the new default arrived, the removed one stayed away, the added one stayed.
    let item = json_of(app.get(&format!("/api/v1/tenants/{tenant}/recommendations/{id}"), &engineer.token).await).await;
    let on_item: Vec<(String, String)> = item["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["framework"] == "iso27001")
        .map(|m| (m["control_id"].as_str().unwrap().to_owned(), m["source"].as_str().unwrap().to_owned()))
        .collect();
    assert!(on_item.contains(&("8.99".into(), "seed".into())), "{on_item:?}");
    assert!(on_item.contains(&("8.15".into(), "manual".into())), "{on_item:?}");
    assert!(!on_item.iter().any(|(c, _)| c == "8.2"), "{on_item:?}");

    // Paging is newest first; the trail links the update by its id and digests the detail.
    let page = json_of(app.get("/api/v1/catalog/updates?limit=1", &engineer.token).await).await;
    assert_eq!(page["items"][0]["id"], latest["id"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let older =
        json_of(app.get(&format!("/api/v1/catalog/updates?limit=1&cursor={cursor}"), &engineer.token).await).await;
    assert_eq!(
        (older["items"][0]["id"].clone(), older["next_cursor"].clone()),
        (first["items"][0]["id"].clone(), Value::Null)
    );
    let trail = json_of(app.get("/api/v1/audit?entity=catalog", &app.admin_token).await).await;
    let row = &trail["items"][1];
    assert_eq!((row["entity_id"].as_str(), row["run_id"].as_str()), (latest["id"].as_str(), latest["id"].as_str()));
    assert!(row["change_list_sha256"].as_str().is_some_and(|h| h.len() == 64));
    assert_eq!(row["after"]["manual_edits_kept"]["items_with_removals"], 1);
    assert_eq!(app.get("/api/v1/catalog/updates", "").await.status(), StatusCode::UNAUTHORIZED);
}
