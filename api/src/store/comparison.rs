//! Comparisons: a tenant against Microsoft's comparative averages (all tenants, similar seat count) from its latest
//! snapshot, and — the MSP view — every tenant a caller sees, side by side.

use chrono::{DateTime, Days, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use super::StoreError;
use super::register::{RegisterFilter, list as register_list};
use super::scores;
use crate::domain::bucket::Bucket;
use crate::domain::ids::TenantId;
use crate::domain::principal::TenantScope;
use crate::domain::recommendation::Product;
use crate::domain::score::round2;
use crate::entities::tenant;

/// Microsoft's average for one basis.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Benchmark {
    /// `AllTenants`, `TotalSeats` (similar seat count), `IndustryTypes`.
    pub basis: String,
    pub average_percent: Option<f64>,
    /// The tenant's percent minus the average, in percentage points.
    pub difference: Option<f64>,
}

/// The tenant against Microsoft's averages.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TenantBenchmark {
    pub day: Option<chrono::NaiveDate>,
    pub percent: Option<f64>,
    pub benchmarks: Vec<Benchmark>,
}

/// The tenant's latest Secure Score against the averages Graph reported with it. Microsoft's `averageScore`
/// appears to be a percentage (its scale differs from the tenant's points), so it is compared as one.
pub async fn benchmark(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<TenantBenchmark, StoreError> {
    let latest = scores::latest_days(conn, tenant, Product::M365, 1).await?.into_iter().next();
    let Some(latest) = latest else { return Ok(TenantBenchmark { day: None, percent: None, benchmarks: Vec::new() }) };
    let benchmarks = latest
        .averages
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let average = a["average_score"].as_f64();
            Benchmark {
                basis: a["basis"].as_str().unwrap_or_default().to_owned(),
                average_percent: average.map(round2),
                difference: average.map(|avg| round2(latest.percent - avg)),
            }
        })
        .collect();
    Ok(TenantBenchmark { day: Some(latest.day), percent: Some(latest.percent), benchmarks })
}

/// One tenant in the side-by-side view.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TenantRow {
    pub tenant_id: uuid::Uuid,
    pub name: String,
    pub score_percent: Option<f64>,
    /// Percentage points against the newest snapshot at least 30 days older.
    pub change_30_days: Option<f64>,
    /// Quick wins not yet done.
    pub open_p1: u64,
    /// Items that were complete and are not any more.
    pub regressions: u64,
    /// Register entries with their review due.
    pub review_due: u64,
    pub last_snapshot: Option<chrono::NaiveDate>,
}

/// What to sort the side-by-side view by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompareBy {
    #[default]
    Name,
    Score,
    Change,
    OpenP1,
    Regressions,
    ReviewDue,
}

/// Every tenant `scope` sees, side by side, sorted by `by` (ascending unless `descending`).
pub async fn tenants(
    conn: &impl ConnectionTrait,
    scope: &TenantScope,
    by: CompareBy,
    descending: bool,
    now: DateTime<Utc>,
) -> Result<Vec<TenantRow>, StoreError> {
    let mut query = tenant::Entity::find().filter(tenant::Column::ArchivedAt.is_null());
    if let TenantScope::Only(ids) = scope {
        query = query.filter(tenant::Column::Id.is_in(ids.iter().map(|t| t.0)));
    }
    let mut rows = Vec::new();
    for t in query.order_by_asc(tenant::Column::Name).all(conn).await? {
        let id = TenantId(t.id);
        let month_ago = now.date_naive().checked_sub_days(Days::new(30)).unwrap_or(now.date_naive());
        let history =
            scores::history(conn, id, Product::M365, month_ago.checked_sub_days(Days::new(60)).unwrap_or(month_ago))
                .await?;
        let history: Vec<&scores::Snapshot> = history.iter().filter(|s| s.scope.is_empty()).collect();
        let latest = history.last().copied();
        let before = history.iter().rev().find(|s| s.day <= month_ago).copied();
        let items = super::recommendations::current_views(conn, id, now).await?;
        let review_due = register_list(
            conn,
            id,
            &RegisterFilter { review_due_within_days: Some(30), ..Default::default() },
            &super::page::PageRequest { limit: 500, after: None },
            now,
        )
        .await?
        .total;
        rows.push(TenantRow {
            tenant_id: t.id,
            name: t.name,
            score_percent: latest.map(|s| s.percent),
            change_30_days: latest.zip(before).map(|(l, b)| round2(l.percent - b.percent)),
            open_p1: items.iter().filter(|i| i.bucket == Bucket::P1 && i.points_available > 0.0).count() as u64,
            regressions: items.iter().filter(|i| i.regressed).count() as u64,
            review_due,
            last_snapshot: latest.map(|s| s.day),
        });
    }
    let key = |r: &TenantRow| -> f64 {
        match by {
            CompareBy::Name => 0.0,
            CompareBy::Score => r.score_percent.unwrap_or(f64::MIN),
            CompareBy::Change => r.change_30_days.unwrap_or(f64::MIN),
            CompareBy::OpenP1 => r.open_p1 as f64,
            CompareBy::Regressions => r.regressions as f64,
            CompareBy::ReviewDue => r.review_due as f64,
        }
    };
    rows.sort_by(|a, b| key(a).total_cmp(&key(b)).then_with(|| a.name.cmp(&b.name)));
    if descending {
        rows.reverse();
    }
    Ok(rows)
}
