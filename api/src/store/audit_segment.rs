//! Segments of a tenant's audit chain: the rows of a period with the hashes that anchor them, for the extract an
//! evidence pack carries and an auditor verifies offline.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::StoreError;
use super::audit::stored_row;
use crate::domain::audit::{Chain, GENESIS_HASH, StoredRow};
use crate::entities::audit_log;

/// The first and last position of `chain`'s rows stamped in `[from, to)`, when there are any: the bounds of the
/// contiguous segment an evidence pack carries.
pub async fn seq_bounds(
    conn: &impl ConnectionTrait,
    chain: Chain,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Option<(i64, i64)>, StoreError> {
    let in_period = || {
        audit_log::Entity::find()
            .filter(audit_log::Column::Chain.eq(chain.key()))
            .filter(audit_log::Column::At.gte(from))
            .filter(audit_log::Column::At.lt(to))
            .select_only()
            .column(audit_log::Column::Seq)
    };
    let first = in_period().order_by_asc(audit_log::Column::Seq).into_tuple::<i64>().one(conn).await?;
    let last = in_period().order_by_desc(audit_log::Column::Seq).into_tuple::<i64>().one(conn).await?;
    Ok(first.zip(last))
}

/// The hash of row `seq` of `chain` (the genesis hash for position 0).
pub async fn hash_at(conn: &impl ConnectionTrait, chain: Chain, seq: i64) -> Result<String, StoreError> {
    if seq <= 0 {
        return Ok(GENESIS_HASH.to_owned());
    }
    audit_log::Entity::find()
        .filter(audit_log::Column::Chain.eq(chain.key()))
        .filter(audit_log::Column::Seq.eq(seq))
        .select_only()
        .column(audit_log::Column::Hash)
        .into_tuple::<String>()
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("audit row"))
}

/// The last row of `chain` stamped before `before` (any time with `None`), as `(seq, hash)`; `(0, genesis)` for none.
pub async fn last_before(
    conn: &impl ConnectionTrait,
    chain: Chain,
    before: Option<DateTime<Utc>>,
) -> Result<(i64, String), StoreError> {
    let mut query = audit_log::Entity::find().filter(audit_log::Column::Chain.eq(chain.key()));
    if let Some(before) = before {
        query = query.filter(audit_log::Column::At.lt(before));
    }
    let row: Option<(i64, String)> = query
        .order_by_desc(audit_log::Column::Seq)
        .select_only()
        .columns([audit_log::Column::Seq, audit_log::Column::Hash])
        .into_tuple()
        .one(conn)
        .await?;
    Ok(row.unwrap_or((0, GENESIS_HASH.to_owned())))
}

/// Up to `limit` rows of `chain` after position `after_seq` and up to `last_seq`, as stored (every hashed field):
/// for an audit extract someone verifies offline.
pub async fn stored_rows(
    conn: &impl ConnectionTrait,
    chain: Chain,
    after_seq: i64,
    last_seq: i64,
    limit: u64,
) -> Result<Vec<StoredRow>, StoreError> {
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Chain.eq(chain.key()))
        .filter(audit_log::Column::Seq.gt(after_seq))
        .filter(audit_log::Column::Seq.lte(last_seq))
        .order_by_asc(audit_log::Column::Seq)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(stored_row).collect())
}
