//! Reading plans: items with their recommendations' live state, warnings, the projected score, and the diff
//! against the locked baseline.

use chrono::{DateTime, Days, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

use super::{
    Approval, ChangeRecord, Dependency, LeadApproval, PhaseView, Roadmap, RoadmapItem, RoadmapOwner, RoadmapSummary,
};
use crate::domain::ids::TenantId;
use crate::domain::quarter::Quarter;
use crate::domain::roadmap::baseline::{BaselineDiff, BaselineItem, CurrentItem, diff};
use crate::domain::roadmap::projection::project;
use crate::domain::roadmap::warnings::{ItemFacts, PhaseStart, WaitsFor, plan_warnings};
use crate::domain::roadmap::{DependencyKind, Phase};
use crate::entities::{recommendation, roadmap, roadmap_dependency, roadmap_item};
use crate::store::StoreError;
use crate::store::recommendation_view::{Recommendation, with_links};

/// The plan row for a quarter, if any.
pub(super) async fn plan_row(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
) -> Result<Option<roadmap::Model>, StoreError> {
    Ok(roadmap::Entity::find()
        .filter(roadmap::Column::TenantId.eq(tenant.0))
        .filter(roadmap::Column::Quarter.eq(quarter.to_string()))
        .one(conn)
        .await?)
}

pub(super) async fn item_rows(
    conn: &impl ConnectionTrait,
    plan: uuid::Uuid,
) -> Result<Vec<roadmap_item::Model>, StoreError> {
    Ok(roadmap_item::Entity::find()
        .filter(roadmap_item::Column::RoadmapId.eq(plan))
        .order_by_asc(roadmap_item::Column::Position)
        .all(conn)
        .await?)
}

fn phase_view(m: &roadmap_item::Model) -> PhaseView {
    PhaseView {
        phase: m.phase.parse().unwrap_or(Phase::NotStarted),
        started_on: m.phase_started_on,
        observation_days: m.phase_observation_days,
        observation_ends: m.phase_started_on + Days::new(m.phase_observation_days.max(0) as u64),
        notes: m.phase_notes.clone(),
    }
}

fn item_view(m: &roadmap_item::Model, rec: &Recommendation, dependencies: Vec<Dependency>) -> RoadmapItem {
    RoadmapItem {
        id: m.id,
        recommendation_id: m.recommendation_id,
        title: rec.title.clone(),
        external_id: rec.external_id.clone(),
        category: rec.category.clone(),
        bucket: rec.bucket,
        points_available: rec.points_available,
        status: rec.status,
        confirmed_by_microsoft: crate::domain::recommendation::fully_achieved(rec.achieved, rec.max),
        pending_confirmation: rec.pending_confirmation,
        regressed: rec.regressed,
        position: m.position,
        owner: RoadmapOwner { user_id: m.owner_user_id, team: m.owner_team.clone() },
        target_date: m.target_date,
        phase: phase_view(m),
        dependencies,
        change_record: ChangeRecord {
            what: m.change_what.clone(),
            why: m.change_why.clone(),
            rollback_plan: m.rollback_plan.clone(),
            communication_date: m.communication_date,
            user_impact: m.user_impact.clone(),
            it_manager_approval: m
                .it_manager_approved_by
                .clone()
                .zip(m.it_manager_approved_at)
                .map(|(by, at)| Approval { by, at }),
            business_lead_approval: m.business_lead_name.clone().zip(m.business_lead_approved_on).map(
                |(name, approved_on)| LeadApproval {
                    name,
                    approved_on,
                    evidence_url: m.business_lead_evidence_url.clone(),
                    recorded_by: m.business_lead_recorded_by.clone().unwrap_or_default(),
                },
            ),
        },
        suggested: m.suggested,
        done_at: m.done_at,
        done_by: m.done_by.clone(),
        version: m.version,
    }
}

fn facts(
    item: &RoadmapItem,
    m: &roadmap_item::Model,
    targets: &HashMap<uuid::Uuid, (String, Option<chrono::NaiveDate>)>,
) -> ItemFacts {
    let start = |phase: Option<&str>, on: Option<chrono::NaiveDate>, days: Option<i32>| {
        Some(PhaseStart {
            phase: phase?.parse().ok()?,
            started_on: on?,
            observation_days: days.unwrap_or(0).max(0) as u32,
        })
    };
    ItemFacts {
        id: item.id,
        title: item.title.clone(),
        bucket: item.bucket,
        target_date: item.target_date,
        has_owner: item.owner.user_id.is_some() || item.owner.team.is_some(),
        current: start(Some(&m.phase), Some(m.phase_started_on), Some(m.phase_observation_days)),
        previous: start(m.previous_phase.as_deref(), m.previous_phase_started_on, m.previous_observation_days),
        high_user_impact: item.change_record.user_impact == "high",
        it_manager_approved: item.change_record.it_manager_approval.is_some(),
        business_lead_approved: item.change_record.business_lead_approval.is_some(),
        waits_for: item
            .dependencies
            .iter()
            .map(|d| match (d.kind, d.on_item_id.and_then(|id| targets.get(&id))) {
                (DependencyKind::Item, Some((title, target))) => {
                    WaitsFor { label: format!("“{title}”"), finishes: *target }
                }
                _ => WaitsFor {
                    label: d.description.clone().unwrap_or_else(|| d.kind.as_str().replace('_', " ")),
                    finishes: d.expected_date,
                },
            })
            .collect(),
    }
}

/// The plan for `quarter`, with live item state, warnings and projection.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
    now: DateTime<Utc>,
) -> Result<Roadmap, StoreError> {
    let plan = plan_row(conn, tenant, quarter).await?.ok_or(StoreError::NotFound("roadmap"))?;
    let rows = item_rows(conn, plan.id).await?;
    // The projection needs three columns of every item: read only those, so a large tenant's plan stays cheap.
    let recommendations: Vec<(Option<String>, f64, Option<f64>)> = recommendation::Entity::find()
        .select_only()
        .columns([recommendation::Column::Category, recommendation::Column::MaxScore, recommendation::Column::Achieved])
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::Product.eq("m365"))
        .filter(recommendation::Column::RemovedAt.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    let on_plan: Vec<recommendation::Model> = recommendation::Entity::find()
        .filter(recommendation::Column::Id.is_in(rows.iter().map(|r| r.recommendation_id)))
        .all(conn)
        .await?;
    let views: HashMap<uuid::Uuid, Recommendation> =
        with_links(conn, tenant, on_plan, now).await?.into_iter().map(|v| (v.id, v)).collect();
    let mut dependencies: HashMap<uuid::Uuid, Vec<Dependency>> = HashMap::new();
    for d in roadmap_dependency::Entity::find()
        .filter(roadmap_dependency::Column::ItemId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(roadmap_dependency::Column::Id)
        .all(conn)
        .await?
    {
        dependencies.entry(d.item_id).or_default().push(Dependency {
            kind: d.kind.parse().unwrap_or(DependencyKind::Other),
            on_item_id: d.depends_on_item_id,
            description: d.description,
            expected_date: d.expected_date,
        });
    }
    let items: Vec<(RoadmapItem, &roadmap_item::Model)> = rows
        .iter()
        .filter_map(|m| {
            let rec = views.get(&m.recommendation_id)?;
            Some((item_view(m, rec, dependencies.remove(&m.id).unwrap_or_default()), m))
        })
        .collect();
    let targets: HashMap<uuid::Uuid, (String, Option<chrono::NaiveDate>)> =
        items.iter().map(|(i, _)| (i.id, (i.title.clone(), i.target_date))).collect();
    let warnings = plan_warnings(quarter, &items.iter().map(|(i, m)| facts(i, m, &targets)).collect::<Vec<_>>());
    let scored: Vec<(String, f64, f64)> = recommendations
        .iter()
        .filter_map(|(category, max, achieved)| Some((category.clone().unwrap_or_default(), *max, (*achieved)?)))
        .collect();
    let gains: Vec<(String, f64)> = items
        .iter()
        .filter(|(i, _)| i.phase.phase != Phase::Done)
        .map(|(i, _)| (i.category.clone().unwrap_or_default(), i.points_available))
        .collect();
    Ok(Roadmap {
        id: plan.id,
        quarter,
        state: plan.state.clone(),
        baseline_locked_at: plan.baseline_locked_at,
        baseline_locked_by: plan.baseline_locked_by.clone(),
        items: items.into_iter().map(|(i, _)| i).collect(),
        warnings,
        projection: project(&scored, &gains),
        version: plan.version,
    })
}

/// The tenant's plans, newest quarter first.
pub async fn list(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<RoadmapSummary>, StoreError> {
    let plans = roadmap::Entity::find()
        .filter(roadmap::Column::TenantId.eq(tenant.0))
        .order_by_desc(roadmap::Column::Quarter)
        .all(conn)
        .await?;
    let mut list = Vec::new();
    for plan in plans {
        let items = item_rows(conn, plan.id).await?;
        list.push(RoadmapSummary {
            quarter: plan.quarter.parse().map_err(StoreError::Invalid)?,
            state: plan.state,
            items: items.len() as u64,
            done: items.iter().filter(|i| i.phase == Phase::Done.as_str()).count() as u64,
            baseline_locked: plan.baseline_locked_at.is_some(),
        });
    }
    Ok(list)
}

/// The plan against its locked baseline, as of today (or the quarter's end once it is over). 409 while no
/// baseline is locked.
pub async fn baseline_diff(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
    now: DateTime<Utc>,
) -> Result<BaselineDiff, StoreError> {
    let plan = plan_row(conn, tenant, quarter).await?.ok_or(StoreError::NotFound("roadmap"))?;
    let baseline: Vec<BaselineItem> = match &plan.baseline {
        Some(text) => serde_json::from_str(text).unwrap_or_default(),
        None => return Err(StoreError::Conflict("no baseline is locked for this plan yet".into())),
    };
    let rows = item_rows(conn, plan.id).await?;
    let titles: HashMap<uuid::Uuid, String> = recommendation::Entity::find()
        .filter(recommendation::Column::Id.is_in(rows.iter().map(|r| r.recommendation_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.title))
        .collect();
    let current: Vec<CurrentItem> = rows
        .iter()
        .map(|r| CurrentItem {
            recommendation_id: r.recommendation_id,
            title: titles.get(&r.recommendation_id).cloned().unwrap_or_default(),
            target_date: r.target_date,
            done_on: r.done_at.map(|d| d.date_naive()),
        })
        .collect();
    let as_of = now.date_naive().min(quarter.end());
    Ok(diff(&baseline, &current, as_of))
}
