//! Applying the shipped catalog files: only when a file's version is newer than the database's (idempotent),
//! in one transaction, recording what changed in the platform trail and in `catalog_updates`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::report::{
    CatalogControlChange, CatalogMappingChange, CatalogReport, ControlChangeKind, ControlField, ManualEditsKept,
    MappingChangeKind,
};
use super::{stored_version, updates};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::entities::{
    catalog_version, default_mapping, framework, framework_control, mapping_override, recommendation,
};
use crate::import::catalog::{ControlRow, FrameworkFile, MappingFile};
use crate::store::audit::{self, Change};
use crate::store::{StoreError, begin_write};

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

/// The fields in which the stored control differs from the shipped row at `position`.
fn changed_fields(old: &framework_control::Model, new: &ControlRow, position: i32) -> Vec<ControlField> {
    let mut fields = Vec::new();
    let checks = [
        (old.display_id != new.display_id, ControlField::DisplayId),
        (old.title != new.title, ControlField::Title),
        (old.theme != new.theme, ControlField::Theme),
        (old.description != new.description, ControlField::Description),
        (old.position != position, ControlField::Position),
        (old.retired, ControlField::Restored),
    ];
    for (differs, field) in checks {
        if differs {
            fields.push(field);
        }
    }
    fields
}

async fn shipped_framework(
    conn: &impl ConnectionTrait,
    file: &FrameworkFile,
    now: DateTime<Utc>,
) -> Result<uuid::Uuid, StoreError> {
    let existing = framework::Entity::find()
        .filter(framework::Column::Owner.eq(""))
        .filter(framework::Column::Key.eq(file.key))
        .one(conn)
        .await?;
    if let Some(f) = existing {
        return Ok(f.id);
    }
    let id = uuid::Uuid::now_v7();
    framework::ActiveModel {
        id: Set(id),
        key: Set(file.key.to_owned()),
        owner: Set(String::new()),
        name: Set(file.name.to_owned()),
        shipped: Set(true),
        created_at: Set(now),
        description: Set(None),
        version: Set(1),
        archived_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

async fn apply_framework(
    conn: &impl ConnectionTrait,
    file: &FrameworkFile,
    now: DateTime<Utc>,
    report: &mut CatalogReport,
) -> Result<(), StoreError> {
    let framework_id = shipped_framework(conn, file, now).await?;
    let stored: HashMap<String, framework_control::Model> = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(framework_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.control_id.clone(), c))
        .collect();
    let detail = |control_id: &str, display_id: &str, change, fields| CatalogControlChange {
        framework: file.key.to_owned(),
        control_id: control_id.to_owned(),
        display_id: display_id.to_owned(),
        change,
        fields,
    };
    for (position, control) in file.controls.iter().enumerate() {
        let position = position as i32;
        let row = framework_control::ActiveModel {
            framework_id: Set(framework_id),
            control_id: Set(control.control_id.clone()),
            display_id: Set(control.display_id.clone()),
            title: Set(control.title.clone()),
            theme: Set(control.theme.clone()),
            description: Set(control.description.clone()),
            position: Set(position),
            retired: Set(false),
            ..Default::default()
        };
        match stored.get(&control.control_id) {
            None => {
                let mut row = row;
                row.id = Set(uuid::Uuid::now_v7());
                row.insert(conn).await?;
                report.controls_added += 1;
                report.controls.push(detail(
                    &control.control_id,
                    &control.display_id,
                    ControlChangeKind::Added,
                    vec![],
                ));
            }
            Some(old) => {
                let fields = changed_fields(old, control, position);
                if !fields.is_empty() {
                    let mut row = row;
                    row.id = Set(old.id);
                    row.update(conn).await?;
                    report.controls_changed += 1;
                    report.controls.push(detail(
                        &control.control_id,
                        &control.display_id,
                        ControlChangeKind::Changed,
                        fields,
                    ));
                }
            }
        }
    }
    let shipped: BTreeSet<&str> = file.controls.iter().map(|c| c.control_id.as_str()).collect();
    let mut retired: Vec<&framework_control::Model> =
        stored.values().filter(|c| !c.retired && !shipped.contains(c.control_id.as_str())).collect();
    retired.sort_by_key(|c| c.position);
    for old in retired {
        // Kept, not deleted: mappings and history that name it stay readable.
        framework_control::ActiveModel { id: Set(old.id), retired: Set(true), ..Default::default() }
            .update(conn)
            .await?;
        report.controls_retired += 1;
        report.controls.push(detail(&old.control_id, &old.display_id, ControlChangeKind::Retired, vec![]));
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
    let names: HashMap<uuid::Uuid, &(String, String)> = controls.iter().map(|(name, id)| (*id, name)).collect();
    let change = |secure_score_control: &str, control: uuid::Uuid, change, rationale: &str, previous: Option<&str>| {
        let (framework, control_id) = names.get(&control).map_or_else(Default::default, |n| (*n).clone());
        CatalogMappingChange {
            secure_score_control: secure_score_control.to_owned(),
            framework,
            control_id,
            change,
            rationale: rationale.to_owned(),
            previous_rationale: previous.map(str::to_owned),
        }
    };
    let mut wanted: HashMap<(String, uuid::Uuid), &str> = HashMap::new();
    for row in &file.rows {
        let key = (row.framework.clone(), row.framework_control_id.clone());
        let control = controls.get(&key).ok_or_else(|| {
            StoreError::Conflict(format!("a shipped mapping names an unknown control {}/{}", key.0, key.1))
        })?;
        wanted.insert((row.secure_score_control.clone(), *control), row.rationale.as_str());
    }
    let mut details = Vec::new();
    let existing = default_mapping::Entity::find().all(conn).await?;
    for old in &existing {
        match wanted.remove(&(old.secure_score_control.clone(), old.framework_control_id)) {
            None => {
                default_mapping::Entity::delete_by_id((old.secure_score_control.clone(), old.framework_control_id))
                    .exec(conn)
                    .await?;
                report.mappings_removed += 1;
                let removed = MappingChangeKind::Removed;
                details.push(change(
                    &old.secure_score_control,
                    old.framework_control_id,
                    removed,
                    &old.rationale,
                    None,
                ));
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
                let changed = MappingChangeKind::Changed;
                let previous = Some(old.rationale.as_str());
                details.push(change(&old.secure_score_control, old.framework_control_id, changed, rationale, previous));
            }
            Some(_) => {}
        }
    }
    let mut added = Vec::with_capacity(wanted.len());
    for ((secure_score_control, control), rationale) in wanted {
        details.push(change(&secure_score_control, control, MappingChangeKind::Added, rationale, None));
        added.push(default_mapping::ActiveModel {
            secure_score_control: Set(secure_score_control),
            framework_control_id: Set(control),
            rationale: Set(rationale.to_owned()),
        });
    }
    report.mappings_added = added.len() as u64;
    for chunk in added.chunks(1000) {
        default_mapping::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    details.sort_by(|a, b| {
        (&a.secure_score_control, &a.framework, &a.control_id).cmp(&(
            &b.secure_score_control,
            &b.framework,
            &b.control_id,
        ))
    });
    report.mappings = details;
    Ok(())
}

/// Per tenant, the items whose mapping edits the update left in place: removals that still keep a shipped
/// default off the item, and additions.
async fn manual_edits_kept(conn: &impl ConnectionTrait) -> Result<BTreeMap<TenantId, ManualEditsKept>, StoreError> {
    let overrides = mapping_override::Entity::find().all(conn).await?;
    let removal_items: BTreeSet<uuid::Uuid> =
        overrides.iter().filter(|o| !o.added).map(|o| o.recommendation_id).collect();
    let mut control_keys: HashMap<uuid::Uuid, String> = HashMap::new();
    let removal_items: Vec<uuid::Uuid> = removal_items.into_iter().collect();
    // One bound value per item; SQLite allows 32 766 per statement.
    for chunk in removal_items.chunks(10_000) {
        let rows: Vec<(uuid::Uuid, Option<String>)> = recommendation::Entity::find()
            .select_only()
            .column(recommendation::Column::Id)
            .column(recommendation::Column::ControlKey)
            .filter(recommendation::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        control_keys.extend(rows.into_iter().filter_map(|(id, key)| Some((id, key?))));
    }
    let defaults: HashSet<(String, uuid::Uuid)> = default_mapping::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.secure_score_control, d.framework_control_id))
        .collect();
    let mut removals: BTreeMap<TenantId, BTreeSet<uuid::Uuid>> = BTreeMap::new();
    let mut additions: BTreeMap<TenantId, BTreeSet<uuid::Uuid>> = BTreeMap::new();
    for o in &overrides {
        let tenant = TenantId(o.tenant_id);
        if o.added {
            additions.entry(tenant).or_default().insert(o.recommendation_id);
        } else if control_keys
            .get(&o.recommendation_id)
            .is_some_and(|key| defaults.contains(&(key.clone(), o.framework_control_id)))
        {
            removals.entry(tenant).or_default().insert(o.recommendation_id);
        }
    }
    let mut kept: BTreeMap<TenantId, ManualEditsKept> = BTreeMap::new();
    for (tenant, items) in removals {
        kept.entry(tenant).or_default().items_with_removals = items.len() as u64;
    }
    for (tenant, items) in additions {
        kept.entry(tenant).or_default().items_with_additions = items.len() as u64;
    }
    Ok(kept)
}

/// Applies every shipped file whose version is newer than the database's, in one transaction, and records the
/// update with its detail (`catalog_updates`) and in the platform trail. Answers what changed (nothing when
/// every file is current).
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
        report.manual_edits_kept = manual_edits_kept(&tx).await?;
        let id = updates::record(&tx, now, &report).await?;
        let system = Actor::system("startup");
        let change = Change::new(Chain::Platform, &system, "catalog", id, "update").after(report.summary());
        audit::append_bulk(&tx, now, change, id.to_string(), &report.change_list()).await?;
    }
    tx.commit().await?;
    Ok(report)
}
