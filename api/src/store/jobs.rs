//! Persisted background jobs: queued, claimed one at a time, finished or failed, and recovered after a restart.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::{StoreError, begin_write};
use crate::domain::ids::TenantId;
use crate::entities::job;

/// How often a job interrupted by a restart is tried again before it fails for good.
pub const MAX_ATTEMPTS: i32 = 3;

/// Kinds of job the runner knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Fetch from a connector and apply (payload: the import run id).
    ConnectorImport,
    /// Send one queued Graph write-back (payload: the write-back id).
    GraphWriteBack,
}

impl JobKind {
    fn as_str(self) -> &'static str {
        match self {
            JobKind::ConnectorImport => "connector_import",
            JobKind::GraphWriteBack => "graph_write_back",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "connector_import" => Some(JobKind::ConnectorImport),
            "graph_write_back" => Some(JobKind::GraphWriteBack),
            _ => None,
        }
    }
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: uuid::Uuid,
    pub kind: Option<JobKind>,
    pub tenant: Option<TenantId>,
    pub payload: serde_json::Value,
    pub attempts: i32,
}

/// Queues a job inside the caller's transaction, due at `run_at`.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    kind: JobKind,
    tenant: Option<TenantId>,
    payload: serde_json::Value,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<uuid::Uuid, StoreError> {
    let id = uuid::Uuid::now_v7();
    job::ActiveModel {
        id: Set(id),
        kind: Set(kind.as_str().to_owned()),
        tenant_id: Set(tenant.map(|t| t.0)),
        payload: Set(payload.to_string()),
        state: Set("queued".to_owned()),
        attempts: Set(0),
        run_at: Set(run_at),
        started_at: Set(None),
        finished_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Takes the oldest due job and marks it running.
pub async fn claim_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Option<ClaimedJob>, StoreError> {
    let tx = begin_write(db).await?;
    let Some(due) = job::Entity::find()
        .filter(job::Column::State.eq("queued"))
        .filter(job::Column::RunAt.lte(now))
        .order_by_asc(job::Column::RunAt)
        .order_by_asc(job::Column::Id)
        .one(&tx)
        .await?
    else {
        // Ended here, not by drop, so the write lock goes now rather than when the rollback is flushed.
        tx.commit().await?;
        return Ok(None);
    };
    let attempts = due.attempts + 1;
    let claimed = ClaimedJob {
        id: due.id,
        kind: JobKind::parse(&due.kind),
        tenant: due.tenant_id.map(TenantId),
        payload: serde_json::from_str(&due.payload).unwrap_or_default(),
        attempts,
    };
    let mut model: job::ActiveModel = due.into();
    model.state = Set("running".to_owned());
    model.attempts = Set(attempts);
    model.started_at = Set(Some(now));
    model.update(&tx).await?;
    tx.commit().await?;
    Ok(Some(claimed))
}

/// Records how a job ended.
pub async fn finish(
    db: &DatabaseConnection,
    id: uuid::Uuid,
    now: DateTime<Utc>,
    outcome: Result<(), String>,
) -> Result<(), StoreError> {
    let (state, error) = match outcome {
        Ok(()) => ("succeeded", None),
        Err(e) => ("failed", Some(e)),
    };
    job::ActiveModel {
        id: Set(id),
        state: Set(state.to_owned()),
        finished_at: Set(Some(now)),
        last_error: Set(error),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// When the job runner takes its lease (after a restart, or over from a dead instance): jobs left running are
/// queued again (their work is transactional, so a retry is safe), or failed once they have used their attempts.
/// Answers the kinds and payloads of the jobs that failed for good.
pub async fn recover(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<(Option<JobKind>, serde_json::Value)>, StoreError> {
    let tx = begin_write(db).await?;
    let interrupted = job::Entity::find().filter(job::Column::State.eq("running")).all(&tx).await?;
    let mut abandoned = Vec::new();
    for job in interrupted {
        let gave_up = job.attempts >= MAX_ATTEMPTS;
        if gave_up {
            abandoned.push((JobKind::parse(&job.kind), serde_json::from_str(&job.payload).unwrap_or_default()));
        }
        let mut model: job::ActiveModel = job.into();
        model.state = Set(if gave_up { "failed" } else { "queued" }.to_owned());
        model.run_at = Set(now);
        model.last_error = Set(Some("interrupted by a restart of the service".to_owned()));
        if gave_up {
            model.finished_at = Set(Some(now));
        }
        model.update(&tx).await?;
    }
    tx.commit().await?;
    Ok(abandoned)
}
