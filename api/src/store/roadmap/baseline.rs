//! The plan's baseline and its life after the quarter: locking what the plan holds at quarter start, the log of
//! changes made since, and closing plans whose quarter has ended.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::log;
use super::plan::{open_plan, views};
use super::read::{item_rows, plan_row};
use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::quarter::Quarter;
use crate::domain::roadmap::baseline::BaselineItem;
use crate::entities::{roadmap, roadmap_event};
use crate::store::{StoreError, begin_write};

/// One logged change to a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RoadmapChange {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `add`, `remove`, `reorder`, `update`, `phase`, `lock_baseline`, `it_manager_approval`, `business_lead_approval`.
    pub kind: String,
    pub item_id: Option<uuid::Uuid>,
    pub recommendation_id: Option<uuid::Uuid>,
    pub detail: serde_json::Value,
    /// Made after the baseline was locked.
    pub after_baseline: bool,
}

/// Every change to the plan, oldest first.
pub async fn changes(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
) -> Result<Vec<RoadmapChange>, StoreError> {
    let plan = plan_row(conn, tenant, quarter).await?.ok_or(StoreError::NotFound("roadmap"))?;
    let rows = roadmap_event::Entity::find()
        .filter(roadmap_event::Column::RoadmapId.eq(plan.id))
        .order_by_asc(roadmap_event::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| RoadmapChange {
            at: e.at,
            actor: e.actor_name,
            kind: e.kind,
            item_id: e.item_id,
            recommendation_id: e.recommendation_id,
            detail: serde_json::from_str(&e.detail).unwrap_or_default(),
            after_baseline: e.after_baseline,
        })
        .collect())
}

/// Freezes the plan as the quarter's baseline; later changes are logged against it.
pub async fn lock_baseline(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quarter: Quarter,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let plan = open_plan(&tx, tenant, quarter, now).await?;
    if plan.baseline_locked_at.is_some() {
        return Err(StoreError::Conflict(format!("the {quarter} baseline is already locked")));
    }
    let rows = item_rows(&tx, plan.id).await?;
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.recommendation_id).collect();
    let recs = views(&tx, tenant, Some(&ids), now).await?;
    let baseline: Vec<BaselineItem> = rows
        .iter()
        .map(|r| BaselineItem {
            recommendation_id: r.recommendation_id,
            title: recs.iter().find(|v| v.id == r.recommendation_id).map(|v| v.title.clone()).unwrap_or_default(),
            target_date: r.target_date,
        })
        .collect();
    // What the plan promised when it was locked: the board report sets it against what was achieved.
    let projection = super::read::get(&tx, tenant, quarter, now).await?.projection;
    let mut model: roadmap::ActiveModel = plan.clone().into();
    model.baseline = Set(Some(serde_json::to_string(&baseline).unwrap_or_default()));
    model.baseline_locked_at = Set(Some(now));
    model.baseline_locked_by = Set(Some(actor.name.clone()));
    model.version = Set(plan.version + 1);
    model.updated_at = Set(now);
    model.update(&tx).await?;
    let detail = serde_json::json!({
        "items": baseline.len(),
        "projected_percent": projection.projected_percent,
        "projected_points": projection.projected_points,
        "points_gained": projection.points_gained,
    });
    log(&tx, &plan, now, &actor.name, "lock_baseline", None, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Closes open plans whose quarter ended before `now`; answers the (tenant, quarter) of each.
pub async fn close_ended(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<(TenantId, Quarter)>, StoreError> {
    let open = roadmap::Entity::find().filter(roadmap::Column::State.eq("open")).all(db).await?;
    let mut closed = Vec::new();
    for plan in open {
        let Ok(quarter) = plan.quarter.parse::<Quarter>() else { continue };
        if !quarter.has_ended(now.date_naive()) {
            continue;
        }
        let mut model: roadmap::ActiveModel = plan.clone().into();
        model.state = Set("closed".into());
        model.closed_at = Set(Some(now));
        model.version = Set(plan.version + 1);
        model.update(db).await?;
        closed.push((TenantId(plan.tenant_id), quarter));
    }
    Ok(closed)
}
