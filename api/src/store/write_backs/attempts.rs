//! Sending: the job runner takes a queued write-back, tries it, and records how the attempt ended.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use super::WriteBackOutcome;
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::entities::graph_write_back;
use crate::store::audit::{self, Change};
use crate::store::jobs::{self, JobKind};
use crate::store::{StoreError, begin_write};

/// A queued write-back, ready to send.
#[derive(Debug, Clone)]
pub struct PendingWriteBack {
    pub id: uuid::Uuid,
    pub tenant: TenantId,
    pub recommendation_id: uuid::Uuid,
    pub control_id: String,
    pub state: String,
    pub comment: Option<String>,
    /// Including the one about to be made.
    pub attempt: i32,
}

/// Counts an attempt on a queued write-back and answers it; `None` when it is no longer queued (superseded,
/// cancelled or already sent), which makes a duplicate job harmless.
pub async fn start_attempt(db: &DatabaseConnection, id: uuid::Uuid) -> Result<Option<PendingWriteBack>, StoreError> {
    let tx = begin_write(db).await?;
    let Some(row) = graph_write_back::Entity::find_by_id(id).one(&tx).await? else { return Ok(None) };
    if row.outcome != WriteBackOutcome::Queued.as_str() {
        return Ok(None);
    }
    let attempt = row.attempts + 1;
    graph_write_back::ActiveModel { id: Set(id), attempts: Set(attempt), ..Default::default() }.update(&tx).await?;
    tx.commit().await?;
    Ok(Some(PendingWriteBack {
        id,
        tenant: TenantId(row.tenant_id),
        recommendation_id: row.recommendation_id,
        control_id: row.control_id,
        state: row.state,
        comment: row.comment,
        attempt,
    }))
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum AttemptResult {
    Sent,
    /// Failed; try again at the given time.
    RetryAt {
        error: String,
        http_status: Option<u16>,
        at: DateTime<Utc>,
    },
    /// Failed for good.
    Failed {
        error: String,
        http_status: Option<u16>,
    },
    /// Not sent, and it will not be (write-back turned off, connector gone).
    Cancelled(String),
}

/// Records how an attempt ended: in the row, in the tenant's trail when it is final, and as a new job when it
/// is to be retried.
pub async fn record_attempt(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    pending: &PendingWriteBack,
    result: AttemptResult,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let mut row = graph_write_back::ActiveModel { id: Set(pending.id), ..Default::default() };
    let (outcome, error) = match &result {
        AttemptResult::Sent => (WriteBackOutcome::Succeeded, None),
        AttemptResult::RetryAt { error, http_status, at } => {
            row.last_http_status = Set(http_status.map(i32::from));
            row.next_attempt_at = Set(Some(*at));
            let payload = serde_json::json!({ "write_back_id": pending.id });
            jobs::enqueue(&tx, JobKind::GraphWriteBack, Some(pending.tenant), payload, *at, now).await?;
            (WriteBackOutcome::Queued, Some(error.clone()))
        }
        AttemptResult::Failed { error, http_status } => {
            row.last_http_status = Set(http_status.map(i32::from));
            (WriteBackOutcome::Failed, Some(error.clone()))
        }
        AttemptResult::Cancelled(why) => (WriteBackOutcome::Cancelled, Some(why.clone())),
    };
    row.outcome = Set(outcome.as_str().to_owned());
    row.last_error = Set(error.clone());
    if outcome != WriteBackOutcome::Queued {
        row.next_attempt_at = Set(None);
        row.finished_at = Set(Some(now));
    }
    row.update(&tx).await?;
    if outcome != WriteBackOutcome::Queued {
        let actor = Actor::system("graph-write-back");
        let after = serde_json::json!({
            "control_id": pending.control_id,
            "state": pending.state,
            "outcome": outcome,
            "attempts": pending.attempt,
            "error": error,
        });
        let change = Change::new(
            Chain::Tenant(pending.tenant),
            &actor,
            "recommendation",
            pending.recommendation_id,
            "graph_write_back",
        )
        .after(after);
        audit::append(&tx, now, change).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Ends a write-back whose job was abandoned after restarts.
pub async fn abandon(db: &DatabaseConnection, now: DateTime<Utc>, id: uuid::Uuid, why: &str) -> Result<(), StoreError> {
    let Some(row) = graph_write_back::Entity::find_by_id(id).one(db).await? else { return Ok(()) };
    if row.outcome != WriteBackOutcome::Queued.as_str() {
        return Ok(());
    }
    let pending = PendingWriteBack {
        id,
        tenant: TenantId(row.tenant_id),
        recommendation_id: row.recommendation_id,
        control_id: row.control_id,
        state: row.state,
        comment: row.comment,
        attempt: row.attempts,
    };
    record_attempt(db, now, &pending, AttemptResult::Failed { error: why.to_owned(), http_status: None }).await
}
