//! The weekly digest: composed from the score history, the weekly review and the trend chart, and written to the
//! notification outbox once per scheduled week (the delivery channels drain the outbox).

use base64::Engine;
use chrono::{DateTime, Days, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::trend_png::{self, ChartError};
use crate::domain::digest::{DayScore, DigestFacts, DigestPayload, KIND, TopItem, compose, dedupe_key, week_ago};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Product;
use crate::store::digest_schedule::{self, Scheduled};
use crate::store::{StoreError, notifications, scores, tenants, weekly_review};

/// Days of history the trend chart shows.
pub const TREND_DAYS: u64 = 30;

/// Why a digest could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chart(#[from] ChartError),
}

/// The Microsoft Secure Score of the last `TREND_DAYS` days, oldest first.
async fn trend(conn: &impl ConnectionTrait, tenant: TenantId, now: DateTime<Utc>) -> Result<Vec<DayScore>, StoreError> {
    let since = now.date_naive() - Days::new(TREND_DAYS - 1);
    Ok(scores::history(conn, tenant, Product::M365, since)
        .await?
        .into_iter()
        .map(|s| DayScore { day: s.day, current: s.current, max: s.max, percent: s.percent })
        .collect())
}

fn render(history: &[DayScore]) -> Result<Vec<u8>, ChartError> {
    let series: Vec<_> = history.iter().map(|s| (s.day, s.percent)).collect();
    trend_png::render(&format!("Microsoft Secure Score, last {TREND_DAYS} days"), &series)
}

/// The trend chart as PNG.
pub async fn chart(conn: &impl ConnectionTrait, tenant: TenantId, now: DateTime<Utc>) -> Result<Vec<u8>, DigestError> {
    Ok(render(&trend(conn, tenant, now).await?)?)
}

/// The digest as it would be written now.
pub async fn compose_for(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<DigestPayload, DigestError> {
    let tenant_name = tenants::get(conn, tenant).await?.ok_or(StoreError::NotFound("tenant"))?.name;
    let history = trend(conn, tenant, now).await?;
    let png = render(&history)?;
    let review = weekly_review::review(conn, tenant, crate::domain::weekly_review::default_since(now), now).await?;
    let score = history.last().copied();
    let facts = DigestFacts {
        tenant_name,
        now,
        score,
        week_ago: week_ago(&history, now.date_naive()),
        open_controls: review.open.count,
        open_points: review.open.points_available,
        top: review
            .open
            .top
            .iter()
            .map(|t| TopItem {
                title: t.title.clone(),
                bucket: t.bucket,
                points_available: t.points_available,
                status: t.status.as_str().to_owned(),
                owner: t.owner.name.clone(),
            })
            .collect(),
        review_counts: [
            review.new_recommendations.len() as u64,
            review.regressions.len() as u64,
            review.unconfirmed_completions.len() as u64,
            review.overdue.len() as u64,
            review.review_due.len() as u64,
        ],
        chart_base64: base64::engine::general_purpose::STANDARD.encode(png),
    };
    Ok(compose(&facts))
}

/// Writes the tenant's digest when its schedule makes one due and it was not written for that week yet; answers
/// whether it wrote one. Safe to call from several places at once: the outbox keeps one row per key.
pub async fn write_if_due(
    db: &DatabaseConnection,
    scheduled: &Scheduled,
    now: DateTime<Utc>,
) -> Result<bool, DigestError> {
    let Some(occurrence) = scheduled.schedule.due(scheduled.active_since, now) else { return Ok(false) };
    let key = dedupe_key(scheduled.tenant, &occurrence.week);
    // Composing reads every item and draws the chart: skip it when the week's digest is written already.
    if notifications::exists(db, &key).await? {
        return Ok(false);
    }
    let payload = compose_for(db, scheduled.tenant, now).await?;
    let value = serde_json::to_value(&payload).unwrap_or_default();
    Ok(notifications::enqueue(db, Some(scheduled.tenant), KIND, &key, &value, now).await?)
}

/// Writes every due digest; answers how many were written. A tenant that fails is logged and the others go on.
pub async fn write_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DigestError> {
    let mut written = 0;
    for scheduled in digest_schedule::scheduled(db).await? {
        match write_if_due(db, &scheduled, now).await {
            Ok(true) => written += 1,
            Ok(false) => {}
            Err(e) => tracing::error!(tenant = %scheduled.tenant, error = %e, "could not write the weekly digest"),
        }
    }
    Ok(written)
}
