//! Writing a proposal: creating a draft, and editing it while it is a draft.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use std::collections::HashMap;

use super::read::snapshot;
use super::{ForWrite, RiskAcceptance, for_write, record_event};
use crate::domain::Violations;
use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{Status, fully_achieved};
use crate::domain::register::proposal::Proposal;
use crate::domain::register::workflow::{Action, Attempt, Refusal, check};
use crate::domain::register::{EntryState, policy::low_impact};
use crate::domain::role::Role;
use crate::entities::{recommendation, risk_acceptance, risk_acceptance_item};
use crate::store::{StoreError, begin_write};

/// Loads the proposal's items, in its order, refusing unknown, removed, completed or already-covered ones.
async fn proposed_items(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    proposal: &Proposal,
    this_entry: Option<uuid::Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<recommendation::Model>, StoreError> {
    let found: HashMap<uuid::Uuid, recommendation::Model> = recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::Id.is_in(proposal.recommendation_ids.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut violations = Violations::default();
    let mut items = Vec::new();
    for (i, id) in proposal.recommendation_ids.iter().enumerate() {
        match found.get(id) {
            None => violations.add(format!("recommendation_ids[{i}]"), "is not a recommendation of this tenant"),
            Some(item) if item.removed_at.is_some() => {
                violations.add(format!("recommendation_ids[{i}]"), "was removed from Secure Score")
            }
            Some(item) => items.push(item.clone()),
        }
    }
    violations.finish()?;
    for item in &items {
        let status: Status = item.status.parse().unwrap_or(Status::ToAddress);
        if status == Status::Completed && fully_achieved(item.achieved, item.max_score) {
            return Err(StoreError::Conflict(format!(
                "“{}” is completed (Microsoft shows every point achieved): there is no gap to accept",
                item.title
            )));
        }
    }
    let links = super::item_links::links_for(conn, tenant, items.iter().map(|i| i.id), now).await?;
    for item in &items {
        if let Some(link) = links.get(&item.id).filter(|l| Some(l.id) != this_entry) {
            return Err(StoreError::Conflict(format!(
                "“{}” is already in register entry {} ({}); one open entry per recommendation",
                item.title,
                link.reference,
                link.state.as_str()
            )));
        }
    }
    Ok(items)
}

async fn link_items(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    entry: uuid::Uuid,
    items: &[recommendation::Model],
) -> Result<(), StoreError> {
    risk_acceptance_item::Entity::delete_many()
        .filter(risk_acceptance_item::Column::EntryId.eq(entry))
        .exec(conn)
        .await?;
    let rows: Vec<risk_acceptance_item::ActiveModel> = items
        .iter()
        .map(|i| risk_acceptance_item::ActiveModel {
            entry_id: Set(entry),
            recommendation_id: Set(i.id),
            tenant_id: Set(tenant.0),
        })
        .collect();
    risk_acceptance_item::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

/// Creates a draft. Its points at stake and categories are snapshotted now and kept current while it is open.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    proposal: Proposal,
) -> Result<RiskAcceptance, StoreError> {
    let tx = begin_write(db).await?;
    let items = proposed_items(&tx, tenant, &proposal, None, now).await?;
    let count =
        risk_acceptance::Entity::find().filter(risk_acceptance::Column::TenantId.eq(tenant.0)).count(&tx).await?;
    let (points, category) = snapshot(&items);
    let entry = risk_acceptance::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant.0),
        reference: Set(format!("RA-{:04}", count + 1)),
        decision: Set(proposal.decision.as_str().to_owned()),
        state: Set(EntryState::Draft.as_str().to_owned()),
        covered_by: Set(proposal.covered_by),
        risk_description: Set(proposal.risk_description),
        business_justification: Set(proposal.business_justification),
        compensating_controls: Set(proposal.compensating_controls),
        residual_risk: Set(proposal.residual_risk.as_str().to_owned()),
        category: Set(category),
        points_at_stake: Set(points),
        proposer_id: Set(actor.id.clone()),
        proposer_name: Set(actor.name.clone()),
        reviewer_id: Set(None),
        reviewer_name: Set(None),
        business_context: Set(None),
        approver_id: Set(None),
        approver_name: Set(None),
        approved_at: Set(None),
        decided_at: Set(None),
        review_date: Set(None),
        last_return_reason: Set(None),
        expiry_applied_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&tx)
    .await?;
    link_items(&tx, tenant, entry.id, &items).await?;
    record_event(&tx, actor, now, &entry, "create", None, EntryState::Draft, None).await?;
    tx.commit().await?;
    super::get(db, tenant, entry.id, now).await
}

/// Replaces a draft's text and items (any operator; the workflow table's `update` row).
#[allow(clippy::too_many_arguments)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: uuid::Uuid,
    proposal: Proposal,
    version: Option<i64>,
) -> Result<RiskAcceptance, StoreError> {
    let tx = begin_write(db).await?;
    let ForWrite { entry, policy, state, items: current } = for_write(&tx, tenant, id, version, now).await?;
    let attempt = Attempt {
        action: Action::Update,
        state,
        role,
        actor: actor.id.as_deref().unwrap_or_default(),
        proposer: entry.proposer_id.as_deref().unwrap_or_default(),
        reviewer: entry.reviewer_id.as_deref(),
        low_impact: low_impact(proposal.residual_risk, snapshot(&current).0, &policy),
    };
    check(&attempt).map_err(refusal)?;
    let items = proposed_items(&tx, tenant, &proposal, Some(id), now).await?;
    let (points, category) = snapshot(&items);
    let mut model: risk_acceptance::ActiveModel = entry.clone().into();
    model.decision = Set(proposal.decision.as_str().to_owned());
    model.covered_by = Set(proposal.covered_by);
    model.risk_description = Set(proposal.risk_description);
    model.business_justification = Set(proposal.business_justification);
    model.compensating_controls = Set(proposal.compensating_controls);
    model.residual_risk = Set(proposal.residual_risk.as_str().to_owned());
    model.points_at_stake = Set(points);
    model.category = Set(category);
    model.updated_at = Set(now);
    model.version = Set(entry.version + 1);
    let saved = model.update(&tx).await?;
    link_items(&tx, tenant, id, &items).await?;
    record_event(&tx, actor, now, &saved, "update", Some(state), EntryState::Draft, None).await?;
    tx.commit().await?;
    super::get(db, tenant, id, now).await
}

/// A workflow refusal as the store reports it.
pub(super) fn refusal(refusal: Refusal) -> StoreError {
    match refusal {
        Refusal::Forbidden(why) => StoreError::Forbidden(why),
        Refusal::Conflict(why) => StoreError::Conflict(why),
    }
}
