//! An item's effective mappings: the shipped defaults for its control id, less the ones a person removed, plus
//! the ones a person added (shipped or the tenant's own controls).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

use crate::entities::{default_mapping, framework, framework_control, mapping_override};
use crate::store::StoreError;

/// A framework control an item maps to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MappedControl {
    /// `iso27001`, `nis2`, `gdpr`, or the key of the tenant's own framework.
    pub framework: String,
    pub control_id: String,
    /// `A.5.17`, `Art. 21(2)(j)`.
    pub display_id: String,
    pub title: String,
    /// `seed` (shipped default mapping) or `manual` (added by a person).
    pub source: String,
    pub rationale: String,
}

/// Each item's mappings: the shipped defaults for its control id, less the ones a person removed, plus the
/// ones a person added.
pub async fn effective_mappings(
    conn: &impl ConnectionTrait,
    items: &[(uuid::Uuid, Option<String>)],
) -> Result<HashMap<uuid::Uuid, Vec<MappedControl>>, StoreError> {
    let mut all = HashMap::with_capacity(items.len());
    // Each look-up binds one value per item; SQLite allows 32 766 per statement.
    for chunk in items.chunks(10_000) {
        all.extend(effective_mappings_of(conn, chunk).await?);
    }
    Ok(all)
}

async fn effective_mappings_of(
    conn: &impl ConnectionTrait,
    items: &[(uuid::Uuid, Option<String>)],
) -> Result<HashMap<uuid::Uuid, Vec<MappedControl>>, StoreError> {
    if items.is_empty() {
        return Ok(HashMap::new());
    }
    let keys: BTreeSet<String> = items.iter().filter_map(|(_, k)| k.clone()).collect();
    let defaults = default_mapping::Entity::find()
        .filter(default_mapping::Column::SecureScoreControl.is_in(keys))
        .all(conn)
        .await?;
    let overrides = mapping_override::Entity::find()
        .filter(mapping_override::Column::RecommendationId.is_in(items.iter().map(|(id, _)| *id)))
        .all(conn)
        .await?;
    let control_ids: BTreeSet<uuid::Uuid> = defaults
        .iter()
        .map(|d| d.framework_control_id)
        .chain(overrides.iter().map(|o| o.framework_control_id))
        .collect();
    let controls: HashMap<uuid::Uuid, framework_control::Model> = framework_control::Entity::find()
        .filter(framework_control::Column::Id.is_in(control_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let framework_ids: BTreeSet<uuid::Uuid> = controls.values().map(|c| c.framework_id).collect();
    // A tenant's own framework is keyed like a shipped one: its controls carry its key.
    let frameworks: HashMap<uuid::Uuid, String> = framework::Entity::find()
        .filter(framework::Column::Id.is_in(framework_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|f| (f.id, f.key))
        .collect();
    let mut defaults_by_key: HashMap<&str, Vec<&default_mapping::Model>> = HashMap::new();
    for d in &defaults {
        defaults_by_key.entry(d.secure_score_control.as_str()).or_default().push(d);
    }
    let mut overrides_by_item: HashMap<uuid::Uuid, Vec<&mapping_override::Model>> = HashMap::new();
    for o in &overrides {
        overrides_by_item.entry(o.recommendation_id).or_default().push(o);
    }
    let mapped = |control_id: uuid::Uuid, source: &str, rationale: String| {
        let control = controls.get(&control_id)?;
        Some((
            control.position,
            MappedControl {
                framework: frameworks.get(&control.framework_id).cloned().unwrap_or_default(),
                control_id: control.control_id.clone(),
                display_id: control.display_id.clone(),
                title: control.title.clone(),
                source: source.to_owned(),
                rationale,
            },
        ))
    };
    let mut result = HashMap::new();
    for (id, key) in items {
        let item_overrides = overrides_by_item.get(id).map(Vec::as_slice).unwrap_or_default();
        let removed: BTreeSet<uuid::Uuid> =
            item_overrides.iter().filter(|o| !o.added).map(|o| o.framework_control_id).collect();
        let mut list: Vec<(i32, MappedControl)> = key
            .as_deref()
            .and_then(|k| defaults_by_key.get(k))
            .into_iter()
            .flatten()
            .filter(|d| !removed.contains(&d.framework_control_id))
            .filter_map(|d| mapped(d.framework_control_id, "seed", d.rationale.clone()))
            .collect();
        for added in item_overrides.iter().filter(|o| o.added) {
            let why = added.reason.clone().unwrap_or_else(|| format!("added by {}", added.actor_name));
            list.extend(mapped(added.framework_control_id, "manual", why));
        }
        list.sort_by(|a, b| (a.1.framework.as_str(), a.0).cmp(&(b.1.framework.as_str(), b.0)));
        list.dedup_by(|a, b| a.1.framework == b.1.framework && a.1.control_id == b.1.control_id);
        result.insert(*id, list.into_iter().map(|(_, m)| m).collect());
    }
    Ok(result)
}
