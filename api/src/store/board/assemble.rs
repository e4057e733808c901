//! Assembling a quarter's board report from what the database holds on a day: dated score snapshots, status
//! history, the items and their register decisions, coverage by the one coverage function, and the quarter's plan.

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

use crate::domain::board::{
    BoardReport, CompletedAction, FrameworkCoverage, Gap, RoadmapDelivery, ScoreChange, TrendPoint,
};
use crate::domain::bucket::Bucket;
use crate::domain::ids::TenantId;
use crate::domain::quarter::Quarter;
use crate::domain::recommendation::{Product, Status};
use crate::domain::roadmap::Phase;
use crate::domain::score::round2;
use crate::entities::{roadmap, roadmap_event, roadmap_item, status_change};
use crate::store::recommendation_view::{Recommendation, with_links};
use crate::store::register::{RegisterFilter, register_rows};
use crate::store::{StoreError, coverage, scores, tenants, triage_settings};

/// How a framework key reads in a board report.
fn framework_label(key: &str) -> String {
    match key {
        "iso27001" => "ISO 27001".into(),
        "nis2" => "NIS2".into(),
        "gdpr" => "GDPR".into(),
        other => other.to_uppercase(),
    }
}

async fn score(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
    as_of: NaiveDate,
) -> Result<(ScoreChange, Vec<TrendPoint>), StoreError> {
    // From a little before the quarter, so its start has a value even when no import ran on day one.
    let since = quarter.start().checked_sub_days(Days::new(92)).unwrap_or(quarter.start());
    let history: Vec<scores::Snapshot> =
        scores::history(conn, tenant, Product::M365, since).await?.into_iter().filter(|s| s.day <= as_of).collect();
    let start = history
        .iter()
        .rev()
        .find(|s| s.day <= quarter.start())
        .or_else(|| history.iter().find(|s| s.day >= quarter.start()));
    let end = history.last();
    let trend = history
        .iter()
        .filter(|s| s.day >= quarter.start())
        .map(|s| TrendPoint { date: s.day, percent: s.percent })
        .collect();
    let change = ScoreChange {
        start_percent: start.map(|s| s.percent),
        end_percent: end.map(|s| s.percent),
        start_points: start.map(|s| s.current),
        end_points: end.map(|s| s.current),
        max_points: end.map(|s| s.max),
        change_percent: start.zip(end).map(|(s, e)| round2(e.percent - s.percent)),
    };
    Ok((change, trend))
}

fn controls_of(item: &Recommendation, scope: &[String]) -> Vec<String> {
    item.mappings
        .iter()
        .filter(|m| scope.contains(&m.framework))
        .map(|m| format!("{} {}", framework_label(&m.framework), m.display_id))
        .collect()
}

async fn completed(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
    as_of: NaiveDate,
    items: &HashMap<uuid::Uuid, Recommendation>,
    scope: &[String],
) -> Result<Vec<CompletedAction>, StoreError> {
    let from = quarter.start().and_hms_opt(0, 0, 0).map(|d| d.and_utc());
    let to = as_of.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc());
    let (Some(from), Some(to)) = (from, to) else { return Ok(Vec::new()) };
    let changes = status_change::Entity::find()
        .filter(status_change::Column::TenantId.eq(tenant.0))
        .filter(status_change::Column::ToStatus.eq(Status::Completed.as_str()))
        // Complete when first seen is not an action taken in the quarter.
        .filter(status_change::Column::Reason.ne("new_item"))
        .filter(status_change::Column::At.gte(from))
        .filter(status_change::Column::At.lt(to))
        .order_by_asc(status_change::Column::At)
        .all(conn)
        .await?;
    // The latest completion of each item counts once.
    let mut latest: HashMap<uuid::Uuid, DateTime<Utc>> = HashMap::new();
    for change in changes {
        latest.insert(change.recommendation_id, change.at);
    }
    let mut list: Vec<CompletedAction> = latest
        .into_iter()
        .filter_map(|(id, at)| {
            let item = items.get(&id)?;
            Some(CompletedAction {
                title: item.title.clone(),
                external_id: item.external_id.clone(),
                category: item.category.clone(),
                points: item.max,
                completed_on: at.date_naive(),
                confirmed: crate::domain::recommendation::fully_achieved(item.achieved, item.max),
                controls: controls_of(item, scope),
            })
        })
        .collect();
    list.sort_by(|a, b| a.completed_on.cmp(&b.completed_on).then(a.title.cmp(&b.title)));
    Ok(list)
}

fn gap_reason(item: &Recommendation, justification: Option<&(String, String)>) -> String {
    match (item.status, justification) {
        (Status::RiskAccepted, Some((reference, why))) => format!("{reference}: {why}"),
        (Status::RiskAccepted, None) => "risk accepted without an approved register entry".into(),
        (Status::Planned, _) => "planned on the roadmap".into(),
        (Status::InProgress, _) => "rolling out on the roadmap".into(),
        _ => match item.bucket {
            Bucket::P1 => "quick win not yet planned".into(),
            Bucket::P2 => "big project not yet planned".into(),
            Bucket::P3 => "compliance hygiene in the backlog".into(),
            Bucket::P4 => "backlog".into(),
            Bucket::Unrated => "not yet triaged".into(),
        },
    }
}

async fn roadmap_delivery(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
    as_of: NaiveDate,
    closed: bool,
    score: &ScoreChange,
    now: DateTime<Utc>,
) -> Result<Option<RoadmapDelivery>, StoreError> {
    let Some(plan) = roadmap::Entity::find()
        .filter(roadmap::Column::TenantId.eq(tenant.0))
        .filter(roadmap::Column::Quarter.eq(quarter.to_string()))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let rows = roadmap_item::Entity::find().filter(roadmap_item::Column::RoadmapId.eq(plan.id)).all(conn).await?;
    let done = |r: &roadmap_item::Model| r.done_at.is_some_and(|d| d.date_naive() <= as_of);
    let rolling = |r: &roadmap_item::Model| {
        matches!(r.phase.parse::<Phase>(), Ok(Phase::Pilot | Phase::EarlyAdopters | Phase::General))
    };
    let slipped = rows.iter().filter(|r| !done(r) && (closed || r.target_date.is_some_and(|t| t < as_of))).count();
    let baseline: Option<Vec<serde_json::Value>> = plan.baseline.as_deref().and_then(|b| serde_json::from_str(b).ok());
    let locked = roadmap_event::Entity::find()
        .filter(roadmap_event::Column::RoadmapId.eq(plan.id))
        .filter(roadmap_event::Column::Kind.eq("lock_baseline"))
        .one(conn)
        .await?
        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.detail).ok());
    let (projected_percent, projected_points) = match locked {
        Some(detail) => (detail["projected_percent"].as_f64(), detail["points_gained"].as_f64().unwrap_or(0.0)),
        None => {
            let live = crate::store::roadmap::get(conn, tenant, quarter, now).await?.projection;
            (Some(live.projected_percent), live.points_gained)
        }
    };
    Ok(Some(RoadmapDelivery {
        planned: baseline.map_or(rows.len(), |b| b.len()) as u64,
        delivered: rows.iter().filter(|r| done(r)).count() as u64,
        in_progress: rows.iter().filter(|r| !done(r) && rolling(r)).count() as u64,
        slipped: slipped as u64,
        projected_percent,
        achieved_percent: score.end_percent,
        projected_points: round2(projected_points),
        achieved_points: round2(score.end_points.unwrap_or(0.0) - score.start_points.unwrap_or(0.0)),
    }))
}

/// The report for `quarter` as the database stands at `now` (figures as of the quarter's end once it is over).
pub async fn assemble(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
    now: DateTime<Utc>,
) -> Result<BoardReport, StoreError> {
    let tenant_row = tenants::get(conn, tenant).await?.ok_or(StoreError::NotFound("tenant"))?;
    let today = now.date_naive();
    let closed = quarter.has_ended(today);
    let as_of = today.min(quarter.end());
    let scope = triage_settings::scope(conn, tenant).await?.value.frameworks;
    let (score, trend) = score(conn, tenant, quarter, as_of).await?;
    let rows = crate::entities::recommendation::Entity::find()
        .filter(crate::entities::recommendation::Column::TenantId.eq(tenant.0))
        .filter(crate::entities::recommendation::Column::Product.eq(Product::M365.as_str()))
        .all(conn)
        .await?;
    let items: HashMap<uuid::Uuid, Recommendation> =
        with_links(conn, tenant, rows, now).await?.into_iter().map(|i| (i.id, i)).collect();
    let completed = completed(conn, tenant, quarter, as_of, &items, &scope).await?;
    let register: HashMap<uuid::Uuid, (String, String)> = register_rows(conn, tenant, &RegisterFilter::default(), now)
        .await?
        .into_iter()
        .map(|r| (r.recommendation_id, (r.reference, r.business_justification)))
        .collect();
    let mut gaps: Vec<Gap> = items
        .values()
        .filter(|i| i.removed_at.is_none() && i.achieved.is_some() && i.points_available > 0.0)
        .filter(|i| matches!(i.status, Status::ToAddress | Status::Planned | Status::InProgress | Status::RiskAccepted))
        .map(|i| Gap {
            title: i.title.clone(),
            category: i.category.clone(),
            points_available: i.points_available,
            risk_reduction: i
                .rating
                .risk_reduction
                .or(i.suggested_rating.risk_reduction)
                .map(|l| format!("{l:?}").to_lowercase()),
            status: i.status.as_str().to_owned(),
            why: gap_reason(i, register.get(&i.id)),
        })
        .collect();
    gaps.sort_by(|a, b| b.points_available.total_cmp(&a.points_available).then(a.title.cmp(&b.title)));
    let mut frameworks = Vec::new();
    for key in &scope {
        if let Some(c) = coverage::framework_coverage(conn, tenant, key).await? {
            frameworks.push(FrameworkCoverage {
                framework: c.framework,
                name: c.name,
                percent: c.totals.percent,
                covered: c.totals.covered as u64,
                partial: c.totals.partial as u64,
                gaps: c.totals.gap as u64,
                not_mapped: c.totals.no_technical_mapping as u64,
            });
        }
    }
    let roadmap = roadmap_delivery(conn, tenant, quarter, as_of, closed, &score, now).await?;
    Ok(BoardReport {
        tenant: tenant_row.name,
        quarter,
        as_of,
        closed,
        generated_at: now,
        score,
        trend,
        completed,
        gaps,
        coverage: frameworks,
        roadmap,
        sign_off: None,
    })
}
