//! The Graph write-back queue: states scoregrc means to write to Microsoft Secure Score, queued in the same
//! transaction as the status change that asks for them, sent by the job runner, retried with back-off, and kept
//! afterwards so the item and the connector show what was written, skipped or failed.

mod attempts;
mod queue;

pub use attempts::{AttemptResult, PendingWriteBack, abandon, record_attempt, start_attempt};
pub use queue::queue_for_status;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use std::collections::HashMap;

use super::audit::{self, Change};
use super::connectors::{self, ConnectorKind};
use super::jobs::{self, JobKind};
use super::page::{Page, PageRequest};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Status;
use crate::domain::write_back::{GraphControlState, WriteBackSettings};
use crate::entities::graph_write_back;

/// Where a write-back stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteBackOutcome {
    /// Waiting to be sent (again, after a failed attempt, at `next_attempt_at`).
    Queued,
    /// Graph accepted it.
    Succeeded,
    /// Every attempt failed, or Graph refused it outright: a person has to look (and can retry).
    Failed,
    /// The item cannot be written (a device control, another product); the reason is in `last_error`.
    Skipped,
    /// A newer status change replaced it before it was sent.
    Superseded,
    /// Write-back was turned off, or the connector removed, before it was sent.
    Cancelled,
}

impl WriteBackOutcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            WriteBackOutcome::Queued => "queued",
            WriteBackOutcome::Succeeded => "succeeded",
            WriteBackOutcome::Failed => "failed",
            WriteBackOutcome::Skipped => "skipped",
            WriteBackOutcome::Superseded => "superseded",
            WriteBackOutcome::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "queued" => WriteBackOutcome::Queued,
            "succeeded" => WriteBackOutcome::Succeeded,
            "skipped" => WriteBackOutcome::Skipped,
            "superseded" => WriteBackOutcome::Superseded,
            "cancelled" => WriteBackOutcome::Cancelled,
            _ => WriteBackOutcome::Failed,
        }
    }
}

/// One write-back as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WriteBack {
    pub id: uuid::Uuid,
    pub recommendation_id: uuid::Uuid,
    /// The Secure Score control id written to.
    pub control_id: String,
    /// The Graph state written; absent for a skipped item.
    pub state: Option<GraphControlState>,
    pub comment: Option<String>,
    pub outcome: WriteBackOutcome,
    /// The item status that asked for it.
    pub for_status: Status,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, or why the item was skipped.
    pub last_error: Option<String>,
    /// The HTTP status of the last failed attempt, when Graph answered.
    pub last_http_status: Option<i32>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

fn view(m: graph_write_back::Model) -> WriteBack {
    WriteBack {
        id: m.id,
        recommendation_id: m.recommendation_id,
        control_id: m.control_id,
        state: m.state.parse().ok(),
        comment: m.comment,
        outcome: WriteBackOutcome::parse(&m.outcome),
        for_status: m.for_status.parse().unwrap_or(Status::ToAddress),
        attempts: m.attempts,
        next_attempt_at: m.next_attempt_at,
        last_error: m.last_error,
        last_http_status: m.last_http_status,
        requested_by: m.requested_by,
        requested_at: m.requested_at,
        finished_at: m.finished_at,
    }
}

/// The tenant's write-back settings: off when no Graph connector is configured.
pub async fn settings(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<WriteBackSettings, StoreError> {
    Ok(connectors::settings_of(conn, tenant, ConnectorKind::Graph)
        .await?
        .map(|c| c.settings.write_back)
        .unwrap_or_default())
}

/// The newest write-back of each item among `ids`.
pub async fn latest_for(
    conn: &impl ConnectionTrait,
    ids: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, WriteBack>, StoreError> {
    let rows = graph_write_back::Entity::find()
        .filter(graph_write_back::Column::RecommendationId.is_in(ids))
        .order_by_asc(graph_write_back::Column::RequestedAt)
        .order_by_asc(graph_write_back::Column::Id)
        .all(conn)
        .await?;
    // Oldest first, so the newest of each item is the one left in the map.
    Ok(rows.into_iter().map(|r| (r.recommendation_id, view(r))).collect())
}

/// Which write-backs to list.
#[derive(Debug, Clone, Default)]
pub struct WriteBackFilter {
    pub outcome: Option<WriteBackOutcome>,
    pub recommendation_id: Option<uuid::Uuid>,
}

/// A page of the tenant's write-backs, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &WriteBackFilter,
    page: &PageRequest,
) -> Result<Page<WriteBack>, StoreError> {
    let mut query = graph_write_back::Entity::find().filter(graph_write_back::Column::TenantId.eq(tenant.0));
    if let Some(outcome) = filter.outcome {
        query = query.filter(graph_write_back::Column::Outcome.eq(outcome.as_str()));
    }
    if let Some(item) = filter.recommendation_id {
        query = query.filter(graph_write_back::Column::RecommendationId.eq(item));
    }
    let total = query.clone().count(conn).await?;
    // Ids are UUIDv7, so they order by creation time.
    if let Some(after) = page.after_uuid()? {
        query = query.filter(graph_write_back::Column::Id.lt(after));
    }
    let rows = query.order_by_desc(graph_write_back::Column::Id).limit(page.limit + 1).all(conn).await?;
    Ok(Page::from_rows(rows, page.limit, total, |r| r.id.to_string()).map(view))
}

/// The queue as the Graph connector shows it.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct WriteBackQueue {
    /// Waiting to be sent, retries included.
    pub queued: u64,
    /// Items whose newest write-back failed: Microsoft does not show the team's status for them.
    pub failed: u64,
    /// The newest of those failures.
    pub last_failure: Option<WriteBack>,
}

/// How the tenant's write-back queue stands.
pub async fn queue_state(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<WriteBackQueue, StoreError> {
    let open = graph_write_back::Entity::find()
        .filter(graph_write_back::Column::TenantId.eq(tenant.0))
        .filter(graph_write_back::Column::Outcome.is_in(["queued", "failed"]))
        .all(conn)
        .await?;
    let queued = open.iter().filter(|r| r.outcome == "queued").count() as u64;
    let failed_items: Vec<uuid::Uuid> =
        open.iter().filter(|r| r.outcome == "failed").map(|r| r.recommendation_id).collect();
    let latest = latest_for(conn, failed_items.into_iter()).await?;
    let mut failures: Vec<WriteBack> = latest.into_values().filter(|w| w.outcome == WriteBackOutcome::Failed).collect();
    failures.sort_by_key(|w| std::cmp::Reverse((w.finished_at, w.id)));
    Ok(WriteBackQueue { queued, failed: failures.len() as u64, last_failure: failures.into_iter().next() })
}

/// Queues a failed write-back again, after a person fixed what made it fail (the app's permission, the
/// connector's secret). Refused when a newer write-back for the item replaced it.
pub async fn retry(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: uuid::Uuid,
) -> Result<WriteBack, StoreError> {
    use sea_orm::ActiveModelTrait;
    let tx = begin_write(db).await?;
    let row = graph_write_back::Entity::find_by_id(id)
        .filter(graph_write_back::Column::TenantId.eq(tenant.0))
        .one(&tx)
        .await?
        .ok_or(StoreError::NotFound("write-back"))?;
    if row.outcome != WriteBackOutcome::Failed.as_str() {
        return Err(StoreError::Conflict(format!(
            "only a failed write-back can be retried; this one is {}",
            row.outcome
        )));
    }
    let newest = latest_for(&tx, std::iter::once(row.recommendation_id)).await?;
    if newest.get(&row.recommendation_id).is_some_and(|w| w.id != id) {
        return Err(StoreError::Conflict("a newer status change replaced this write-back".into()));
    }
    if !settings(&tx, tenant).await?.enabled {
        return Err(StoreError::Conflict("write-back is turned off on the tenant's Graph connector".into()));
    }
    let before = serde_json::json!({ "outcome": row.outcome, "attempts": row.attempts, "error": row.last_error });
    let mut model: graph_write_back::ActiveModel = row.into();
    model.outcome = Set(WriteBackOutcome::Queued.as_str().to_owned());
    model.attempts = Set(0);
    model.next_attempt_at = Set(Some(now));
    model.finished_at = Set(None);
    let saved = model.update(&tx).await?;
    jobs::enqueue(&tx, JobKind::GraphWriteBack, Some(tenant), serde_json::json!({ "write_back_id": id }), now, now)
        .await?;
    let change =
        Change::new(Chain::Tenant(tenant), actor, "recommendation", saved.recommendation_id, "retry_graph_write_back")
            .before(before)
            .after(serde_json::json!({ "outcome": "queued", "state": saved.state }));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(view(saved))
}
