//! Reading what diagnoses need: when people marked items completed, and the latest score change with the import
//! runs behind it (`domain::score_change` explains it).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

use super::StoreError;
use super::recommendation_view::with_links;
use super::scores::{self, Snapshot};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{Channel, Product, Status};
use crate::domain::score::{percent, round2};
use crate::domain::score_change::{ChangeInput, ItemNow, ScoreChangeExplanation, ScorePoint, explain};
use crate::entities::{recommendation, status_change};

/// A person's (not an import's) latest completion mark on an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    pub at: DateTime<Utc>,
    pub by: String,
}

/// When, and by whom, each of `items` was last marked completed by a person.
pub async fn marked_done(
    conn: &impl ConnectionTrait,
    items: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, Marked>, StoreError> {
    let ids: Vec<uuid::Uuid> = items.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut marked: HashMap<uuid::Uuid, Marked> = HashMap::new();
    // Chunked: one bound value per id, and SQLite allows 32 766.
    for chunk in ids.chunks(10_000) {
        let rows = status_change::Entity::find()
            .filter(status_change::Column::RecommendationId.is_in(chunk.iter().copied()))
            .filter(status_change::Column::ToStatus.eq(Status::Completed.as_str()))
            .filter(status_change::Column::ImportRunId.is_null())
            .all(conn)
            .await?;
        for row in rows {
            let newer = marked.get(&row.recommendation_id).is_none_or(|m| m.at <= row.at);
            if newer {
                marked.insert(row.recommendation_id, Marked { at: row.at, by: row.actor_name });
            }
        }
    }
    Ok(marked)
}

/// The channels a product's imports come through.
pub fn channels_of(product: Product) -> &'static [Channel] {
    match product {
        Product::M365 => &[Channel::Graph, Channel::Csv, Channel::Xlsx],
        Product::DefenderCloud => &[Channel::Defender],
    }
}

/// A day's snapshots summed over their scopes (Defender for Cloud: over its subscriptions, by points).
fn point(day: NaiveDate, snapshots: &[Snapshot]) -> ScorePoint {
    let current = round2(snapshots.iter().map(|s| s.current).sum());
    let max = round2(snapshots.iter().map(|s| s.max).sum());
    ScorePoint { day, current, max, percent: percent(current, max) }
}

fn scopes(product: Product, snapshots: &[Snapshot]) -> Vec<String> {
    match product {
        Product::M365 => Vec::new(),
        Product::DefenderCloud => snapshots.iter().map(|s| s.scope.clone()).collect(),
    }
}

/// The start of the day after `day`, UTC (snapshot days are UTC dates of the import).
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    (day + chrono::Days::new(1)).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// Explains the change between the two newest snapshot days of `product`, from the change lists of the
/// successful imports after the older day up to the end of the newer one.
pub async fn score_change(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
    now: DateTime<Utc>,
) -> Result<ScoreChangeExplanation, StoreError> {
    let days = scores::newest_days(conn, tenant, product, 2).await?;
    let to = days.first();
    let from = days.get(1);
    let (runs, changes) = match to {
        Some((to_day, _)) => {
            let after = from.map(|(day, _)| end_of(*day));
            let runs =
                super::import_runs::succeeded_between(conn, tenant, channels_of(product), after, end_of(*to_day))
                    .await?;
            let ids = runs.iter().map(|(id, _)| *id).collect();
            (ids, runs.into_iter().flat_map(|(_, changes)| changes).collect())
        }
        None => (Vec::new(), Vec::new()),
    };
    let rows = recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::Product.eq(product.as_str()))
        .all(conn)
        .await?;
    let views = with_links(conn, tenant, rows, now).await?;
    let held_back: Vec<_> = views
        .iter()
        .filter(|v| v.removed_at.is_none())
        .map(|v| (v.diagnosis.as_ref().map(|d| d.class), v.points_available))
        .collect();
    let items: HashMap<uuid::Uuid, ItemNow> = views
        .into_iter()
        .map(|v| (v.id, ItemNow { achieved: v.achieved, max: v.max, diagnosis: v.diagnosis }))
        .collect();
    let (from_scopes, to_scopes) = (
        from.map(|(_, s)| scopes(product, s)).unwrap_or_default(),
        to.map(|(_, s)| scopes(product, s)).unwrap_or_default(),
    );
    Ok(explain(ChangeInput {
        product,
        from: from.map(|(day, s)| point(*day, s)),
        to: to.map(|(day, s)| point(*day, s)),
        from_scopes: &from_scopes,
        to_scopes: &to_scopes,
        changes: &changes,
        runs,
        items: &items,
        held_back: &held_back,
    }))
}
