//! The tenant's items in priority order, read in chunks so an export of 100 000 items never holds them all.
//!
//! Buckets are derived on read (ratings, mappings, audit scope, rules), so ordering takes two passes: the first
//! places every item chunk by chunk and keeps only what the order and the coverage sheets need (`RankedItem`);
//! the second reads the full views chunk by chunk in that order as the rows are written.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

use super::StoreError;
use super::recommendation_view::with_links;
use super::recommendations::Recommendation;
use crate::domain::bucket::Bucket;
use crate::domain::coverage::CoveredItem;
use crate::domain::ids::TenantId;
use crate::entities::recommendation;

/// Items read per chunk: enough to keep the link look-ups few, small enough to keep memory flat.
pub const CHUNK: usize = 2_000;

/// What the priority order and the coverage counts need of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedItem {
    pub id: uuid::Uuid,
    pub bucket: Bucket,
    pub points_available: f64,
    /// Microsoft's rank (breaks ties between equal buckets and points).
    pub rank: Option<i32>,
    pub covered: CoveredItem,
    /// `(framework, control_id)` of every mapped control.
    pub mapped: Vec<(String, String)>,
}

impl RankedItem {
    fn of(view: &Recommendation) -> Self {
        Self {
            id: view.id,
            bucket: view.bucket,
            points_available: view.points_available,
            rank: view.rank,
            covered: CoveredItem {
                status: view.status,
                status_confirmed: view.status_confirmed,
                scored: !view.deprecated && view.max > 0.0 && view.achieved.is_some(),
            },
            mapped: view.mappings.iter().map(|m| (m.framework.clone(), m.control_id.clone())).collect(),
        }
    }
}

/// Every current (not removed) item of the tenant in priority order: bucket (P1 first, unrated last), points
/// still available (most first), Microsoft's rank (unranked last), then id.
pub async fn ranked_items(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<Vec<RankedItem>, StoreError> {
    let mut ranked = Vec::new();
    let mut after: Option<uuid::Uuid> = None;
    loop {
        let mut query = recommendation::Entity::find()
            .filter(recommendation::Column::TenantId.eq(tenant.0))
            .filter(recommendation::Column::RemovedAt.is_null());
        if let Some(after) = after {
            query = query.filter(recommendation::Column::Id.gt(after));
        }
        let rows = query.order_by_asc(recommendation::Column::Id).limit(CHUNK as u64).all(conn).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        let full = rows.len() == CHUNK;
        ranked.extend(with_links(conn, tenant, rows, now).await?.iter().map(RankedItem::of));
        if !full {
            break;
        }
    }
    ranked.sort_by(|a, b| {
        a.bucket
            .cmp(&b.bucket)
            .then(b.points_available.total_cmp(&a.points_available))
            .then(a.rank.is_none().cmp(&b.rank.is_none()))
            .then(a.rank.cmp(&b.rank))
            .then(a.id.cmp(&b.id))
    });
    Ok(ranked)
}

/// The full views of `ids` (at most a few thousand), in the order given; ids of items gone since are skipped.
pub async fn views_in_order(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[uuid::Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<Recommendation>, StoreError> {
    let rows = recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let mut views: HashMap<uuid::Uuid, Recommendation> =
        with_links(conn, tenant, rows, now).await?.into_iter().map(|v| (v.id, v)).collect();
    Ok(ids.iter().filter_map(|id| views.remove(id)).collect())
}
