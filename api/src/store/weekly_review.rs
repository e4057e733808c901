//! The weekly review (seed 002's Monday agenda): new recommendations, regressions, completions Microsoft has not
//! confirmed after 72 h, roadmap items past their target date, risk acceptances due for review, and the open
//! controls with the top five to fix. Computed on read from items, plans and the register.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

use super::StoreError;
use super::recommendation_view::{Recommendation, with_links};
use super::register::ItemRegisterLink;
use crate::domain::bucket::Bucket;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{Product, Status};
use crate::domain::register::Decision;
use crate::domain::roadmap::Phase;
use crate::domain::weekly_review::{days_overdue, is_new, waiting_too_long};
use crate::entities::{recommendation, roadmap, roadmap_item};

/// Who owns something, as a person reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OwnerView {
    pub user_id: Option<uuid::Uuid>,
    pub team: Option<String>,
    /// The owner's display name, or the team.
    pub name: Option<String>,
}

/// An item on the agenda.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AgendaItem {
    /// The recommendation's id.
    pub id: uuid::Uuid,
    pub product: Product,
    pub external_id: Option<String>,
    pub title: String,
    pub category: Option<String>,
    pub bucket: Bucket,
    pub status: Status,
    pub achieved: Option<f64>,
    pub max: f64,
    pub points_available: f64,
    pub owner: OwnerView,
    pub first_seen: DateTime<Utc>,
}

/// A regression found in the review's period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RegressionEntry {
    #[serde(flatten)]
    pub item: AgendaItem,
    pub regressed_at: DateTime<Utc>,
    /// Still below its maximum (`false`: back at full points since).
    pub still_regressed: bool,
    /// The register entry holding it, which then needs a fresh look.
    pub register_entry: Option<ItemRegisterLink>,
}

/// A person's completion Microsoft has not confirmed after 72 h.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnconfirmedCompletion {
    #[serde(flatten)]
    pub item: AgendaItem,
    pub marked_completed_at: DateTime<Utc>,
    pub marked_by: String,
    pub hours_waiting: i64,
}

/// A roadmap item past its target date and not done.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OverdueItem {
    pub roadmap_item_id: uuid::Uuid,
    /// The plan's quarter (`2026-Q4`).
    pub quarter: String,
    pub recommendation_id: uuid::Uuid,
    pub title: String,
    pub external_id: Option<String>,
    pub bucket: Bucket,
    pub status: Status,
    pub points_available: f64,
    /// The roadmap item's owner, else the recommendation's.
    pub owner: OwnerView,
    pub phase: Phase,
    pub target_date: NaiveDate,
    pub days_overdue: i64,
}

/// A risk acceptance whose review is due.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReviewDueEntry {
    /// The register entry's id.
    pub id: uuid::Uuid,
    pub reference: String,
    pub decision: Decision,
    pub review_date: Option<NaiveDate>,
    /// Negative once the review date has passed.
    pub days_until_review: Option<i64>,
    pub approver: Option<String>,
    pub points_at_stake: f64,
    pub recommendation_ids: Vec<uuid::Uuid>,
    pub recommendation_titles: Vec<String>,
}

/// The open controls: scored items with points still available that the team has not excluded.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OpenControls {
    pub count: u64,
    pub points_available: f64,
    /// The five to fix first: by bucket (P1 first, unrated last), then points still available.
    pub top: Vec<AgendaItem>,
}

/// The weekly review.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WeeklyReview {
    pub since: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// Items Microsoft added since `since` (the tenant's first import is not counted as additions).
    pub new_recommendations: Vec<AgendaItem>,
    /// Items that regressed since `since`, newest first.
    pub regressions: Vec<RegressionEntry>,
    /// Longest waiting first.
    pub unconfirmed_completions: Vec<UnconfirmedCompletion>,
    /// Most overdue first. Only roadmap items carry a target date, so a `planned` item outside every plan is not
    /// listed here.
    pub overdue: Vec<OverdueItem>,
    /// Soonest review first.
    pub review_due: Vec<ReviewDueEntry>,
    pub open: OpenControls,
}

fn owner(user_id: Option<uuid::Uuid>, team: Option<String>, names: &HashMap<uuid::Uuid, String>) -> OwnerView {
    let name = user_id.and_then(|id| names.get(&id).cloned()).or_else(|| team.clone());
    OwnerView { user_id, team, name }
}

fn agenda(v: &Recommendation, names: &HashMap<uuid::Uuid, String>) -> AgendaItem {
    AgendaItem {
        id: v.id,
        product: v.product,
        external_id: v.external_id.clone(),
        title: v.title.clone(),
        category: v.category.clone(),
        bucket: v.bucket,
        status: v.status,
        achieved: v.achieved,
        max: v.max,
        points_available: v.points_available,
        owner: owner(v.ownership.owner_user_id, v.ownership.owner_team.clone(), names),
        first_seen: v.first_seen,
    }
}

/// Scored, with points still available, and not taken out of remediation by a decision.
fn is_open(v: &Recommendation) -> bool {
    let scored = v.achieved.is_some() && v.max > 0.0 && !v.deprecated && v.licensed != Some(false);
    let excluded = matches!(v.status, Status::RiskAccepted | Status::ThirdParty | Status::AlternateMitigation);
    v.removed_at.is_none() && scored && v.points_available > 0.0 && !excluded
}

/// The open controls, the top `take` first.
pub fn open_controls(views: &[Recommendation], names: &HashMap<uuid::Uuid, String>, take: usize) -> OpenControls {
    let mut open: Vec<&Recommendation> = views.iter().filter(|v| is_open(v)).collect();
    open.sort_by(|a, b| {
        a.bucket.cmp(&b.bucket).then(b.points_available.total_cmp(&a.points_available)).then(a.title.cmp(&b.title))
    });
    OpenControls {
        count: open.len() as u64,
        points_available: crate::domain::score::round2(open.iter().map(|v| v.points_available).sum()),
        top: open.iter().take(take).map(|v| agenda(v, names)).collect(),
    }
}

/// The review of the tenant since `since`, as of `now`.
pub async fn review(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    since: NaiveDate,
    now: DateTime<Utc>,
) -> Result<WeeklyReview, StoreError> {
    let rows = recommendation::Entity::find().filter(recommendation::Column::TenantId.eq(tenant.0)).all(conn).await?;
    let mut first_import: HashMap<String, DateTime<Utc>> = HashMap::new();
    for row in &rows {
        let first = first_import.entry(row.product.clone()).or_insert(row.first_seen);
        *first = (*first).min(row.first_seen);
    }
    let views: Vec<Recommendation> =
        with_links(conn, tenant, rows, now).await?.into_iter().filter(|v| v.removed_at.is_none()).collect();
    let plans = overdue_rows(conn, tenant, now.date_naive()).await?;
    let mut people: HashSet<uuid::Uuid> = views.iter().filter_map(|v| v.ownership.owner_user_id).collect();
    people.extend(plans.iter().filter_map(|(item, _)| item.owner_user_id));
    let names = super::users::display_names(conn, people).await?;
    let by_id: HashMap<uuid::Uuid, &Recommendation> = views.iter().map(|v| (v.id, v)).collect();

    let mut new_recommendations: Vec<AgendaItem> = views
        .iter()
        .filter(|v| first_import.get(v.product.as_str()).is_some_and(|first| is_new(v.first_seen, *first, since)))
        .map(|v| agenda(v, &names))
        .collect();
    new_recommendations.sort_by(|a, b| b.first_seen.cmp(&a.first_seen).then(a.title.cmp(&b.title)));

    let mut regressions: Vec<RegressionEntry> = views
        .iter()
        .filter_map(|v| {
            let at = v.regressed_at.filter(|at| at.date_naive() >= since)?;
            Some(RegressionEntry {
                item: agenda(v, &names),
                regressed_at: at,
                still_regressed: v.regressed,
                register_entry: v.register_entry.clone(),
            })
        })
        .collect();
    regressions.sort_by(|a, b| b.regressed_at.cmp(&a.regressed_at).then(a.item.title.cmp(&b.item.title)));

    let pending = views.iter().filter(|v| v.pending_confirmation).map(|v| v.id);
    let marked = super::diagnosis::marked_done(conn, pending).await?;
    let mut unconfirmed_completions: Vec<UnconfirmedCompletion> = views
        .iter()
        .filter_map(|v| {
            let mark = marked.get(&v.id).filter(|m| waiting_too_long(m.at, now))?;
            Some(UnconfirmedCompletion {
                item: agenda(v, &names),
                marked_completed_at: mark.at,
                marked_by: mark.by.clone(),
                hours_waiting: (now - mark.at).num_hours(),
            })
        })
        .collect();
    unconfirmed_completions.sort_by_key(|u| (u.marked_completed_at, u.item.id));

    let today = now.date_naive();
    let mut overdue: Vec<OverdueItem> = plans
        .into_iter()
        .filter_map(|(item, quarter)| {
            let rec = by_id.get(&item.recommendation_id)?;
            let target = item.target_date?;
            let days = days_overdue(target, today).filter(|_| rec.status != Status::Completed)?;
            let owner = if item.owner_user_id.is_some() || item.owner_team.is_some() {
                owner(item.owner_user_id, item.owner_team.clone(), &names)
            } else {
                agenda(rec, &names).owner
            };
            Some(OverdueItem {
                roadmap_item_id: item.id,
                quarter,
                recommendation_id: rec.id,
                title: rec.title.clone(),
                external_id: rec.external_id.clone(),
                bucket: rec.bucket,
                status: rec.status,
                points_available: rec.points_available,
                owner,
                phase: item.phase.parse().unwrap_or(Phase::NotStarted),
                target_date: target,
                days_overdue: days,
            })
        })
        .collect();
    overdue.sort_by(|a, b| b.days_overdue.cmp(&a.days_overdue).then(a.title.cmp(&b.title)));

    let review_due = super::register::review_due_entries(conn, tenant, now)
        .await?
        .into_iter()
        .map(|e| ReviewDueEntry {
            id: e.id,
            reference: e.reference,
            decision: e.decision,
            review_date: e.review_date,
            days_until_review: e.review_date.map(|r| (r - today).num_days()),
            approver: e.approver.map(|a| a.name),
            points_at_stake: e.points_at_stake,
            recommendation_ids: e.recommendation_ids,
            recommendation_titles: e.recommendations.into_iter().map(|r| r.title).collect(),
        })
        .collect();

    Ok(WeeklyReview {
        since,
        generated_at: now,
        open: open_controls(&views, &names, crate::domain::digest::TOP),
        new_recommendations,
        regressions,
        unconfirmed_completions,
        overdue,
        review_due,
    })
}

/// Roadmap items of the tenant with a target date before `today` that are not done, with their plan's quarter.
async fn overdue_rows(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    today: NaiveDate,
) -> Result<Vec<(roadmap_item::Model, String)>, StoreError> {
    let items = roadmap_item::Entity::find()
        .filter(roadmap_item::Column::TenantId.eq(tenant.0))
        .filter(roadmap_item::Column::TargetDate.lt(today))
        .filter(roadmap_item::Column::Phase.ne(Phase::Done.as_str()))
        .all(conn)
        .await?;
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let quarters: HashMap<uuid::Uuid, String> = roadmap::Entity::find()
        .filter(roadmap::Column::TenantId.eq(tenant.0))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.quarter))
        .collect();
    Ok(items
        .into_iter()
        .map(|item| {
            let quarter = quarters.get(&item.roadmap_id).cloned().unwrap_or_default();
            (item, quarter)
        })
        .collect())
}
