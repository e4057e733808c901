//! A person setting an item's status. `risk_accepted` is reached only through an approved register entry;
//! `completed` stays pending confirmation until an import shows every point achieved. With write-back on, the
//! change queues its Graph write in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, Set};

use super::audit::{self, Change};
use super::error::check_version;
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
    let from: Status = item.status.parse().unwrap_or(Status::ToAddress);
    if from == Status::RiskAccepted {
        return Err(StoreError::Conflict(
            "this item is covered by an approved risk acceptance: revoke or let it expire in the register first".into(),
        ));
    }
    // A completion Microsoft already shows is confirmed at once; otherwise it waits for an import (24–48 h).
    let confirmed = request.status == Status::Completed && fully_achieved(item.achieved, item.max_score);
    let mut model = item.clone().into_active_model();
    model.status = Set(request.status.as_str().to_owned());
    model.status_confirmed = Set(confirmed);
    model.updated_at = Set(now);
    model.version = Set(item.version + 1);
    model.update(&tx).await?;
    status_change::ActiveModel {
        tenant_id: Set(tenant.0),
        recommendation_id: Set(id),
        at: Set(now),
        from_status: Set(Some(from.as_str().to_owned())),
        to_status: Set(request.status.as_str().to_owned()),
        reason: Set("manual".to_owned()),
        actor_name: Set(actor.name.clone()),
        import_run_id: Set(None),
        note: Set(request.note.clone()),
        evidence_url: Set(request.evidence_url.clone()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    let comment = match &request.note {
        Some(note) => format!("{note} ({} in scoregrc)", actor.name),
        None => format!("Set to {} by {} in scoregrc", request.status.as_str(), actor.name),
    };
    let write_back =
        super::write_backs::queue_for_status(&tx, actor, now, tenant, &item, request.status, Some(comment)).await?;
    let after = serde_json::json!({
        "status": request.status,
        "confirmed_by_microsoft": confirmed,
        "evidence_url": request.evidence_url,
        "evidence_recorded_at": now,
        "graph_write_back": write_back.map(|w| serde_json::json!({ "id": w.id, "state": w.state, "outcome": w.outcome })),
    });
    let mut change = Change::new(Chain::Tenant(tenant), actor, "recommendation", id, "set_status")
        .before(serde_json::json!({ "status": from }))
        .after(after);
    if let Some(note) = request.note {
        change = change.comment(note);
    }
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(())
}
