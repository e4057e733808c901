//! Queueing a write-back when a person changes an item's status.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::{WriteBack, WriteBackOutcome, settings, view};
use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{Product, Status};
use crate::domain::write_back::{GraphControlState, WriteBackPlan, WriteBackTarget, plan};
use crate::entities::{graph_write_back, recommendation};
use crate::store::StoreError;
use crate::store::jobs::{self, JobKind};

/// The state last written or waiting to be written for an item, which a later status may need to withdraw.
async fn last_written(conn: &impl ConnectionTrait, item: uuid::Uuid) -> Result<Option<GraphControlState>, StoreError> {
    let row = graph_write_back::Entity::find()
        .filter(graph_write_back::Column::RecommendationId.eq(item))
        .filter(graph_write_back::Column::Outcome.is_in(["queued", "succeeded"]))
        .order_by_desc(graph_write_back::Column::RequestedAt)
        .order_by_desc(graph_write_back::Column::Id)
        .one(conn)
        .await?;
    Ok(row.and_then(|r| r.state.parse().ok()))
}

/// Queues the write-back a status change asks for, inside the status change's transaction. Nothing happens
/// while write-back is off. Older queued writes for the item are superseded, so a retry never writes a state
/// the team has since moved away from. Answers the new row (queued or skipped), if any.
pub async fn queue_for_status(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    item: &recommendation::Model,
    status: Status,
    comment: Option<String>,
) -> Result<Option<WriteBack>, StoreError> {
    let settings = settings(conn, tenant).await?;
    if !settings.enabled {
        return Ok(None);
    }
    let target = WriteBackTarget {
        product: item.product.parse().unwrap_or(Product::M365),
        control_id: item.control_key.as_deref(),
        last_written: last_written(conn, item.id).await?,
    };
    let (state, outcome, error) = match plan(target, status, &settings) {
        WriteBackPlan::Nothing => return Ok(None),
        WriteBackPlan::Skip(why) => (String::new(), WriteBackOutcome::Skipped, Some(why.to_owned())),
        WriteBackPlan::Write(state) => (state.as_str().to_owned(), WriteBackOutcome::Queued, None),
    };
    graph_write_back::Entity::update_many()
        .col_expr(graph_write_back::Column::Outcome, WriteBackOutcome::Superseded.as_str().into())
        .col_expr(graph_write_back::Column::FinishedAt, Some(now).into())
        .col_expr(graph_write_back::Column::NextAttemptAt, Option::<DateTime<Utc>>::None.into())
        .filter(graph_write_back::Column::RecommendationId.eq(item.id))
        .filter(graph_write_back::Column::Outcome.eq("queued"))
        .exec(conn)
        .await?;
    let id = uuid::Uuid::now_v7();
    let queued = outcome == WriteBackOutcome::Queued;
    let row = graph_write_back::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant.0),
        recommendation_id: Set(item.id),
        control_id: Set(item.control_key.clone().unwrap_or_default()),
        state: Set(state),
        comment: Set(comment.map(|c| c.chars().take(1000).collect())),
        outcome: Set(outcome.as_str().to_owned()),
        for_status: Set(status.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(queued.then_some(now)),
        last_error: Set(error),
        last_http_status: Set(None),
        requested_by: Set(actor.name.clone()),
        requested_at: Set(now),
        finished_at: Set((!queued).then_some(now)),
    }
    .insert(conn)
    .await?;
    if queued {
        jobs::enqueue(
            conn,
            JobKind::GraphWriteBack,
            Some(tenant),
            serde_json::json!({ "write_back_id": id }),
            now,
            now,
        )
        .await?;
    }
    Ok(Some(view(row)))
}
