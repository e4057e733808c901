//! Reading the register: entries with their items and computed dates, lists with filters, the register view
//! (one row per entry and item), and the links items show back to their entry.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

use super::{CoveredRecommendation, Participant, RegisterEvent, RiskAcceptance, policy};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Status;
use crate::domain::register::policy::{
    CoveredItem, RegisterPolicy, effective_state, low_impact, points_at_stake, re_review_reasons, review_due,
};
use crate::domain::register::{Decision, EntryState, ResidualRisk};
use crate::entities::{recommendation, risk_acceptance, risk_acceptance_event, risk_acceptance_item};
use crate::store::StoreError;
use crate::store::page::{Page, PageRequest};

/// The items of each entry among `entries`.
pub(super) async fn covered_items(
    conn: &impl ConnectionTrait,
    entries: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, Vec<recommendation::Model>>, StoreError> {
    let links = risk_acceptance_item::Entity::find()
        .filter(risk_acceptance_item::Column::EntryId.is_in(entries))
        .all(conn)
        .await?;
    let ids: BTreeSet<uuid::Uuid> = links.iter().map(|l| l.recommendation_id).collect();
    let mut items: HashMap<uuid::Uuid, recommendation::Model> = HashMap::new();
    for chunk in ids.into_iter().collect::<Vec<_>>().chunks(10_000) {
        let rows =
            recommendation::Entity::find().filter(recommendation::Column::Id.is_in(chunk.to_vec())).all(conn).await?;
        items.extend(rows.into_iter().map(|r| (r.id, r)));
    }
    let mut by_entry: HashMap<uuid::Uuid, Vec<recommendation::Model>> = HashMap::new();
    for link in links {
        if let Some(item) = items.get(&link.recommendation_id) {
            by_entry.entry(link.entry_id).or_default().push(item.clone());
        }
    }
    for list in by_entry.values_mut() {
        list.sort_by(|a, b| a.title.cmp(&b.title));
    }
    Ok(by_entry)
}

fn categories(items: &[recommendation::Model]) -> String {
    let set: BTreeSet<&str> = items.iter().filter_map(|i| i.category.as_deref()).collect();
    set.into_iter().collect::<Vec<_>>().join(", ")
}

/// Points at stake and categories of `items` now.
pub(super) fn snapshot(items: &[recommendation::Model]) -> (f64, String) {
    (points_at_stake(items.iter().map(|i| (i.max_score, i.achieved))), categories(items))
}

/// The state an entry is in today.
pub(super) fn effective(m: &risk_acceptance::Model, policy: &RegisterPolicy, now: DateTime<Utc>) -> EntryState {
    let stored = m.state.parse().unwrap_or(EntryState::Draft);
    effective_state(stored, m.review_date, now.date_naive(), policy.grace_days)
}

pub(super) fn view(
    m: risk_acceptance::Model,
    items: &[recommendation::Model],
    policy: &RegisterPolicy,
    now: DateTime<Utc>,
    history: Option<Vec<RegisterEvent>>,
) -> RiskAcceptance {
    let state = effective(&m, policy, now);
    let residual_risk: ResidualRisk = m.residual_risk.parse().unwrap_or(ResidualRisk::High);
    let (points_now, categories_now) = snapshot(items);
    let open = matches!(state, EntryState::Draft | EntryState::Submitted | EntryState::Reviewed);
    let (points, category) = if open { (points_now, categories_now) } else { (m.points_at_stake, m.category.clone()) };
    let low = low_impact(residual_risk, points_now, policy);
    let re_review = match (state, m.decided_at) {
        (EntryState::Approved, Some(decided)) => {
            let covered: Vec<CoveredItem<'_>> =
                items.iter().map(|i| CoveredItem { title: &i.title, regressed_at: i.regressed_at }).collect();
            re_review_reasons(decided, m.points_at_stake, points_now, &covered)
        }
        _ => Vec::new(),
    };
    let participant = |id: Option<String>, name: Option<String>| name.map(|name| Participant { id, name });
    RiskAcceptance {
        id: m.id,
        reference: m.reference,
        decision: m.decision.parse().unwrap_or(Decision::RiskAcceptance),
        state,
        covered_by: m.covered_by,
        recommendation_ids: items.iter().map(|i| i.id).collect(),
        recommendations: items
            .iter()
            .map(|i| CoveredRecommendation {
                id: i.id,
                external_id: i.control_key.clone(),
                title: i.title.clone(),
                category: i.category.clone(),
                points_at_stake: points_at_stake([(i.max_score, i.achieved)]),
                status: i.status.parse().unwrap_or(Status::ToAddress),
            })
            .collect(),
        category,
        points_at_stake: points,
        points_at_stake_now: points_now,
        risk_description: m.risk_description,
        business_justification: m.business_justification,
        compensating_controls: m.compensating_controls,
        residual_risk,
        low_impact: low.is_ok(),
        low_impact_failure: low.err(),
        proposer: Participant { id: m.proposer_id, name: m.proposer_name },
        reviewer: participant(m.reviewer_id, m.reviewer_name),
        business_context: m.business_context,
        approver: participant(m.approver_id, m.approver_name),
        approved_at: m.approved_at,
        decided_at: m.decided_at,
        review_date: m.review_date,
        review_due: review_due(state, m.review_date, now.date_naive()),
        needs_re_review: !re_review.is_empty(),
        re_review_reasons: re_review,
        last_return_reason: m.last_return_reason,
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
        history,
    }
}

/// One entry with its items and history.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<RiskAcceptance, StoreError> {
    let m = risk_acceptance::Entity::find_by_id(id)
        .filter(risk_acceptance::Column::TenantId.eq(tenant.0))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("risk acceptance"))?;
    let policy = policy(conn, tenant).await?.value;
    let items = covered_items(conn, std::iter::once(id)).await?.remove(&id).unwrap_or_default();
    let events = risk_acceptance_event::Entity::find()
        .filter(risk_acceptance_event::Column::EntryId.eq(id))
        .order_by_asc(risk_acceptance_event::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|e| RegisterEvent {
            at: e.at,
            action: e.action,
            from_state: e.from_state.and_then(|s| s.parse().ok()),
            to_state: e.to_state.parse().unwrap_or(EntryState::Draft),
            actor: Participant { id: e.actor_id, name: e.actor_name },
            comment: e.comment,
        })
        .collect();
    Ok(view(m, &items, &policy, now, Some(events)))
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct RegisterFilter {
    pub state: Option<EntryState>,
    pub decision: Option<Decision>,
    /// In force, with the review date at most this many days away (overdue ones included).
    pub review_due_within_days: Option<u64>,
    pub needs_re_review: Option<bool>,
    /// The approver's name or id.
    pub approver: Option<String>,
    /// A category among the covered items' (case-insensitive).
    pub category: Option<String>,
    pub recommendation_id: Option<uuid::Uuid>,
}

impl RegisterFilter {
    fn keeps(&self, e: &RiskAcceptance, today: NaiveDate) -> bool {
        let approver =
            |wanted: &str| e.approver.as_ref().is_some_and(|a| a.name == wanted || a.id.as_deref() == Some(wanted));
        self.state.is_none_or(|s| e.state == s)
            && self.decision.is_none_or(|d| e.decision == d)
            && self.review_due_within_days.is_none_or(|days| {
                e.state == EntryState::Approved && e.review_date.is_some_and(|r| r <= today + chrono::Days::new(days))
            })
            && self.needs_re_review.is_none_or(|n| e.needs_re_review == n)
            && self.approver.as_deref().is_none_or(approver)
            && self.category.as_deref().is_none_or(|c| e.category.to_lowercase().contains(&c.to_lowercase()))
            && self.recommendation_id.is_none_or(|id| e.recommendation_ids.contains(&id))
    }
}

/// Every entry of the tenant that passes `filter`, newest first.
async fn matching(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &RegisterFilter,
    now: DateTime<Utc>,
) -> Result<Vec<RiskAcceptance>, StoreError> {
    let policy = policy(conn, tenant).await?.value;
    let entries = risk_acceptance::Entity::find()
        .filter(risk_acceptance::Column::TenantId.eq(tenant.0))
        .order_by_desc(risk_acceptance::Column::Id)
        .all(conn)
        .await?;
    let mut items = covered_items(conn, entries.iter().map(|e| e.id)).await?;
    let today = now.date_naive();
    Ok(entries
        .into_iter()
        .map(|m| {
            let covered = items.remove(&m.id).unwrap_or_default();
            view(m, &covered, &policy, now, None)
        })
        .filter(|e| filter.keeps(e, today))
        .collect())
}

/// A page of the tenant's entries that pass `filter`, newest first. Registers hold hundreds of entries, not
/// millions, so the dated states are computed for all and filtered in memory.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &RegisterFilter,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<RiskAcceptance>, StoreError> {
    let all = matching(conn, tenant, filter, now).await?;
    let offset = page.after_offset()?;
    let total = all.len() as u64;
    let rows: Vec<RiskAcceptance> = all.into_iter().skip(offset as usize).take(page.limit as usize + 1).collect();
    Ok(Page::from_offset(rows, page.limit, total, offset))
}

/// The tenant's approved entries whose review is due (from 30 days before the review date until renewed or
/// expired), soonest review first.
pub async fn review_due_entries(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<Vec<RiskAcceptance>, StoreError> {
    let filter = RegisterFilter { state: Some(EntryState::Approved), ..RegisterFilter::default() };
    let mut due: Vec<RiskAcceptance> =
        matching(conn, tenant, &filter, now).await?.into_iter().filter(|e| e.review_due).collect();
    due.sort_by_key(|e| (e.review_date, e.id));
    Ok(due)
}

/// One row of the register view: the seed article's columns, one row per entry and item.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RegisterRow {
    pub recommendation: String,
    pub category: Option<String>,
    /// Points left on the table for this item.
    pub score_impact: f64,
    pub risk_description: String,
    pub business_justification: String,
    pub compensating_controls: String,
    pub approval_date: Option<NaiveDate>,
    pub approver: Option<String>,
    pub review_date: Option<NaiveDate>,
    pub reference: String,
    pub decision: Decision,
    pub state: EntryState,
    pub residual_risk: ResidualRisk,
    pub covered_by: Option<String>,
    pub recommendation_id: uuid::Uuid,
    pub external_id: Option<String>,
}

/// The register view: entries passing `filter` (default: those in force), one row per covered item.
pub async fn register_rows(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &RegisterFilter,
    now: DateTime<Utc>,
) -> Result<Vec<RegisterRow>, StoreError> {
    let mut filter = filter.clone();
    filter.state = filter.state.or(Some(EntryState::Approved));
    Ok(rows_of(&matching(conn, tenant, &filter, now).await?))
}

/// Every entry of the tenant in any state, oldest first, one row per covered item, each with how many steps its
/// history holds: the auditor workbook's register.
pub async fn every_row(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<Vec<(RegisterRow, u64)>, StoreError> {
    let entries = matching(conn, tenant, &RegisterFilter::default(), now).await?;
    // Counted by the database: the history itself is not needed here.
    let steps: HashMap<uuid::Uuid, i64> = risk_acceptance_event::Entity::find()
        .select_only()
        .column(risk_acceptance_event::Column::EntryId)
        .column_as(risk_acceptance_event::Column::Id.count(), "steps")
        .filter(risk_acceptance_event::Column::TenantId.eq(tenant.0))
        .group_by(risk_acceptance_event::Column::EntryId)
        .into_tuple::<(uuid::Uuid, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut rows = Vec::new();
    for entry in entries.iter().rev() {
        let count = steps.get(&entry.id).copied().unwrap_or(0).max(0) as u64;
        rows.extend(rows_of(std::slice::from_ref(entry)).into_iter().map(|r| (r, count)));
    }
    Ok(rows)
}

/// One row per entry and covered item, in the order of `entries` reversed (oldest first).
fn rows_of(entries: &[RiskAcceptance]) -> Vec<RegisterRow> {
    let mut rows = Vec::new();
    for entry in entries.iter().rev() {
        for item in &entry.recommendations {
            rows.push(RegisterRow {
                recommendation: item.title.clone(),
                category: item.category.clone(),
                score_impact: item.points_at_stake,
                risk_description: entry.risk_description.clone(),
                business_justification: entry.business_justification.clone(),
                compensating_controls: entry.compensating_controls.clone(),
                approval_date: entry.decided_at.map(|d| d.date_naive()),
                approver: entry.approver.as_ref().map(|a| a.name.clone()),
                review_date: entry.review_date,
                reference: entry.reference.clone(),
                decision: entry.decision,
                state: entry.state,
                residual_risk: entry.residual_risk,
                covered_by: entry.covered_by.clone(),
                recommendation_id: item.id,
                external_id: item.external_id.clone(),
            });
        }
    }
    rows
}
