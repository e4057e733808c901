//! Changing one item of a plan: owner, target, dependencies and change record; its rollout phase (which drives
//! the recommendation's status); and the approvals a high-impact change needs.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::read::{item_rows, plan_row};
use super::{Dependency, log};
use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::quarter::Quarter;
use crate::domain::recommendation::Status;
use crate::domain::roadmap::{DependencyKind, Phase, find_cycle, status_for_phase};
use crate::domain::{ValidationError, Violations};
use crate::entities::{recommendation, roadmap, roadmap_dependency, roadmap_item};
use crate::store::error::check_version;
use crate::store::statuses::{StatusWrite, write_status};
use crate::store::{StoreError, begin_write};

/// The plan and the item being changed, read inside the write.
async fn item_for_write(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
    item: uuid::Uuid,
    version: Option<i64>,
) -> Result<(roadmap::Model, roadmap_item::Model), StoreError> {
    let plan = plan_row(conn, tenant, quarter).await?.ok_or(StoreError::NotFound("roadmap"))?;
    let row = roadmap_item::Entity::find_by_id(item)
        .filter(roadmap_item::Column::RoadmapId.eq(plan.id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("roadmap item"))?;
    if plan.state != "open" {
        return Err(StoreError::Conflict(format!("the {quarter} plan is closed: its quarter has ended")));
    }
    check_version(version, row.version)?;
    Ok((plan, row))
}

/// A change to an item's planning fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ItemUpdate {
    pub owner_user_id: Option<Option<uuid::Uuid>>,
    pub owner_team: Option<Option<String>>,
    pub target_date: Option<Option<NaiveDate>>,
    /// Replaces every dependency when given.
    pub dependencies: Option<Vec<Dependency>>,
    pub change_what: Option<String>,
    pub change_why: Option<String>,
    pub rollback_plan: Option<String>,
    pub communication_date: Option<Option<NaiveDate>>,
    /// `low`, `medium`, `high`, `unknown`.
    pub user_impact: Option<String>,
    pub version: Option<i64>,
}

/// Applies an update; dependencies on other items must stay on this plan and form no cycle (422 naming it).
#[allow(clippy::too_many_arguments)]
pub async fn update_item(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quarter: Quarter,
    item: uuid::Uuid,
    update: ItemUpdate,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let (plan, row) = item_for_write(&tx, tenant, quarter, item, update.version).await?;
    if let Some(dependencies) = &update.dependencies {
        let rows = item_rows(&tx, plan.id).await?;
        let mut violations = Violations::default();
        for (i, d) in dependencies.iter().enumerate() {
            match (d.kind, d.on_item_id) {
                (DependencyKind::Item, Some(on)) if !rows.iter().any(|r| r.id == on) => {
                    violations.add(format!("dependencies[{i}].on_item_id"), "is not an item of this plan")
                }
                (DependencyKind::Item, None) => violations.add(format!("dependencies[{i}].on_item_id"), "is required"),
                (DependencyKind::Item, Some(_)) => {}
                (_, _) if d.description.as_deref().is_none_or(|t| t.trim().is_empty()) => {
                    violations.add(format!("dependencies[{i}].description"), "must say what it waits for")
                }
                _ => {}
            }
        }
        violations.finish()?;
        let existing = roadmap_dependency::Entity::find()
            .filter(roadmap_dependency::Column::ItemId.is_in(rows.iter().map(|r| r.id)))
            .filter(roadmap_dependency::Column::ItemId.ne(item))
            .all(&tx)
            .await?;
        let mut edges: Vec<(uuid::Uuid, uuid::Uuid)> =
            existing.iter().filter_map(|d| Some((d.item_id, d.depends_on_item_id?))).collect();
        edges.extend(dependencies.iter().filter_map(|d| Some((item, d.on_item_id?))));
        if let Some(cycle) = find_cycle(&edges) {
            let names: Vec<String> = cycle.iter().map(|id| id.to_string()).collect();
            return Err(
                ValidationError::field("dependencies", format!("would make a cycle: {}", names.join(" → "))).into()
            );
        }
        roadmap_dependency::Entity::delete_many().filter(roadmap_dependency::Column::ItemId.eq(item)).exec(&tx).await?;
        for d in dependencies {
            roadmap_dependency::ActiveModel {
                item_id: Set(item),
                kind: Set(d.kind.as_str().into()),
                depends_on_item_id: Set(d.on_item_id.filter(|_| d.kind == DependencyKind::Item)),
                description: Set(d.description.clone()),
                expected_date: Set(d.expected_date),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
        }
    }
    let mut model: roadmap_item::ActiveModel = row.clone().into();
    if let Some(owner) = update.owner_user_id {
        model.owner_user_id = Set(owner);
    }
    if let Some(team) = update.owner_team.clone() {
        model.owner_team = Set(team);
    }
    if let Some(target) = update.target_date {
        model.target_date = Set(target);
    }
    if let Some(what) = update.change_what.clone() {
        model.change_what = Set(Some(what));
    }
    if let Some(why) = update.change_why.clone() {
        model.change_why = Set(Some(why));
    }
    if let Some(rollback) = update.rollback_plan.clone() {
        model.rollback_plan = Set(Some(rollback));
    }
    if let Some(date) = update.communication_date {
        model.communication_date = Set(date);
    }
    if let Some(impact) = update.user_impact.clone() {
        model.user_impact = Set(impact);
    }
    model.updated_at = Set(now);
    model.version = Set(row.version + 1);
    model.update(&tx).await?;
    let detail = serde_json::json!({
        "target_date": update.target_date.map(|t| t.map(|d| d.to_string())),
        "target_date_before": row.target_date,
        "owner_changed": update.owner_user_id.is_some() || update.owner_team.is_some(),
        "dependencies": update.dependencies.as_ref().map(Vec::len),
    });
    log(&tx, &plan, now, &actor.name, "update", Some((item, row.recommendation_id)), detail).await?;
    tx.commit().await?;
    Ok(())
}

/// A move to another rollout phase.
#[derive(Debug, Clone)]
pub struct PhaseChange {
    pub phase: Phase,
    /// Default: today.
    pub started_on: Option<NaiveDate>,
    /// Default: the phase's (pilot 7, early adopters 14, general 30 days).
    pub observation_days: Option<u32>,
    pub notes: Option<String>,
    pub version: Option<i64>,
}

/// Moves an item to a phase and gives its recommendation the status the phase drives; `done` marks it completed
/// with the change record as evidence, pending Microsoft's confirmation.
#[allow(clippy::too_many_arguments)]
pub async fn set_phase(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quarter: Quarter,
    item: uuid::Uuid,
    change: PhaseChange,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let (plan, row) = item_for_write(&tx, tenant, quarter, item, change.version).await?;
    let mut model: roadmap_item::ActiveModel = row.clone().into();
    model.previous_phase = Set(Some(row.phase.clone()));
    model.previous_phase_started_on = Set(Some(row.phase_started_on));
    model.previous_observation_days = Set(Some(row.phase_observation_days));
    model.phase = Set(change.phase.as_str().into());
    model.phase_started_on = Set(change.started_on.unwrap_or(now.date_naive()));
    model.phase_observation_days =
        Set(change.observation_days.unwrap_or(change.phase.default_observation_days()) as i32);
    model.phase_notes = Set(change.notes.clone());
    let done = change.phase == Phase::Done;
    model.done_at = Set(done.then_some(now));
    model.done_by = Set(done.then(|| actor.name.clone()));
    model.updated_at = Set(now);
    model.version = Set(row.version + 1);
    model.update(&tx).await?;
    let rec = recommendation::Entity::find_by_id(row.recommendation_id)
        .one(&tx)
        .await?
        .ok_or(StoreError::NotFound("recommendation"))?;
    let current: Status = rec.status.parse().unwrap_or(Status::ToAddress);
    if let Some(status) = status_for_phase(current, change.phase) {
        let evidence = if done {
            format!(
                "Done on the {} roadmap by {}. Change: {}. Why: {}. Rollback: {}.",
                plan.quarter,
                actor.name,
                row.change_what.clone().unwrap_or_default(),
                row.change_why.clone().unwrap_or_default(),
                row.rollback_plan.clone().unwrap_or_else(|| "none recorded".into()),
            )
        } else {
            format!("{} on the {} roadmap", change.phase.as_str(), plan.quarter)
        };
        let write = StatusWrite {
            status,
            reason: "roadmap",
            note: Some(evidence),
            evidence_url: row.business_lead_evidence_url.clone(),
            write_back_comment: format!("{} ({}) in scoregrc", status.as_str(), plan.quarter),
        };
        write_status(&tx, actor, now, tenant, rec, write).await?;
    }
    let detail = serde_json::json!({ "from": row.phase, "to": change.phase, "notes": change.notes });
    log(&tx, &plan, now, &actor.name, "phase", Some((item, row.recommendation_id)), detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Which approval, with what it records.
enum ApprovalChange {
    ItManager,
    BusinessLead(BusinessLeadApproval),
}

/// Records an approval on an item: the fields, the version, and the plan's change log, in one write.
#[allow(clippy::too_many_arguments)]
async fn record_approval(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quarter: Quarter,
    item: uuid::Uuid,
    version: Option<i64>,
    change: ApprovalChange,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let (plan, row) = item_for_write(&tx, tenant, quarter, item, version).await?;
    let mut model: roadmap_item::ActiveModel = row.clone().into();
    let (kind, detail) = match change {
        ApprovalChange::ItManager => {
            model.it_manager_approved_by = Set(Some(actor.name.clone()));
            model.it_manager_approved_at = Set(Some(now));
            ("it_manager_approval", serde_json::json!({}))
        }
        ApprovalChange::BusinessLead(approval) => {
            let detail = serde_json::json!({
                "name": approval.name, "approved_on": approval.approved_on, "evidence_url": approval.evidence_url,
            });
            model.business_lead_name = Set(Some(approval.name));
            model.business_lead_approved_on = Set(Some(approval.approved_on));
            model.business_lead_evidence_url = Set(approval.evidence_url);
            model.business_lead_recorded_by = Set(Some(actor.name.clone()));
            ("business_lead_approval", detail)
        }
    };
    model.version = Set(row.version + 1);
    model.updated_at = Set(now);
    model.update(&tx).await?;
    log(&tx, &plan, now, &actor.name, kind, Some((item, row.recommendation_id)), detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Records the IT manager's own approval of a change.
pub async fn approve_as_it_manager(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quarter: Quarter,
    item: uuid::Uuid,
    version: Option<i64>,
) -> Result<(), StoreError> {
    record_approval(db, actor, now, tenant, quarter, item, version, ApprovalChange::ItManager).await
}

/// The business-unit lead's approval, as an IT manager or CISO records it.
#[derive(Debug, Clone)]
pub struct BusinessLeadApproval {
    pub name: String,
    pub approved_on: NaiveDate,
    pub evidence_url: Option<String>,
    pub version: Option<i64>,
}

/// Records the business-unit lead's approval of a change.
#[allow(clippy::too_many_arguments)]
pub async fn record_business_lead(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quarter: Quarter,
    item: uuid::Uuid,
    approval: BusinessLeadApproval,
) -> Result<(), StoreError> {
    let version = approval.version;
    record_approval(db, actor, now, tenant, quarter, item, version, ApprovalChange::BusinessLead(approval)).await
}
