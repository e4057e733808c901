//! The tenant's items in priority order, read in chunks so an export of 100 000 items never holds them all.
//!
//! Buckets are derived on read (ratings, mappings, audit scope, rules), so ordering takes two passes: the first
//! reads only what placing an item needs, chunk by chunk, and keeps what the order and the coverage sheets need
//! (`RankedItem`); the second reads the full views chunk by chunk in that order as the rows are written.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

use super::catalogs::MappedControl;
use super::ownership::{self, Ownership};
use super::recommendation_view::TenantContext;
use super::{StoreError, catalogs, ratings};
use crate::domain::bucket::{Bucket, Placement};
use crate::domain::coverage::CoveredItem;
use crate::domain::ids::TenantId;
use crate::domain::rating::Rating;
use crate::domain::recommendation::{Product, Status};
use crate::domain::score::round2;
use crate::entities::recommendation;

/// Items read per chunk: enough to keep the link look-ups few, small enough to keep memory flat.
pub const CHUNK: usize = 2_000;

/// The columns of an item the order reads: id, control key, max, achieved, rank, status, confirmed, deprecated.
type LeanRow = (uuid::Uuid, Option<String>, f64, Option<f64>, Option<i32>, String, bool, bool);

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

/// Every current (not removed) item of the tenant in priority order: bucket (P1 first, unrated last), points
/// still available (most first), Microsoft's rank (unranked last), then id.
pub async fn ranked_items(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<RankedItem>, StoreError> {
    use recommendation::Column as C;
    let placing = Placing::of(conn, tenant).await?;
    let mut ranked = Vec::new();
    let mut after: Option<uuid::Uuid> = None;
    loop {
        // Only the columns the order and the coverage need: the full views are read later, a chunk at a time.
        let mut query = recommendation::Entity::find()
            .select_only()
            .columns([C::Id, C::ControlKey, C::MaxScore, C::Achieved, C::Rank, C::Status, C::StatusConfirmed])
            .column(C::Deprecated)
            .filter(C::TenantId.eq(tenant.0))
            .filter(C::RemovedAt.is_null());
        if let Some(after) = after {
            query = query.filter(C::Id.gt(after));
        }
        let rows: Vec<LeanRow> = query.order_by_asc(C::Id).limit(CHUNK as u64).into_tuple().all(conn).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.0);
        let full = rows.len() == CHUNK;
        let keys: Vec<(uuid::Uuid, Option<String>)> = rows.iter().map(|r| (r.0, r.1.clone())).collect();
        let mut mappings = catalogs::effective_mappings(conn, &keys).await?;
        let ratings = ratings::ratings_for(conn, rows.iter().map(|r| r.0)).await?;
        for (id, _, max, achieved, rank, status, status_confirmed, deprecated) in rows {
            let mapped = mappings.remove(&id).unwrap_or_default();
            let rating = ratings.get(&id).map(|r| r.rating()).unwrap_or_default();
            ranked.push(RankedItem {
                id,
                bucket: placing.place(rating, &mapped).bucket,
                points_available: points_available(max, achieved),
                rank,
                covered: CoveredItem {
                    status: status.parse().unwrap_or(Status::ToAddress),
                    status_confirmed,
                    scored: !deprecated && max > 0.0 && achieved.is_some(),
                },
                mapped: mapped.into_iter().map(|m| (m.framework, m.control_id)).collect(),
            });
        }
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

/// The tenant's settings that place items, read once: the same placement as an item's view
/// (`recommendation_view`), from the rating and the alignment of the item's mappings to the audit scope.
pub struct Placing {
    context: TenantContext,
}

impl Placing {
    /// The tenant's current settings.
    pub async fn of(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Self, StoreError> {
        Ok(Self { context: TenantContext::of(conn, tenant).await? })
    }

    fn place(&self, rating: Rating, mapped: &[MappedControl]) -> Placement {
        self.context.rules.place_item(rating, self.context.aligned(mapped))
    }
}

/// Points still available, as an item's view computes them (0 when not applicable).
fn points_available(max: f64, achieved: Option<f64>) -> f64 {
    round2(achieved.map(|a| (max - a).max(0.0)).unwrap_or(0.0))
}

/// The full views of `ids` (at most a few thousand), in the order given; ids of items gone since, or of another
/// tenant, are skipped.
pub(in crate::store) async fn views_in_order(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[uuid::Uuid],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<super::recommendations::Recommendation>, StoreError> {
    let rows = rows_by_id(conn, tenant, ids).await?;
    let mut views: HashMap<uuid::Uuid, super::recommendations::Recommendation> =
        super::recommendation_view::with_links(conn, tenant, rows, now).await?.into_iter().map(|v| (v.id, v)).collect();
    Ok(ids.iter().filter_map(|id| views.remove(id)).collect())
}

/// The rows of `ids` (at most a few thousand) that belong to `tenant`, in no particular order.
pub(in crate::store) async fn rows_by_id(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[uuid::Uuid],
) -> Result<Vec<recommendation::Model>, StoreError> {
    // By primary key alone, as in `action_rows`; the tenant is checked on the rows.
    Ok(recommendation::Entity::find()
        .filter(recommendation::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .filter(|r| r.tenant_id == tenant.0)
        .collect())
}

/// One row of the prioritised actions: what the sheet shows of an item, and nothing more.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRow {
    pub id: uuid::Uuid,
    pub title: String,
    pub category: Option<String>,
    pub product: Product,
    pub external_id: Option<String>,
    pub score_impact: Option<f64>,
    pub achieved: Option<f64>,
    pub max: f64,
    pub points_available: f64,
    pub status: Status,
    pub rating: Rating,
    pub mappings: Vec<MappedControl>,
    pub placement: Placement,
    pub ownership: Ownership,
}

/// The action rows of `ids` (at most a few thousand), in the order given, placed by `placing` (read once per
/// export); ids of items gone since are skipped.
pub async fn action_rows(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    placing: &Placing,
    ids: &[uuid::Uuid],
) -> Result<Vec<ActionRow>, StoreError> {
    use recommendation::Column as C;
    // By primary key alone: with the tenant in the WHERE clause SQLite may walk the tenant's index instead, which
    // reads every item of the tenant per chunk. The tenant is checked on the rows instead.
    let rows: Vec<ActionColumns> = recommendation::Entity::find()
        .select_only()
        .columns([C::Id, C::Title, C::Category, C::Product, C::ControlKey, C::ScoreImpact, C::Achieved])
        .columns([C::MaxScore, C::Status, C::TenantId])
        .filter(C::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    let rows: Vec<ActionColumns> = rows.into_iter().filter(|r| r.9 == tenant.0).collect();
    let keys: Vec<(uuid::Uuid, Option<String>)> = rows.iter().map(|r| (r.0, r.4.clone())).collect();
    let mut mappings = catalogs::effective_mappings(conn, &keys).await?;
    let ratings = ratings::ratings_for(conn, rows.iter().map(|r| r.0)).await?;
    let mut owners = ownership::ownership_for(conn, rows.iter().map(|r| r.0)).await?;
    let mut by_id: HashMap<uuid::Uuid, ActionRow> = HashMap::with_capacity(rows.len());
    for (id, title, category, product, external_id, score_impact, achieved, max, status, _) in rows {
        let mappings = mappings.remove(&id).unwrap_or_default();
        let rating = ratings.get(&id).map(|r| r.rating()).unwrap_or_default();
        let placement = placing.place(rating, &mappings);
        let row = ActionRow {
            id,
            title,
            category,
            product: product.parse().unwrap_or(Product::M365),
            external_id,
            score_impact,
            achieved,
            max,
            points_available: points_available(max, achieved),
            status: status.parse().unwrap_or(Status::ToAddress),
            rating,
            mappings,
            placement,
            ownership: owners.remove(&id).unwrap_or_default(),
        };
        by_id.insert(id, row);
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// id, title, category, product, control key, score impact, achieved, max, status, tenant.
type ActionColumns =
    (uuid::Uuid, String, Option<String>, String, Option<String>, Option<f64>, Option<f64>, f64, String, uuid::Uuid);
