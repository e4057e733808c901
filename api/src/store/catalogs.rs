//! Framework catalogs and default mappings in the database: applied from the shipped files when their version is
//! newer (idempotent), and read for recommendations and screens.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

use super::audit::{self, Change};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::entities::{catalog_version, default_mapping, framework, framework_control, mapping_override};
use crate::import::catalog::{FrameworkFile, MappingFile};

/// What applying the shipped files changed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogReport {
    /// Files applied, as `name@version`.
    pub applied: Vec<String>,
    pub controls_added: u64,
    pub controls_changed: u64,
    pub controls_retired: u64,
    pub mappings_added: u64,
    pub mappings_removed: u64,
    pub mappings_changed: u64,
}

async fn stored_version(conn: &impl ConnectionTrait, name: &str) -> Result<i64, StoreError> {
    Ok(catalog_version::Entity::find_by_id(name.to_owned()).one(conn).await?.map_or(0, |v| v.version))
}

async fn record_version(
    conn: &impl ConnectionTrait,
    name: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = catalog_version::ActiveModel { name: Set(name.to_owned()), version: Set(version), applied_at: Set(now) };
    match catalog_version::Entity::find_by_id(name.to_owned()).one(conn).await? {
        Some(_) => row.update(conn).await?,
        None => row.insert(conn).await?,
    };
    Ok(())
}

async fn apply_framework(
    conn: &impl ConnectionTrait,
    file: &FrameworkFile,
    now: DateTime<Utc>,
    report: &mut CatalogReport,
) -> Result<(), StoreError> {
    let existing = framework::Entity::find()
        .filter(framework::Column::Owner.eq(""))
        .filter(framework::Column::Key.eq(file.key))
        .one(conn)
        .await?;
    let framework_id = match existing {
        Some(f) => f.id,
        None => {
            let id = uuid::Uuid::now_v7();
            framework::ActiveModel {
                id: Set(id),
                key: Set(file.key.to_owned()),
                owner: Set(String::new()),
                name: Set(file.name.to_owned()),
                shipped: Set(true),
                created_at: Set(now),
            }
            .insert(conn)
            .await?;
            id
        }
    };
    let stored: HashMap<String, framework_control::Model> = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(framework_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.control_id.clone(), c))
        .collect();
    for (position, control) in file.controls.iter().enumerate() {
        let row = framework_control::ActiveModel {
            framework_id: Set(framework_id),
            control_id: Set(control.control_id.clone()),
            display_id: Set(control.display_id.clone()),
            title: Set(control.title.clone()),
            theme: Set(control.theme.clone()),
            description: Set(control.description.clone()),
            position: Set(position as i32),
            retired: Set(false),
            ..Default::default()
        };
        match stored.get(&control.control_id) {
            None => {
                let mut row = row;
                row.id = Set(uuid::Uuid::now_v7());
                row.insert(conn).await?;
                report.controls_added += 1;
            }
            Some(old) => {
                let unchanged = old.title == control.title
                    && old.description == control.description
                    && old.theme == control.theme
                    && old.position == position as i32
                    && !old.retired;
                if !unchanged {
                    let mut row = row;
                    row.id = Set(old.id);
                    row.update(conn).await?;
                    report.controls_changed += 1;
                }
            }
        }
    }
    let shipped: BTreeSet<&str> = file.controls.iter().map(|c| c.control_id.as_str()).collect();
    for old in stored.values().filter(|c| !c.retired && !shipped.contains(c.control_id.as_str())) {
        // Kept, not deleted: mappings and history that name it stay readable.
        framework_control::ActiveModel { id: Set(old.id), retired: Set(true), ..Default::default() }
            .update(conn)
            .await?;
        report.controls_retired += 1;
    }
    Ok(())
}

/// Every shipped control, keyed by (framework key, control id).
async fn shipped_controls(conn: &impl ConnectionTrait) -> Result<HashMap<(String, String), uuid::Uuid>, StoreError> {
    let frameworks: HashMap<uuid::Uuid, String> = framework::Entity::find()
        .filter(framework::Column::Owner.eq(""))
        .all(conn)
        .await?
        .into_iter()
        .map(|f| (f.id, f.key))
        .collect();
    let controls = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.is_in(frameworks.keys().copied()))
        .all(conn)
        .await?;
    Ok(controls
        .into_iter()
        .filter_map(|c| Some(((frameworks.get(&c.framework_id)?.clone(), c.control_id), c.id)))
        .collect())
}

async fn apply_mappings(
    conn: &impl ConnectionTrait,
    file: &MappingFile,
    report: &mut CatalogReport,
) -> Result<(), StoreError> {
    let controls = shipped_controls(conn).await?;
    let mut wanted: HashMap<(String, uuid::Uuid), &str> = HashMap::new();
    for row in &file.rows {
        let key = (row.framework.clone(), row.framework_control_id.clone());
        let control = controls.get(&key).ok_or_else(|| {
            StoreError::Conflict(format!("a shipped mapping names an unknown control {}/{}", key.0, key.1))
        })?;
        wanted.insert((row.secure_score_control.clone(), *control), row.rationale.as_str());
    }
    let existing = default_mapping::Entity::find().all(conn).await?;
    for old in &existing {
        match wanted.remove(&(old.secure_score_control.clone(), old.framework_control_id)) {
            None => {
                default_mapping::Entity::delete_by_id((old.secure_score_control.clone(), old.framework_control_id))
                    .exec(conn)
                    .await?;
                report.mappings_removed += 1;
            }
            Some(rationale) if rationale != old.rationale => {
                default_mapping::ActiveModel {
                    secure_score_control: Set(old.secure_score_control.clone()),
                    framework_control_id: Set(old.framework_control_id),
                    rationale: Set(rationale.to_owned()),
                }
                .update(conn)
                .await?;
                report.mappings_changed += 1;
            }
            Some(_) => {}
        }
    }
    let added: Vec<default_mapping::ActiveModel> = wanted
        .into_iter()
        .map(|((control, framework_control), rationale)| default_mapping::ActiveModel {
            secure_score_control: Set(control),
            framework_control_id: Set(framework_control),
            rationale: Set(rationale.to_owned()),
        })
        .collect();
    report.mappings_added = added.len() as u64;
    for chunk in added.chunks(1000) {
        default_mapping::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Applies every shipped file whose version is newer than the database's, in one transaction, and records the
/// update in the platform trail. Answers what changed (nothing when every file is current).
pub async fn apply_shipped(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    frameworks: &[FrameworkFile],
    mappings: &MappingFile,
) -> Result<CatalogReport, StoreError> {
    let tx = begin_write(db).await?;
    let mut report = CatalogReport::default();
    for file in frameworks {
        let name = format!("framework:{}", file.key);
        if file.version > stored_version(&tx, &name).await? {
            apply_framework(&tx, file, now, &mut report).await?;
            record_version(&tx, &name, file.version, now).await?;
            report.applied.push(format!("{name}@{}", file.version));
        }
    }
    if mappings.version > stored_version(&tx, "mappings").await? {
        apply_mappings(&tx, mappings, &mut report).await?;
        record_version(&tx, "mappings", mappings.version, now).await?;
        report.applied.push(format!("mappings@{}", mappings.version));
    }
    if !report.applied.is_empty() {
        let system = Actor::system("startup");
        let change = Change::new(Chain::Platform, &system, "catalog", "shipped", "update")
            .after(serde_json::to_value(&report).unwrap_or_default());
        audit::append(&tx, now, change).await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// A framework control an item maps to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MappedControl {
    /// `iso27001`, `nis2`, `gdpr`.
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
    let frameworks: HashMap<uuid::Uuid, String> =
        framework::Entity::find().all(conn).await?.into_iter().map(|f| (f.id, f.key)).collect();
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

/// A shipped framework as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FrameworkSummary {
    /// `iso27001`, `nis2`, `gdpr`.
    pub key: String,
    pub name: String,
    /// Controls in force (retired ones left out).
    pub controls: u64,
    /// The catalog file's version the database holds.
    pub version: i64,
}

/// A framework control as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FrameworkControl {
    pub control_id: String,
    pub display_id: String,
    pub title: String,
    pub theme: Option<String>,
    pub description: String,
}

/// The shipped frameworks.
pub async fn frameworks(conn: &impl ConnectionTrait) -> Result<Vec<FrameworkSummary>, StoreError> {
    let mut list = Vec::new();
    for f in framework::Entity::find().filter(framework::Column::Owner.eq("")).all(conn).await? {
        let controls = sea_orm::PaginatorTrait::count(
            framework_control::Entity::find()
                .filter(framework_control::Column::FrameworkId.eq(f.id))
                .filter(framework_control::Column::Retired.eq(false)),
            conn,
        )
        .await?;
        let version = stored_version(conn, &format!("framework:{}", f.key)).await?;
        list.push(FrameworkSummary { key: f.key, name: f.name, controls, version });
    }
    list.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(list)
}

/// The controls in force of the shipped framework `key`, in catalog order; `None` when there is no such framework.
pub async fn controls(conn: &impl ConnectionTrait, key: &str) -> Result<Option<Vec<FrameworkControl>>, StoreError> {
    let Some(f) = framework::Entity::find()
        .filter(framework::Column::Owner.eq(""))
        .filter(framework::Column::Key.eq(key))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let rows = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(f.id))
        .filter(framework_control::Column::Retired.eq(false))
        .order_by_asc(framework_control::Column::Position)
        .all(conn)
        .await?;
    Ok(Some(
        rows.into_iter()
            .map(|c| FrameworkControl {
                control_id: c.control_id,
                display_id: c.display_id,
                title: c.title,
                theme: c.theme,
                description: c.description,
            })
            .collect(),
    ))
}
