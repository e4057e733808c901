//! Taking a workflow step on an entry: judged by `domain::register::workflow`, written with its effects on the
//! covered items in one transaction.
//!
//! The version is checked before the state: when two people act on the same version at once, the second is told
//! its view is stale (412), not that the state it never saw forbids its step.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};

use super::effects::{apply_decision, restore_items};
use super::proposals::refusal;
use super::read::snapshot;
use super::{ForWrite, RiskAcceptance, for_write, record_event};
use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::register::policy::{low_impact, review_date};
use crate::domain::register::workflow::{Action, Attempt, check};
use crate::domain::register::{EntryState, ResidualRisk};
use crate::domain::role::Role;
use crate::entities::risk_acceptance;
use crate::store::evidence::snapshots::record_approval;
use crate::store::{StoreError, begin_write};

/// A step as asked for.
#[derive(Debug, Clone)]
pub struct StepRequest {
    /// Any step but `update` (see `proposals::update`).
    pub action: Action,
    pub version: Option<i64>,
    /// Why: required for return, reject and revoke (checked by the caller).
    pub comment: Option<String>,
    /// The IT manager's business context (review).
    pub business_context: Option<String>,
    /// For `renew`: `false` refuses the renewal, which revokes the entry.
    pub renew: bool,
}

/// Takes a step and answers the entry as it now stands.
#[allow(clippy::too_many_arguments)]
pub async fn take_step(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: uuid::Uuid,
    request: StepRequest,
) -> Result<RiskAcceptance, StoreError> {
    let tx = begin_write(db).await?;
    let ForWrite { entry, policy, state: from, items } = for_write(&tx, tenant, id, request.version, now).await?;
    let (points_now, category_now) = snapshot(&items);
    let residual: ResidualRisk = entry.residual_risk.parse().unwrap_or(ResidualRisk::High);
    let attempt = Attempt {
        action: request.action,
        state: from,
        role,
        actor: actor.id.as_deref().unwrap_or_default(),
        proposer: entry.proposer_id.as_deref().unwrap_or_default(),
        reviewer: entry.reviewer_id.as_deref(),
        low_impact: low_impact(residual, points_now, &policy),
    };
    let mut to = check(&attempt).map_err(refusal)?;
    let refused_renewal = request.action == Action::Renew && !request.renew;
    if refused_renewal {
        to = EntryState::Revoked;
    }
    let today = now.date_naive();
    let mut model: risk_acceptance::ActiveModel = entry.clone().into();
    model.state = Set(to.as_str().to_owned());
    model.updated_at = Set(now);
    model.version = Set(entry.version + 1);
    if matches!(to, EntryState::Draft | EntryState::Submitted | EntryState::Reviewed) {
        // Kept current while the entry is open.
        model.points_at_stake = Set(points_now);
        model.category = Set(category_now.clone());
    }
    match request.action {
        Action::Review => {
            model.reviewer_id = Set(actor.id.clone());
            model.reviewer_name = Set(Some(actor.name.clone()));
            model.business_context = Set(request.business_context.clone());
        }
        Action::Return => model.last_return_reason = Set(request.comment.clone()),
        Action::Approve => model.approved_at = Set(Some(now)),
        _ => {}
    }
    if to == EntryState::Approved {
        // Approval and renewal: a new review period, the figures re-review compares against, and the person who
        // decided it last (the register's "approver").
        model.decided_at = Set(Some(now));
        model.review_date = Set(Some(review_date(today, policy.review_period_months)));
        model.points_at_stake = Set(points_now);
        model.category = Set(category_now);
        model.approver_id = Set(actor.id.clone());
        model.approver_name = Set(Some(actor.name.clone()));
        model.expiry_applied_at = Set(None);
    }
    let saved = model.update(&tx).await?;
    match to {
        EntryState::Approved => apply_decision(&tx, actor, now, &saved, &items).await?,
        // An expiry already put the items back; a revocation of an entry in force does it now.
        EntryState::Revoked if entry.expiry_applied_at.is_none() => {
            let why = if refused_renewal { "revoked: renewal refused" } else { "revoked" };
            restore_items(&tx, actor, now, &saved, &items, &format!("{why} by {}", actor.name)).await?;
        }
        _ => {}
    }
    let comment = match (&request.business_context, &request.comment) {
        (Some(context), Some(comment)) => Some(format!("{comment}\n\nBusiness context: {context}")),
        (Some(context), None) => Some(format!("Business context: {context}")),
        (None, comment) => comment.clone(),
    };
    let action = if refused_renewal { "refuse_renewal" } else { request.action.as_str() };
    record_event(&tx, actor, now, &saved, action, Some(from), to, comment).await?;
    if to == EntryState::Approved {
        // Proof of the decision as it stood, with its trail, beside the entry.
        let entry = super::get(&tx, tenant, id, now).await?;
        record_approval(&tx, actor, now, tenant, id, &saved.reference, &entry).await?;
    }
    tx.commit().await?;
    super::get(db, tenant, id, now).await
}
