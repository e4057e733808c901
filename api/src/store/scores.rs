//! Daily score snapshots per tenant, product and scope, kept for as long as the tenant exists.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

use super::StoreError;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{Channel, Product};
use crate::domain::score::{CategoryScore, percent};
use crate::entities::score_snapshot;

/// One day's score.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Snapshot {
    pub day: NaiveDate,
    pub product: Product,
    /// Empty for Microsoft 365; the subscription id for Defender for Cloud.
    pub scope: String,
    pub current: f64,
    pub max: f64,
    pub percent: f64,
    pub categories: Vec<CategoryScore>,
    /// What Microsoft gives beside the score, as given: for Microsoft 365 a list of comparative averages
    /// (`averageScore`, `basis`, …), for a Defender for Cloud subscription an object with its `percentage` and
    /// `weight`.
    #[schema(value_type = Value)]
    pub averages: serde_json::Value,
    /// Where the figure came from.
    pub source: Channel,
}

fn view(m: score_snapshot::Model) -> Snapshot {
    Snapshot {
        day: NaiveDate::parse_from_str(&m.day, "%Y-%m-%d").unwrap_or_default(),
        product: m.product.parse().unwrap_or(Product::M365),
        scope: m.scope,
        current: m.current,
        max: m.max,
        percent: percent(m.current, m.max),
        categories: serde_json::from_str(&m.categories).unwrap_or_default(),
        averages: serde_json::from_str(&m.averages).unwrap_or_default(),
        source: m.source.parse().unwrap_or(Channel::Graph),
    }
}

/// Writes (or replaces) the snapshot of its day.
pub async fn upsert(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    now: DateTime<Utc>,
    snapshot: &Snapshot,
) -> Result<(), StoreError> {
    let row = score_snapshot::ActiveModel {
        tenant_id: Set(tenant.0),
        product: Set(snapshot.product.as_str().to_owned()),
        scope: Set(snapshot.scope.clone()),
        day: Set(snapshot.day.format("%Y-%m-%d").to_string()),
        current: Set(snapshot.current),
        max: Set(snapshot.max),
        categories: Set(serde_json::to_string(&snapshot.categories).unwrap_or_else(|_| "[]".into())),
        averages: Set(snapshot.averages.to_string()),
        source: Set(snapshot.source.as_str().to_owned()),
        recorded_at: Set(now),
        ..Default::default()
    };
    let on_conflict = OnConflict::columns([
        score_snapshot::Column::TenantId,
        score_snapshot::Column::Product,
        score_snapshot::Column::Scope,
        score_snapshot::Column::Day,
    ])
    .update_columns([
        score_snapshot::Column::Current,
        score_snapshot::Column::Max,
        score_snapshot::Column::Categories,
        score_snapshot::Column::Averages,
        score_snapshot::Column::Source,
        score_snapshot::Column::RecordedAt,
    ])
    .to_owned();
    score_snapshot::Entity::insert(row).on_conflict(on_conflict).exec(conn).await?;
    Ok(())
}

/// Snapshots of `product` since `since` (inclusive), oldest first; every scope.
pub async fn history(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
    since: NaiveDate,
) -> Result<Vec<Snapshot>, StoreError> {
    let rows = score_snapshot::Entity::find()
        .filter(score_snapshot::Column::TenantId.eq(tenant.0))
        .filter(score_snapshot::Column::Product.eq(product.as_str()))
        .filter(score_snapshot::Column::Day.gte(since.format("%Y-%m-%d").to_string()))
        .order_by_asc(score_snapshot::Column::Day)
        .order_by_asc(score_snapshot::Column::Scope)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(view).collect())
}

/// The newest snapshot of each scope of `product`.
pub async fn latest(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
) -> Result<Vec<Snapshot>, StoreError> {
    let rows = score_snapshot::Entity::find()
        .filter(score_snapshot::Column::TenantId.eq(tenant.0))
        .filter(score_snapshot::Column::Product.eq(product.as_str()))
        .order_by_desc(score_snapshot::Column::Day)
        .all(conn)
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows.into_iter().filter(|r| seen.insert(r.scope.clone())).map(view).collect())
}

/// The whole-tenant snapshot (scope `""`) of `product`'s `count` newest days, newest first.
pub async fn latest_days(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
    count: u64,
) -> Result<Vec<Snapshot>, StoreError> {
    let days = newest_days(conn, tenant, product, count).await?;
    Ok(days.into_iter().filter_map(|(_, scopes)| scopes.into_iter().find(|s| s.scope.is_empty())).collect())
}

/// The snapshots of `product` on its `n` newest days, newest day first; every scope of each day.
pub async fn newest_days(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
    n: u64,
) -> Result<Vec<(NaiveDate, Vec<Snapshot>)>, StoreError> {
    use sea_orm::QuerySelect;
    let days: Vec<String> = score_snapshot::Entity::find()
        .select_only()
        .column(score_snapshot::Column::Day)
        .distinct()
        .filter(score_snapshot::Column::TenantId.eq(tenant.0))
        .filter(score_snapshot::Column::Product.eq(product.as_str()))
        .order_by_desc(score_snapshot::Column::Day)
        .limit(n)
        .into_tuple()
        .all(conn)
        .await?;
    if days.is_empty() {
        return Ok(Vec::new());
    }
    let rows = score_snapshot::Entity::find()
        .filter(score_snapshot::Column::TenantId.eq(tenant.0))
        .filter(score_snapshot::Column::Product.eq(product.as_str()))
        .filter(score_snapshot::Column::Day.is_in(days))
        .order_by_desc(score_snapshot::Column::Day)
        .order_by_asc(score_snapshot::Column::Scope)
        .all(conn)
        .await?;
    let mut grouped: Vec<(NaiveDate, Vec<Snapshot>)> = Vec::new();
    for snapshot in rows.into_iter().map(view) {
        match grouped.last_mut() {
            Some((day, list)) if *day == snapshot.day => list.push(snapshot),
            _ => grouped.push((snapshot.day, vec![snapshot])),
        }
    }
    Ok(grouped)
}
