//! Setting an item's status: by a person, or by the risk-acceptance register. `risk_accepted` is reached only
//! through an approved register entry, and an item an approved entry holds is changed only through the register;
//! `completed` stays pending confirmation until an import shows every point achieved. With write-back on, a
//! change queues its Graph write in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, Set,
};

use super::audit::{self, Change};
use super::error::check_version;
use super::evidence::snapshots::{self, Completion};
use super::write_backs::{self, WriteBack};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{Status, fully_achieved};
use crate::entities::{recommendation, status_change};

/// A status change asked for by a person.
#[derive(Debug, Clone)]
pub struct StatusRequest {
    pub status: Status,
    pub note: Option<String>,
    /// A link to the evidence (a screenshot, a policy export, a ticket).
    pub evidence_url: Option<String>,
    /// The item's version the change is based on; checked when given.
    pub version: Option<i64>,
}

/// Sets an item's status as a person's decision, recorded in its history and the tenant's trail.
pub async fn set_status(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: uuid::Uuid,
    request: StatusRequest,
) -> Result<(), StoreError> {
    if request.status == Status::RiskAccepted {
        return Err(StoreError::Conflict(
            "`risk_accepted` is set only by an approved entry in the risk-acceptance register: propose one there"
                .into(),
        ));
    }
    let tx = begin_write(db).await?;
    let item = recommendation::Entity::find_by_id(id)
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .one(&tx)
        .await?
        .ok_or(StoreError::NotFound("recommendation"))?;
    check_version(request.version, item.version)?;
    if let Some(reference) = super::register::holding_entry(&tx, tenant, id, now).await? {
        return Err(StoreError::Conflict(format!(
            "this item is held by the approved register entry {reference}: revoke it there (or let it expire) first"
        )));
    }
    let comment = match &request.note {
        Some(note) => format!("{note} ({} in scoregrc)", actor.name),
        None => format!("Set to {} by {} in scoregrc", request.status.as_str(), actor.name),
    };
    let change = StatusWrite {
        status: request.status,
        reason: "manual",
        note: request.note,
        evidence_url: request.evidence_url,
        write_back_comment: comment,
    };
    write_status(&tx, actor, now, tenant, item, change).await?;
    tx.commit().await?;
    Ok(())
}

/// One status write, by a person or by the register.
#[derive(Debug, Clone)]
pub struct StatusWrite {
    pub status: Status,
    /// `manual` or `register`: why the status changed, in the item's history.
    pub reason: &'static str,
    pub note: Option<String>,
    pub evidence_url: Option<String>,
    /// What Graph's `comment` says, when the change is written back.
    pub write_back_comment: String,
}

/// Writes a status inside the caller's transaction: the item, its history row, the write-back (when on), a
/// completion snapshot as evidence when the item becomes completed, and the tenant's trail. Answers the queued write-back, if any.
pub async fn write_status(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    item: recommendation::Model,
    change: StatusWrite,
) -> Result<Option<WriteBack>, StoreError> {
    let id = item.id;
    let from: Status = item.status.parse().unwrap_or(Status::ToAddress);
    // A completion Microsoft already shows is confirmed at once; otherwise it waits for an import (24–48 h).
    let confirmed = change.status == Status::Completed && fully_achieved(item.achieved, item.max_score);
    let mut model = item.clone().into_active_model();
    model.status = Set(change.status.as_str().to_owned());
    model.status_confirmed = Set(confirmed);
    model.updated_at = Set(now);
    model.version = Set(item.version + 1);
    model.update(conn).await?;
    status_change::ActiveModel {
        tenant_id: Set(tenant.0),
        recommendation_id: Set(id),
        at: Set(now),
        from_status: Set(Some(from.as_str().to_owned())),
        to_status: Set(change.status.as_str().to_owned()),
        reason: Set(change.reason.to_owned()),
        actor_name: Set(actor.name.clone()),
        import_run_id: Set(None),
        note: Set(change.note.clone()),
        evidence_url: Set(change.evidence_url.clone()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let write_back =
        write_backs::queue_for_status(conn, actor, now, tenant, &item, change.status, Some(change.write_back_comment))
            .await?;
    let after = serde_json::json!({
        "status": change.status,
        "confirmed_by_microsoft": confirmed,
        "evidence_url": change.evidence_url,
        "evidence_recorded_at": now,
        "reason": change.reason,
        "graph_write_back": write_back.as_ref().map(|w| serde_json::json!({ "id": w.id, "state": w.state, "outcome": w.outcome })),
    });
    if change.status == Status::Completed && from != Status::Completed {
        let completion = Completion {
            item: &item,
            from,
            confirmed,
            reason: change.reason,
            note: change.note.as_deref(),
            evidence_url: change.evidence_url.as_deref(),
        };
        snapshots::record_completion(conn, actor, now, tenant, completion).await?;
    }
    let mut audit_change = Change::new(Chain::Tenant(tenant), actor, "recommendation", id, "set_status")
        .before(serde_json::json!({ "status": from }))
        .after(after);
    if let Some(note) = change.note {
        audit_change = audit_change.comment(note);
    }
    audit::append(conn, now, audit_change).await?;
    Ok(write_back)
}
