//! Appending to and reading the hash-chained audit trail. Every write calls [`append`] inside its own
//! transaction, so a change and its audit row commit together or not at all.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::Serialize;
use serde_json::Value;

use super::StoreError;
use super::page::{Page, PageRequest};
use crate::domain::audit::{
    Actor, ActorKind, AuditContent, Chain, ChainBreak, ChainVerifier, GENESIS_HASH, StoredRow, canonical_json, row_hash,
};
use crate::entities::audit_log;

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub chain: Chain,
    pub actor: &'a Actor,
    pub entity: &'a str,
    pub entity_id: String,
    pub action: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub comment: Option<String>,
}

impl<'a> Change<'a> {
    /// A change with no before/after state or comment yet.
    pub fn new(chain: Chain, actor: &'a Actor, entity: &'a str, entity_id: impl ToString, action: &'a str) -> Self {
        let entity_id = entity_id.to_string();
        Self { chain, actor, entity, entity_id, action, before: None, after: None, comment: None }
    }

    /// The state before the change.
    pub fn before(mut self, state: Value) -> Self {
        self.before = Some(state);
        self
    }

    /// The state after the change.
    pub fn after(mut self, state: Value) -> Self {
        self.after = Some(state);
        self
    }

    /// Why, in the actor's words.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }
}

/// Appends `change` to its chain at time `at`. Call inside the write transaction of the change itself.
pub async fn append(conn: &impl ConnectionTrait, at: DateTime<Utc>, change: Change<'_>) -> Result<(), StoreError> {
    append_row(conn, at, change, None, None).await
}

/// Appends one row for a bulk operation: its run id and the SHA-256 of its change list.
pub async fn append_bulk(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    change: Change<'_>,
    run_id: String,
    changes: &[Value],
) -> Result<(), StoreError> {
    let digest = crate::domain::audit::change_list_sha256(changes);
    append_bulk_sha256(conn, at, change, run_id, digest).await
}

/// [`append_bulk`] for a caller that has the change list's SHA-256 already (`domain::audit::change_list_sha256`
/// of the list, e.g. hashed from its stored canonical text), so a large list is not turned into values again.
pub async fn append_bulk_sha256(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    change: Change<'_>,
    run_id: String,
    change_list_sha256: String,
) -> Result<(), StoreError> {
    append_row(conn, at, change, Some(run_id), Some(change_list_sha256)).await
}

async fn append_row(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    change: Change<'_>,
    run_id: Option<String>,
    change_list_sha256: Option<String>,
) -> Result<(), StoreError> {
    let chain = change.chain.key();
    let last = audit_log::Entity::find()
        .filter(audit_log::Column::Chain.eq(chain.clone()))
        .order_by_desc(audit_log::Column::Seq)
        .one(conn)
        .await?;
    let (seq, prev_hash) = match last {
        Some(row) => (row.seq + 1, row.hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let content = AuditContent {
        chain,
        seq,
        at,
        actor_kind: change.actor.kind.as_str().to_owned(),
        actor_id: change.actor.id.clone(),
        actor_name: change.actor.name.clone(),
        entity: change.entity.to_owned(),
        entity_id: change.entity_id,
        action: change.action.to_owned(),
        before: change.before.as_ref().map(canonical_json),
        after: change.after.as_ref().map(canonical_json),
        comment: change.comment,
        run_id,
        change_list_sha256,
    };
    let hash = row_hash(&prev_hash, &content);
    audit_log::ActiveModel {
        chain: Set(content.chain),
        seq: Set(content.seq),
        at: Set(content.at),
        actor_kind: Set(content.actor_kind),
        actor_id: Set(content.actor_id),
        actor_name: Set(content.actor_name),
        entity: Set(content.entity),
        entity_id: Set(content.entity_id),
        action: Set(content.action),
        before_json: Set(content.before),
        after_json: Set(content.after),
        comment: Set(content.comment),
        run_id: Set(content.run_id),
        change_list_sha256: Set(content.change_list_sha256),
        prev_hash: Set(prev_hash),
        hash: Set(hash),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// One row of the trail as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    /// Position in its chain, from 1.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    pub actor_id: Option<String>,
    pub actor_name: String,
    /// What kind of thing changed (`tenant`, `user`, `membership`, `service_token`, …).
    pub entity: String,
    pub entity_id: String,
    /// What happened (`create`, `update`, `revoke`, …).
    pub action: String,
    /// State before the change.
    pub before: Option<Value>,
    /// State after the change.
    pub after: Option<Value>,
    pub comment: Option<String>,
    pub run_id: Option<String>,
    pub change_list_sha256: Option<String>,
    /// SHA-256 hex of the previous row (64 zeros for the first row).
    pub prev_hash: String,
    /// SHA-256 hex of `prev_hash` and this row's canonical content.
    pub hash: String,
}

impl From<audit_log::Model> for AuditRecord {
    fn from(m: audit_log::Model) -> Self {
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        Self {
            seq: m.seq,
            at: m.at,
            actor_kind: ActorKind::from_stored(&m.actor_kind),
            actor_id: m.actor_id,
            actor_name: m.actor_name,
            entity: m.entity,
            entity_id: m.entity_id,
            action: m.action,
            before: parse(m.before_json),
            after: parse(m.after_json),
            comment: m.comment,
            run_id: m.run_id,
            change_list_sha256: m.change_list_sha256,
            prev_hash: m.prev_hash,
            hash: m.hash,
        }
    }
}

/// Filters on the trail.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A page of `chain`, oldest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    chain: Chain,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditRecord>, StoreError> {
    let mut query = audit_log::Entity::find().filter(audit_log::Column::Chain.eq(chain.key()));
    if let Some(entity) = &filter.entity {
        query = query.filter(audit_log::Column::Entity.eq(entity.clone()));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_log::Column::EntityId.eq(entity_id.clone()));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(
            sea_orm::Condition::any()
                .add(audit_log::Column::ActorName.eq(actor.clone()))
                .add(audit_log::Column::ActorId.eq(actor.clone())),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::Column::At.lt(to));
    }
    let total = query.clone().count(conn).await?;
    if let Some(after) = page.after_i64()? {
        query = query.filter(audit_log::Column::Seq.gt(after));
    }
    let rows = query.order_by_asc(audit_log::Column::Seq).limit(page.limit + 1).all(conn).await?;
    Ok(Page::from_rows(rows, page.limit, total, |r| r.seq.to_string()).map(AuditRecord::from))
}

/// How many rows `chain` holds.
pub async fn row_count(conn: &impl ConnectionTrait, chain: Chain) -> Result<u64, StoreError> {
    Ok(audit_log::Entity::find().filter(audit_log::Column::Chain.eq(chain.key())).count(conn).await?)
}

/// Up to `limit` rows of `chain` after position `after_seq`, oldest first: for exports that walk the whole chain.
pub async fn rows_after(
    conn: &impl ConnectionTrait,
    chain: Chain,
    after_seq: i64,
    limit: u64,
) -> Result<Vec<AuditRecord>, StoreError> {
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Chain.eq(chain.key()))
        .filter(audit_log::Column::Seq.gt(after_seq))
        .order_by_asc(audit_log::Column::Seq)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(AuditRecord::from).collect())
}

/// The outcome of recomputing a chain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    /// `platform` or the tenant id.
    pub chain: String,
    /// True when every row matched.
    pub intact: bool,
    /// Rows that matched before the first break (all rows when intact).
    pub rows_checked: u64,
    /// Hash of the last matching row: quote it to tie an export or a report to the trail.
    pub head_hash: String,
    /// The first row that does not match, when there is one.
    pub first_break: Option<ChainBreak>,
}

/// Rows read per query while verifying, so a long chain never sits in memory at once.
const VERIFY_BATCH: u64 = 1000;

/// Recomputes `chain` from its first row and reports the first row that does not match.
pub async fn verify(conn: &impl ConnectionTrait, chain: Chain) -> Result<ChainReport, StoreError> {
    verify_key(conn, chain.key()).await
}

/// Verifies every chain the database holds (the platform's and each tenant's), in key order.
pub async fn verify_every_chain(conn: &impl ConnectionTrait) -> Result<Vec<ChainReport>, StoreError> {
    let keys: Vec<String> = audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Chain)
        .distinct()
        .order_by_asc(audit_log::Column::Chain)
        .into_tuple()
        .all(conn)
        .await?;
    let mut reports = Vec::with_capacity(keys.len());
    for key in keys {
        reports.push(verify_key(conn, key).await?);
    }
    Ok(reports)
}

async fn verify_key(conn: &impl ConnectionTrait, key: String) -> Result<ChainReport, StoreError> {
    let mut verifier = ChainVerifier::default();
    let mut last_id = i64::MIN;
    loop {
        // Walk in insertion order (the primary key), so a row whose seq was edited shows up as a gap.
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::Chain.eq(key.clone()))
            .filter(audit_log::Column::Id.gt(last_id))
            .order_by_asc(audit_log::Column::Id)
            .limit(VERIFY_BATCH)
            .all(conn)
            .await?;
        let Some(last) = rows.last() else { break };
        last_id = last.id;
        for row in rows {
            let stored = stored_row(row);
            if let Err(first_break) = verifier.check(&stored) {
                return Ok(ChainReport {
                    chain: key,
                    intact: false,
                    rows_checked: verifier.checked(),
                    head_hash: verifier.head().to_owned(),
                    first_break: Some(first_break),
                });
            }
        }
    }
    Ok(ChainReport {
        chain: key,
        intact: true,
        rows_checked: verifier.checked(),
        head_hash: verifier.head().to_owned(),
        first_break: None,
    })
}

pub(super) fn stored_row(m: audit_log::Model) -> StoredRow {
    StoredRow {
        content: AuditContent {
            chain: m.chain,
            seq: m.seq,
            at: m.at,
            actor_kind: m.actor_kind,
            actor_id: m.actor_id,
            actor_name: m.actor_name,
            entity: m.entity,
            entity_id: m.entity_id,
            action: m.action,
            before: m.before_json,
            after: m.after_json,
            comment: m.comment,
            run_id: m.run_id,
            change_list_sha256: m.change_list_sha256,
        },
        prev_hash: m.prev_hash,
        hash: m.hash,
    }
}
