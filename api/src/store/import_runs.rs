//! Import runs: who imported what, when, how it went, its counts and its change list.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::StoreError;
use super::import_write::change_list_json;
use super::page::{Page, PageRequest};
use crate::domain::audit::Actor;
use crate::domain::change::{ImportCounts, ItemChange};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Channel;
use crate::entities::import_run;

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunPhase {
    Queued,
    Fetching,
    Applying,
    Finished,
}

/// How a finished run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Succeeded,
    Failed,
}

/// One problem a run hit, located in its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunError {
    pub message: String,
    /// File row (1-based, header = 1).
    pub row: Option<u64>,
    /// File column header.
    pub column: Option<String>,
    /// JSON path or request field.
    pub field: Option<String>,
}

impl RunError {
    /// An error with a message only.
    pub fn message(message: impl Into<String>) -> Self {
        Self { message: message.into(), row: None, column: None, field: None }
    }
}

/// A run as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportRun {
    pub id: uuid::Uuid,
    pub tenant_id: TenantId,
    pub source: Channel,
    pub actor_name: String,
    pub file_name: Option<String>,
    pub file_sha256: Option<String>,
    pub phase: RunPhase,
    /// `null` while the run is going.
    pub outcome: Option<RunOutcome>,
    /// Pages fetched from Graph or ARM.
    pub pages: i32,
    pub counts: ImportCounts,
    pub errors: Vec<RunError>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The change list; only on a single run (`GET …/imports/{id}`) and an upload's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<ItemChange>>,
}

fn phase_of(text: &str) -> RunPhase {
    match text {
        "queued" => RunPhase::Queued,
        "fetching" => RunPhase::Fetching,
        "applying" => RunPhase::Applying,
        _ => RunPhase::Finished,
    }
}

fn phase_name(phase: RunPhase) -> &'static str {
    match phase {
        RunPhase::Queued => "queued",
        RunPhase::Fetching => "fetching",
        RunPhase::Applying => "applying",
        RunPhase::Finished => "finished",
    }
}

fn view(m: import_run::Model, with_changes: bool) -> ImportRun {
    ImportRun {
        id: m.id,
        tenant_id: TenantId(m.tenant_id),
        source: m.source.parse().unwrap_or(Channel::Csv),
        actor_name: m.actor_name,
        file_name: m.file_name,
        file_sha256: m.file_sha256,
        phase: phase_of(&m.phase),
        outcome: match m.outcome.as_deref() {
            Some("succeeded") => Some(RunOutcome::Succeeded),
            Some(_) => Some(RunOutcome::Failed),
            None => None,
        },
        pages: m.pages,
        counts: serde_json::from_str(&m.counts).unwrap_or_default(),
        errors: serde_json::from_str(&m.errors).unwrap_or_default(),
        started_at: m.started_at,
        finished_at: m.finished_at,
        changes: with_changes.then(|| serde_json::from_str(&m.changes).unwrap_or_default()),
    }
}

/// A run to start.
pub struct NewRun<'a> {
    pub tenant: TenantId,
    pub source: Channel,
    pub actor: &'a Actor,
    pub file_name: Option<String>,
    pub file_sha256: Option<String>,
    pub phase: RunPhase,
}

/// Records a new run and returns its id.
pub async fn start(conn: &impl ConnectionTrait, now: DateTime<Utc>, new: NewRun<'_>) -> Result<uuid::Uuid, StoreError> {
    let id = uuid::Uuid::now_v7();
    import_run::ActiveModel {
        id: Set(id),
        tenant_id: Set(new.tenant.0),
        source: Set(new.source.as_str().to_owned()),
        actor_kind: Set(new.actor.kind.as_str().to_owned()),
        actor_id: Set(new.actor.id.clone()),
        actor_name: Set(new.actor.name.clone()),
        file_name: Set(new.file_name),
        file_sha256: Set(new.file_sha256),
        phase: Set(phase_name(new.phase).to_owned()),
        outcome: Set(None),
        pages: Set(0),
        counts: Set("{}".to_owned()),
        changes: Set("[]".to_owned()),
        errors: Set("[]".to_owned()),
        started_at: Set(now),
        finished_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Moves a run to `phase` with `pages` fetched so far.
pub async fn progress(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
    phase: RunPhase,
    pages: i32,
) -> Result<(), StoreError> {
    import_run::ActiveModel {
        id: Set(id),
        phase: Set(phase_name(phase).to_owned()),
        pages: Set(pages),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// Closes a run as succeeded with its counts and change list. Returns the SHA-256 of the change list for the
/// audit row (`domain::audit::change_list_sha256`): the list is stored as its canonical JSON, so that is the
/// hash of the stored text, and the list is serialised once.
pub async fn succeed(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
    now: DateTime<Utc>,
    counts: &ImportCounts,
    changes: &[ItemChange],
) -> Result<String, StoreError> {
    let changes_json = change_list_json(changes);
    let sha256 = hex::encode(Sha256::digest(changes_json.as_bytes()));
    let closed = import_run::ActiveModel {
        phase: Set(phase_name(RunPhase::Finished).to_owned()),
        outcome: Set(Some("succeeded".to_owned())),
        counts: Set(serde_json::to_string(counts).unwrap_or_else(|_| "{}".into())),
        changes: Set(changes_json),
        finished_at: Set(Some(now)),
        ..Default::default()
    };
    // Not `ActiveModel::update`, which reads the whole row back: the change list can be tens of megabytes.
    let updated =
        import_run::Entity::update_many().set(closed).filter(import_run::Column::Id.eq(id)).exec(conn).await?;
    if updated.rows_affected == 0 {
        return Err(DbErr::RecordNotUpdated.into());
    }
    Ok(sha256)
}

/// Closes a run as failed, recording why. Nothing it read was kept.
pub async fn fail(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
    now: DateTime<Utc>,
    errors: &[RunError],
) -> Result<(), StoreError> {
    import_run::ActiveModel {
        id: Set(id),
        phase: Set(phase_name(RunPhase::Finished).to_owned()),
        outcome: Set(Some("failed".to_owned())),
        errors: Set(serde_json::to_string(errors).unwrap_or_else(|_| "[]".into())),
        finished_at: Set(Some(now)),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// The run with `id` in `tenant`, with its change list.
pub async fn get(conn: &impl ConnectionTrait, tenant: TenantId, id: uuid::Uuid) -> Result<ImportRun, StoreError> {
    let model = import_run::Entity::find_by_id(id)
        .filter(import_run::Column::TenantId.eq(tenant.0))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("import run"))?;
    Ok(view(model, true))
}

/// The run with `id` in `tenant` without its change list, for a caller that holds the list already.
pub async fn get_without_changes(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: uuid::Uuid,
) -> Result<ImportRun, StoreError> {
    let model = without_changes(import_run::Entity::find_by_id(id).filter(import_run::Column::TenantId.eq(tenant.0)))
        .into_model::<import_run::Model>()
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("import run"))?;
    Ok(view(model, false))
}

/// Every column but the change list, which can be large; `changes` reads as `[]`.
fn without_changes(query: Select<import_run::Entity>) -> Select<import_run::Entity> {
    query
        .select_only()
        .columns([
            import_run::Column::Id,
            import_run::Column::TenantId,
            import_run::Column::Source,
            import_run::Column::ActorKind,
            import_run::Column::ActorId,
            import_run::Column::ActorName,
            import_run::Column::FileName,
            import_run::Column::FileSha256,
            import_run::Column::Phase,
            import_run::Column::Outcome,
            import_run::Column::Pages,
            import_run::Column::Counts,
            import_run::Column::Errors,
            import_run::Column::StartedAt,
            import_run::Column::FinishedAt,
        ])
        .column_as(sea_orm::sea_query::Expr::val("[]"), "changes")
}

/// The tenant's runs, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    page: &PageRequest,
) -> Result<Page<ImportRun>, StoreError> {
    let mut query = import_run::Entity::find().filter(import_run::Column::TenantId.eq(tenant.0));
    let total = query.clone().count(conn).await?;
    if let Some(before) = page.after_uuid()? {
        query = query.filter(import_run::Column::Id.lt(before));
    }
    // The change list can be large: lists leave it out.
    let rows = without_changes(query)
        .order_by_desc(import_run::Column::Id)
        .limit(page.limit + 1)
        .into_model::<import_run::Model>()
        .all(conn)
        .await?;
    Ok(Page::from_rows(rows, page.limit, total, |r| r.id.to_string()).map(|m| view(m, false)))
}

/// The id of the tenant's unfinished run from `sources`, if one is going.
pub async fn unfinished(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    sources: &[Channel],
) -> Result<Option<uuid::Uuid>, StoreError> {
    let run = import_run::Entity::find()
        .filter(import_run::Column::TenantId.eq(tenant.0))
        .filter(import_run::Column::Source.is_in(sources.iter().map(|s| s.as_str())))
        .filter(import_run::Column::Outcome.is_null())
        .one(conn)
        .await?;
    Ok(run.map(|r| r.id))
}

/// The change lists of the tenant's successful runs from `sources` that started at or after `after` (any time,
/// when `None`) and before `before`, oldest first.
pub async fn succeeded_between(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    sources: &[Channel],
    after: Option<DateTime<Utc>>,
    before: DateTime<Utc>,
) -> Result<Vec<(uuid::Uuid, Vec<ItemChange>)>, StoreError> {
    let mut query = import_run::Entity::find()
        .filter(import_run::Column::TenantId.eq(tenant.0))
        .filter(import_run::Column::Source.is_in(sources.iter().map(|s| s.as_str())))
        .filter(import_run::Column::Outcome.eq("succeeded"))
        .filter(import_run::Column::StartedAt.lt(before));
    if let Some(after) = after {
        query = query.filter(import_run::Column::StartedAt.gte(after));
    }
    // Ids are UUIDv7: their order is the order the runs started.
    let rows = query.order_by_asc(import_run::Column::Id).all(conn).await?;
    Ok(rows.into_iter().map(|r| (r.id, serde_json::from_str(&r.changes).unwrap_or_default())).collect())
}
