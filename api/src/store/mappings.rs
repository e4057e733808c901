//! People changing an item's mappings: add a control, remove one (a removed shipped default stays removed across
//! catalog updates), or mark the item "not mapped, reviewed".

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::audit::{self, Change};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::entities::{
    default_mapping, framework, framework_control, mapping_override, mapping_review, recommendation,
};

/// Who changes what, on which item.
pub struct MappingEdit<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub tenant: TenantId,
    pub item: uuid::Uuid,
}

async fn item(conn: &impl ConnectionTrait, edit: &MappingEdit<'_>) -> Result<recommendation::Model, StoreError> {
    recommendation::Entity::find_by_id(edit.item)
        .filter(recommendation::Column::TenantId.eq(edit.tenant.0))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("recommendation"))
}

/// The control `framework`/`control_id` of a framework the tenant sees: shipped, or the tenant's own (another
/// tenant's framework answers 404, like one that does not exist).
async fn control(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    framework_key: &str,
    control_id: &str,
) -> Result<(framework::Model, framework_control::Model), StoreError> {
    let framework =
        super::frameworks::visible(conn, tenant, framework_key).await?.ok_or(StoreError::NotFound("framework"))?;
    let control = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(framework.id))
        .filter(framework_control::Column::ControlId.eq(control_id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("framework control"))?;
    Ok((framework, control))
}

/// A new mapping must name a control in force: not retired, of a framework not archived. (Existing mappings to
/// either stay, and can be removed.)
fn refuse_out_of_force(framework: &framework::Model, control: &framework_control::Model) -> Result<(), StoreError> {
    if framework.archived_at.is_some() {
        return Err(StoreError::Conflict(format!(
            "`{}` is archived: restore it before mapping items to its controls.",
            framework.key
        )));
    }
    if control.retired {
        return Err(StoreError::Conflict(format!(
            "`{}` {} is retired: map the item to a control in force.",
            framework.key, control.control_id
        )));
    }
    Ok(())
}

async fn is_default(
    conn: &impl ConnectionTrait,
    item: &recommendation::Model,
    control: uuid::Uuid,
) -> Result<bool, StoreError> {
    let Some(key) = &item.control_key else { return Ok(false) };
    Ok(default_mapping::Entity::find_by_id((key.clone(), control)).one(conn).await?.is_some())
}

/// Maps the item to a control of a framework the tenant sees; adding a shipped default a person had removed
/// restores it.
pub async fn add(
    db: &DatabaseConnection,
    edit: MappingEdit<'_>,
    framework_key: &str,
    control_id: &str,
    reason: Option<String>,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    write_add(&tx, &edit, framework_key, control_id, reason.clone()).await?;
    let after = serde_json::json!({ "framework": framework_key, "control_id": control_id, "reason": reason });
    audit::append(
        &tx,
        edit.now,
        Change::new(Chain::Tenant(edit.tenant), edit.actor, "mapping", edit.item, "add").after(after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// [`add`] inside the caller's transaction, without the audit row: the caller records one (its bulk
/// operation's row).
pub async fn write_add(
    conn: &impl ConnectionTrait,
    edit: &MappingEdit<'_>,
    framework_key: &str,
    control_id: &str,
    reason: Option<String>,
) -> Result<(), StoreError> {
    let item = item(conn, edit).await?;
    let (framework, control) = control(conn, edit.tenant, framework_key, control_id).await?;
    refuse_out_of_force(&framework, &control)?;
    mapping_override::Entity::delete_by_id((item.id, control.id)).exec(conn).await?;
    if !is_default(conn, &item, control.id).await? {
        mapping_override::ActiveModel {
            recommendation_id: Set(item.id),
            framework_control_id: Set(control.id),
            tenant_id: Set(edit.tenant.0),
            added: Set(true),
            actor_name: Set(edit.actor.name.clone()),
            at: Set(edit.now),
            reason: Set(reason),
        }
        .insert(conn)
        .await?;
    }
    mapping_review::Entity::delete_by_id(item.id).exec(conn).await?;
    Ok(())
}

/// Removes a control from the item; a shipped default stays removed through catalog updates.
pub async fn remove(
    db: &DatabaseConnection,
    edit: MappingEdit<'_>,
    framework_key: &str,
    control_id: &str,
    reason: Option<String>,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    write_remove(&tx, &edit, framework_key, control_id, reason.clone()).await?;
    let before = serde_json::json!({ "framework": framework_key, "control_id": control_id });
    let change = Change::new(Chain::Tenant(edit.tenant), edit.actor, "mapping", edit.item, "remove").before(before);
    audit::append(
        &tx,
        edit.now,
        match reason {
            Some(r) => change.comment(r),
            None => change,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// [`remove`] inside the caller's transaction, without the audit row: the caller records one (its bulk
/// operation's row).
pub async fn write_remove(
    conn: &impl ConnectionTrait,
    edit: &MappingEdit<'_>,
    framework_key: &str,
    control_id: &str,
    reason: Option<String>,
) -> Result<(), StoreError> {
    let item = item(conn, edit).await?;
    let (_, control) = control(conn, edit.tenant, framework_key, control_id).await?;
    let existing = mapping_override::Entity::find_by_id((item.id, control.id)).one(conn).await?;
    let default = is_default(conn, &item, control.id).await?;
    match (existing, default) {
        (Some(added), _) if added.added => {
            mapping_override::Entity::delete_by_id((item.id, control.id)).exec(conn).await?;
        }
        (None, true) => {
            mapping_override::ActiveModel {
                recommendation_id: Set(item.id),
                framework_control_id: Set(control.id),
                tenant_id: Set(edit.tenant.0),
                added: Set(false),
                actor_name: Set(edit.actor.name.clone()),
                at: Set(edit.now),
                reason: Set(reason),
            }
            .insert(conn)
            .await?;
        }
        _ => return Err(StoreError::NotFound("mapping")),
    }
    Ok(())
}

/// Marks the item "not mapped, reviewed" (or clears the mark).
pub async fn set_reviewed(
    db: &DatabaseConnection,
    edit: MappingEdit<'_>,
    reviewed: bool,
    note: Option<String>,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let item = item(&tx, &edit).await?;
    mapping_review::Entity::delete_by_id(item.id).exec(&tx).await?;
    if reviewed {
        mapping_review::ActiveModel {
            recommendation_id: Set(item.id),
            tenant_id: Set(edit.tenant.0),
            actor_name: Set(edit.actor.name.clone()),
            at: Set(edit.now),
            note: Set(note.clone()),
        }
        .insert(&tx)
        .await?;
    }
    let after = serde_json::json!({ "not_mapped_reviewed": reviewed, "note": note });
    audit::append(
        &tx,
        edit.now,
        Change::new(Chain::Tenant(edit.tenant), edit.actor, "mapping", item.id, "review").after(after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
