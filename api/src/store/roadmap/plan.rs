//! Changing what is on a plan: adding (by hand or by suggestion), removing, reordering, locking the baseline, and
//! closing plans whose quarter has ended.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use std::collections::HashSet;

use super::log;
use super::read::{item_rows, plan_row};
use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::quarter::Quarter;
use crate::domain::recommendation::{Status, fully_achieved};
use crate::domain::roadmap::{Candidate, Phase};
use crate::entities::{recommendation, roadmap, roadmap_item};
use crate::store::error::check_version;
use crate::store::recommendation_view::{Recommendation, with_links};
use crate::store::statuses::{StatusWrite, write_status};
use crate::store::{StoreError, begin_write};

/// Items a suggestion fills a plan up to.
pub const SUGGESTION_CAP: usize = 15;

/// The open plan for `quarter`, created on first use. A closed plan takes no more changes.
pub(super) async fn open_plan(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
    now: DateTime<Utc>,
) -> Result<roadmap::Model, StoreError> {
    if let Some(plan) = plan_row(conn, tenant, quarter).await? {
        if plan.state != "open" {
            return Err(StoreError::Conflict(format!("the {quarter} plan is closed: its quarter has ended")));
        }
        return Ok(plan);
    }
    if quarter.has_ended(now.date_naive()) {
        return Err(StoreError::Conflict(format!("{quarter} has ended: plan a current or future quarter")));
    }
    Ok(roadmap::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant.0),
        quarter: Set(quarter.to_string()),
        state: Set("open".into()),
        baseline: Set(None),
        baseline_locked_at: Set(None),
        baseline_locked_by: Set(None),
        closed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(conn)
    .await?)
}

async fn touch(conn: &impl ConnectionTrait, plan: &roadmap::Model, now: DateTime<Utc>) -> Result<(), StoreError> {
    roadmap::ActiveModel {
        id: Set(plan.id),
        updated_at: Set(now),
        version: Set(plan.version + 1),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// The recommendations on any open plan of the tenant.
async fn on_open_plans(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<HashSet<uuid::Uuid>, StoreError> {
    let open: Vec<uuid::Uuid> = roadmap::Entity::find()
        .filter(roadmap::Column::TenantId.eq(tenant.0))
        .filter(roadmap::Column::State.eq("open"))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    Ok(roadmap_item::Entity::find()
        .filter(roadmap_item::Column::RoadmapId.is_in(open))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| i.recommendation_id)
        .collect())
}

/// Why an item cannot go on a plan, if it cannot.
fn refusal(rec: &Recommendation, on_plans: &HashSet<uuid::Uuid>) -> Option<String> {
    if rec.removed_at.is_some() {
        return Some(format!("“{}” was removed from Secure Score", rec.title));
    }
    if rec.status == Status::Completed && fully_achieved(rec.achieved, rec.max) {
        return Some(format!("“{}” is already completed", rec.title));
    }
    if matches!(rec.status, Status::RiskAccepted | Status::ThirdParty | Status::AlternateMitigation)
        || rec.register_entry.as_ref().is_some_and(|e| e.state == crate::domain::register::EntryState::Approved)
    {
        return Some(format!("“{}” is held by a register decision ({})", rec.title, rec.status.as_str()));
    }
    if on_plans.contains(&rec.id) {
        return Some(format!("“{}” is already on an open plan", rec.title));
    }
    None
}

/// What a person puts on a plan.
#[derive(Debug, Clone)]
pub struct AddItem {
    pub recommendation_id: uuid::Uuid,
    pub owner_user_id: Option<uuid::Uuid>,
    pub owner_team: Option<String>,
    pub target_date: Option<NaiveDate>,
}

fn prefilled_why(rec: &Recommendation) -> String {
    let risk = rec
        .rating
        .risk_reduction
        .or(rec.suggested_rating.risk_reduction)
        .map(|l| format!("{l:?}").to_lowercase())
        .unwrap_or_else(|| "not rated".into());
    let controls: Vec<String> = rec.mappings.iter().map(|m| format!("{} {}", m.framework, m.display_id)).collect();
    let controls = if controls.is_empty() { "none mapped".to_owned() } else { controls.join(", ") };
    format!("Risk reduction: {risk}; {:.2} points; controls: {controls}", rec.points_available)
}

fn prefilled_impact(microsoft: &str) -> &'static str {
    match microsoft.to_ascii_lowercase().as_str() {
        "low" => "low",
        "moderate" | "medium" => "medium",
        "high" => "high",
        _ => "unknown",
    }
}

/// Appends one item: it becomes `planned` if it was `to_address`.
#[allow(clippy::too_many_arguments)]
async fn append(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    plan: &roadmap::Model,
    rec: &Recommendation,
    add: &AddItem,
    suggested: bool,
    position: i32,
) -> Result<(), StoreError> {
    let id = uuid::Uuid::now_v7();
    let link = rec.action_url.as_deref().map(|u| format!(" — {u}")).unwrap_or_default();
    roadmap_item::ActiveModel {
        id: Set(id),
        roadmap_id: Set(plan.id),
        tenant_id: Set(plan.tenant_id),
        recommendation_id: Set(rec.id),
        position: Set(position),
        owner_user_id: Set(add.owner_user_id),
        owner_team: Set(add.owner_team.clone()),
        target_date: Set(add.target_date),
        phase: Set(Phase::NotStarted.as_str().into()),
        phase_started_on: Set(now.date_naive()),
        phase_observation_days: Set(0),
        phase_notes: Set(None),
        previous_phase: Set(None),
        previous_phase_started_on: Set(None),
        previous_observation_days: Set(None),
        suggested: Set(suggested),
        added_by: Set(actor.name.clone()),
        added_at: Set(now),
        change_what: Set(Some(format!("{} ({}){link}", rec.title, rec.external_id.clone().unwrap_or_default()))),
        change_why: Set(Some(prefilled_why(rec))),
        rollback_plan: Set(None),
        communication_date: Set(None),
        user_impact: Set(prefilled_impact(&rec.user_impact).into()),
        it_manager_approved_by: Set(None),
        it_manager_approved_at: Set(None),
        business_lead_name: Set(None),
        business_lead_approved_on: Set(None),
        business_lead_evidence_url: Set(None),
        business_lead_recorded_by: Set(None),
        done_at: Set(None),
        done_by: Set(None),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(conn)
    .await?;
    if rec.status == Status::ToAddress {
        let model = recommendation::Entity::find_by_id(rec.id)
            .one(conn)
            .await?
            .ok_or(StoreError::NotFound("recommendation"))?;
        let change = StatusWrite {
            status: Status::Planned,
            reason: "roadmap",
            note: Some(format!("on the {} roadmap", plan.quarter)),
            evidence_url: None,
            write_back_comment: format!("Planned for {} in scoregrc", plan.quarter),
        };
        write_status(conn, actor, now, TenantId(plan.tenant_id), model, change).await?;
    }
    let detail = serde_json::json!({ "title": rec.title, "suggested": suggested, "position": position });
    log(conn, plan, now, &actor.name, "add", Some((id, rec.id)), detail).await
}

pub(super) async fn views(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: Option<&[uuid::Uuid]>,
    now: DateTime<Utc>,
) -> Result<Vec<Recommendation>, StoreError> {
    let mut query = recommendation::Entity::find().filter(recommendation::Column::TenantId.eq(tenant.0));
    if let Some(ids) = ids {
        query = query.filter(recommendation::Column::Id.is_in(ids.to_vec()));
    }
    with_links(conn, tenant, query.all(conn).await?, now).await
}

/// Puts one recommendation at the end of the plan.
pub async fn add_item(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quarter: Quarter,
    add: AddItem,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let plan = open_plan(&tx, tenant, quarter, now).await?;
    let rec = views(&tx, tenant, Some(&[add.recommendation_id]), now)
        .await?
        .pop()
        .ok_or(StoreError::NotFound("recommendation"))?;
    if let Some(why) = refusal(&rec, &on_open_plans(&tx, tenant).await?) {
        return Err(StoreError::Conflict(why));
    }
    let position = item_rows(&tx, plan.id).await?.iter().map(|i| i.position).max().unwrap_or(0) + 1;
    append(&tx, actor, now, &plan, &rec, &add, false, position).await?;
    touch(&tx, &plan, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Appends P1 then P2 items by points still available until the plan holds 15; answers how many were added.
pub async fn suggest(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quarter: Quarter,
) -> Result<usize, StoreError> {
    let tx = begin_write(db).await?;
    let plan = open_plan(&tx, tenant, quarter, now).await?;
    let existing = item_rows(&tx, plan.id).await?;
    let on_plans = on_open_plans(&tx, tenant).await?;
    let all = views(&tx, tenant, None, now).await?;
    let candidates: Vec<Candidate<usize>> = all
        .iter()
        .enumerate()
        .map(|(i, rec)| Candidate {
            id: i,
            title: rec.title.clone(),
            bucket: rec.bucket,
            points_available: rec.points_available,
            eligible: refusal(rec, &on_plans).is_none() && rec.achieved.is_some(),
        })
        .collect();
    let picked = crate::domain::roadmap::suggest(&candidates, existing.len(), SUGGESTION_CAP);
    let mut position = existing.iter().map(|i| i.position).max().unwrap_or(0);
    for index in &picked {
        position += 1;
        let rec = &all[*index];
        let add = AddItem { recommendation_id: rec.id, owner_user_id: None, owner_team: None, target_date: None };
        append(&tx, actor, now, &plan, rec, &add, true, position).await?;
    }
    touch(&tx, &plan, now).await?;
    tx.commit().await?;
    Ok(picked.len())
}

/// Takes an item off the plan; a recommendation the plan made `planned` goes back to `to_address`.
pub async fn remove_item(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quarter: Quarter,
    item: uuid::Uuid,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let plan = open_plan(&tx, tenant, quarter, now).await?;
    let row = roadmap_item::Entity::find_by_id(item)
        .filter(roadmap_item::Column::RoadmapId.eq(plan.id))
        .one(&tx)
        .await?
        .ok_or(StoreError::NotFound("roadmap item"))?;
    roadmap_item::Entity::delete_by_id(item).exec(&tx).await?;
    let rec = recommendation::Entity::find_by_id(row.recommendation_id).one(&tx).await?;
    if let Some(rec) = rec.filter(|r| r.status == Status::Planned.as_str()) {
        let change = StatusWrite {
            status: Status::ToAddress,
            reason: "roadmap",
            note: Some(format!("taken off the {} roadmap", plan.quarter)),
            evidence_url: None,
            write_back_comment: format!("Taken off the {} plan in scoregrc", plan.quarter),
        };
        write_status(&tx, actor, now, tenant, rec, change).await?;
    }
    log(&tx, &plan, now, &actor.name, "remove", Some((item, row.recommendation_id)), serde_json::json!({})).await?;
    touch(&tx, &plan, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts the plan's items in the given order (every item exactly once).
pub async fn reorder(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quarter: Quarter,
    order: &[uuid::Uuid],
    version: Option<i64>,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let plan = open_plan(&tx, tenant, quarter, now).await?;
    check_version(version, plan.version)?;
    let rows = item_rows(&tx, plan.id).await?;
    let current: HashSet<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
    let given: HashSet<uuid::Uuid> = order.iter().copied().collect();
    if given != current || order.len() != rows.len() {
        return Err(
            crate::domain::ValidationError::field("item_ids", "must list every item of the plan exactly once").into()
        );
    }
    for (position, id) in order.iter().enumerate() {
        roadmap_item::ActiveModel { id: Set(*id), position: Set(position as i32 + 1), ..Default::default() }
            .update(&tx)
            .await?;
    }
    log(&tx, &plan, now, &actor.name, "reorder", None, serde_json::json!({ "order": order })).await?;
    touch(&tx, &plan, now).await?;
    tx.commit().await?;
    Ok(())
}
