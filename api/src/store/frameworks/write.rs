//! Writing a tenant's own frameworks. A framework and its controls are one versioned document: every write
//! checks the version it was based on (when given), bumps it, and appends its audit row in the tenant's chain.
//! Shipped catalogs are read-only. Controls are retired, never deleted, since mappings and history name them; a
//! framework is deleted only while nothing uses it, and archived otherwise.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

use super::{FrameworkDetail, detail, owner, visible};
use crate::domain::audit::{Actor, Chain};
use crate::domain::framework::{
    Control, ControlEdit, FrameworkEdit, MAX_CONTROLS, MAX_CUSTOM_FRAMEWORKS, NewFramework,
};
use crate::domain::ids::TenantId;
use crate::entities::{framework, framework_control, mapping_override};
use crate::store::audit::{self, Change};
use crate::store::error::check_version;
use crate::store::{StoreError, begin_write, triage_settings};

/// Who writes, when, in which tenant.
pub struct FrameworkWrite<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub tenant: TenantId,
}

fn control_json(c: &framework_control::Model) -> Value {
    json!({
        "control_id": c.control_id, "display_id": c.display_id, "title": c.title, "theme": c.theme,
        "description": c.description, "retired": c.retired,
    })
}

fn framework_json(f: &framework::Model) -> Value {
    json!({
        "key": f.key, "name": f.name, "description": f.description, "archived": f.archived_at.is_some(),
        "version": f.version,
    })
}

/// The tenant's own framework `key`, for a write: 404 when the tenant sees no such framework, 409 for a shipped
/// one.
async fn own(conn: &impl ConnectionTrait, tenant: TenantId, key: &str) -> Result<framework::Model, StoreError> {
    let f = visible(conn, tenant, key).await?.ok_or(StoreError::NotFound("framework"))?;
    if f.shipped {
        return Err(StoreError::Conflict(format!(
            "`{key}` is a shipped framework: shipped catalogs are read-only and change only with scoregrc updates. \
             Create a framework of your own (POST …/frameworks) for your own controls."
        )));
    }
    Ok(f)
}

/// Controls change only while the framework is in use.
fn refuse_archived(f: &framework::Model) -> Result<(), StoreError> {
    match f.archived_at {
        Some(_) => Err(StoreError::Conflict(format!(
            "`{}` is archived: restore it (PATCH with `archived: false`) before changing its controls.",
            f.key
        ))),
        None => Ok(()),
    }
}

/// Archiving or deleting a framework the audit scope names would silently change every item's alignment.
async fn refuse_in_scope(conn: &impl ConnectionTrait, tenant: TenantId, key: &str) -> Result<(), StoreError> {
    if triage_settings::scope(conn, tenant).await?.value.frameworks.iter().any(|k| k == key) {
        return Err(StoreError::Conflict(format!(
            "`{key}` is in the tenant's audit scope: take it out of the audit scope first (PUT …/audit-scope)."
        )));
    }
    Ok(())
}

/// Bumps the framework's version after a change to one of its controls: the framework is the versioned document.
async fn bump(conn: &impl ConnectionTrait, f: &framework::Model) -> Result<framework::Model, StoreError> {
    let row = framework::ActiveModel { id: Set(f.id), version: Set(f.version + 1), ..Default::default() };
    Ok(row.update(conn).await?)
}

fn control_row(framework_id: uuid::Uuid, c: Control, position: i32) -> framework_control::ActiveModel {
    framework_control::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        framework_id: Set(framework_id),
        control_id: Set(c.control_id),
        display_id: Set(c.display_id),
        title: Set(c.title),
        theme: Set(c.theme),
        description: Set(c.description),
        position: Set(position),
        retired: Set(false),
    }
}

/// Creates a framework of the tenant's own with its controls. The key must not be one the tenant already sees.
pub async fn create(
    db: &DatabaseConnection,
    w: FrameworkWrite<'_>,
    new: NewFramework,
) -> Result<FrameworkDetail, StoreError> {
    let tx = begin_write(db).await?;
    if let Some(taken) = visible(&tx, w.tenant, &new.key).await? {
        let whose = if taken.shipped { "a shipped framework" } else { "another framework of this tenant" };
        return Err(StoreError::Conflict(format!("`{}` is already the key of {whose}; choose another key.", new.key)));
    }
    let mine = framework::Entity::find().filter(framework::Column::Owner.eq(owner(w.tenant))).count(&tx).await?;
    if mine >= MAX_CUSTOM_FRAMEWORKS {
        return Err(StoreError::Conflict(format!(
            "This tenant has {mine} frameworks of its own, the most it may hold (archived ones included): delete \
             an unused one first."
        )));
    }
    let id = uuid::Uuid::now_v7();
    let f = framework::ActiveModel {
        id: Set(id),
        key: Set(new.key),
        owner: Set(owner(w.tenant)),
        name: Set(new.name),
        shipped: Set(false),
        created_at: Set(w.now),
        description: Set(new.description),
        version: Set(1),
        archived_at: Set(None),
    }
    .insert(&tx)
    .await?;
    let rows: Vec<framework_control::ActiveModel> =
        new.controls.into_iter().enumerate().map(|(i, c)| control_row(id, c, i as i32)).collect();
    if !rows.is_empty() {
        framework_control::Entity::insert_many(rows).exec_without_returning(&tx).await?;
    }
    let mut after = framework_json(&f);
    let created = detail(&tx, f).await?;
    after["controls"] = serde_json::to_value(&created.controls).unwrap_or_default();
    audit::append(&tx, w.now, Change::new(Chain::Tenant(w.tenant), w.actor, "framework", id, "create").after(after))
        .await?;
    tx.commit().await?;
    Ok(created)
}

/// Renames, describes, archives or restores a framework of the tenant's own. Archiving is refused while the
/// audit scope names it.
pub async fn update(
    db: &DatabaseConnection,
    w: FrameworkWrite<'_>,
    key: &str,
    edit: FrameworkEdit,
    version: Option<i64>,
) -> Result<FrameworkDetail, StoreError> {
    let tx = begin_write(db).await?;
    let current = own(&tx, w.tenant, key).await?;
    let archiving = edit.archived == Some(true) && current.archived_at.is_none();
    if archiving {
        refuse_in_scope(&tx, w.tenant, key).await?;
    }
    check_version(version, current.version)?;
    let mut row =
        framework::ActiveModel { id: Set(current.id), version: Set(current.version + 1), ..Default::default() };
    if let Some(name) = edit.name {
        row.name = Set(name);
    }
    if let Some(description) = edit.description {
        row.description = Set(description);
    }
    match (edit.archived, current.archived_at) {
        (Some(true), None) => row.archived_at = Set(Some(w.now)),
        (Some(false), Some(_)) => row.archived_at = Set(None),
        _ => {}
    }
    let updated = row.update(&tx).await?;
    let action = match (current.archived_at.is_some(), updated.archived_at.is_some()) {
        (false, true) => "archive",
        (true, false) => "restore",
        _ => "update",
    };
    let change = Change::new(Chain::Tenant(w.tenant), w.actor, "framework", current.id, action)
        .before(framework_json(&current))
        .after(framework_json(&updated));
    audit::append(&tx, w.now, change).await?;
    let result = detail(&tx, updated).await?;
    tx.commit().await?;
    Ok(result)
}

/// Deletes a framework of the tenant's own that nothing uses: no item maps to its controls and the audit scope
/// does not name it. A framework in use is archived instead, so its mappings and their history stay readable.
pub async fn delete(
    db: &DatabaseConnection,
    w: FrameworkWrite<'_>,
    key: &str,
    version: Option<i64>,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let current = own(&tx, w.tenant, key).await?;
    refuse_in_scope(&tx, w.tenant, key).await?;
    let controls = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(current.id))
        .all(&tx)
        .await?;
    let mapped = mapping_override::Entity::find()
        .filter(mapping_override::Column::FrameworkControlId.is_in(controls.iter().map(|c| c.id)))
        .count(&tx)
        .await?;
    if mapped > 0 {
        return Err(StoreError::Conflict(format!(
            "`{key}` is in use: {mapped} mapping(s) name its controls. Archive it instead (PATCH with \
             `archived: true`), so those mappings and their history stay readable."
        )));
    }
    check_version(version, current.version)?;
    // Its controls go with it (the foreign key cascades); the trail keeps what it held.
    framework::Entity::delete_by_id(current.id).exec(&tx).await?;
    let mut before = framework_json(&current);
    before["controls"] = Value::Array(controls.iter().map(control_json).collect());
    audit::append(
        &tx,
        w.now,
        Change::new(Chain::Tenant(w.tenant), w.actor, "framework", current.id, "delete").before(before),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a control at the end of a framework of the tenant's own.
pub async fn add_control(
    db: &DatabaseConnection,
    w: FrameworkWrite<'_>,
    key: &str,
    control: Control,
    version: Option<i64>,
) -> Result<FrameworkDetail, StoreError> {
    let tx = begin_write(db).await?;
    let current = own(&tx, w.tenant, key).await?;
    refuse_archived(&current)?;
    let existing = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(current.id))
        .all(&tx)
        .await?;
    if let Some(same) = existing.iter().find(|c| c.control_id.eq_ignore_ascii_case(&control.control_id)) {
        let state = if same.retired { " (retired: bring it back with PATCH `retired: false`)" } else { "" };
        return Err(StoreError::Conflict(format!("`{key}` already has a control `{}`{state}.", same.control_id)));
    }
    if existing.len() >= MAX_CONTROLS {
        return Err(StoreError::Conflict(format!(
            "`{key}` holds {} controls (retired ones included), the most a framework may hold.",
            existing.len()
        )));
    }
    check_version(version, current.version)?;
    let position = existing.iter().map(|c| c.position + 1).max().unwrap_or_default();
    let added = control_row(current.id, control, position).insert(&tx).await?;
    let updated = bump(&tx, &current).await?;
    let change = Change::new(Chain::Tenant(w.tenant), w.actor, "framework", current.id, "add_control")
        .after(json!({ "key": key, "control": control_json(&added), "version": updated.version }));
    audit::append(&tx, w.now, change).await?;
    let result = detail(&tx, updated).await?;
    tx.commit().await?;
    Ok(result)
}

/// Changes, retires or brings back a control of a framework of the tenant's own. Its id never changes.
pub async fn update_control(
    db: &DatabaseConnection,
    w: FrameworkWrite<'_>,
    key: &str,
    control_id: &str,
    edit: ControlEdit,
    version: Option<i64>,
) -> Result<FrameworkDetail, StoreError> {
    let tx = begin_write(db).await?;
    let current = own(&tx, w.tenant, key).await?;
    let old = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(current.id))
        .filter(framework_control::Column::ControlId.eq(control_id))
        .one(&tx)
        .await?
        .ok_or(StoreError::NotFound("framework control"))?;
    refuse_archived(&current)?;
    check_version(version, current.version)?;
    let mut row = framework_control::ActiveModel { id: Set(old.id), ..Default::default() };
    if let Some(display_id) = edit.display_id {
        row.display_id = Set(display_id);
    }
    if let Some(title) = edit.title {
        row.title = Set(title);
    }
    if let Some(theme) = edit.theme {
        row.theme = Set(theme);
    }
    if let Some(description) = edit.description {
        row.description = Set(description);
    }
    if let Some(retired) = edit.retired {
        row.retired = Set(retired);
    }
    let new = row.update(&tx).await?;
    let updated = bump(&tx, &current).await?;
    let action = match (old.retired, new.retired) {
        (false, true) => "retire_control",
        (true, false) => "restore_control",
        _ => "update_control",
    };
    let change = Change::new(Chain::Tenant(w.tenant), w.actor, "framework", current.id, action)
        .before(json!({ "key": key, "control": control_json(&old), "version": current.version }))
        .after(json!({ "key": key, "control": control_json(&new), "version": updated.version }));
    audit::append(&tx, w.now, change).await?;
    let result = detail(&tx, updated).await?;
    tx.commit().await?;
    Ok(result)
}
