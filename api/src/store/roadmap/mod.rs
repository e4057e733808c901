//! Quarterly roadmaps in the database: one plan per tenant and quarter, its items with owner, target, rollout
//! phase, dependencies and change record, the events logged against its locked baseline, and the status effects
//! its phases have on recommendations.

mod baseline;
mod items;
mod plan;
mod read;

pub use baseline::{RoadmapChange, changes, close_ended, lock_baseline};
pub use items::{
    BusinessLeadApproval, ItemUpdate, PhaseChange, approve_as_it_manager, record_business_lead, set_phase, update_item,
};
pub use plan::{AddItem, add_item, remove_item, reorder, suggest};
pub use read::{baseline_diff, get, list};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::domain::bucket::Bucket;
use crate::domain::quarter::Quarter;
use crate::domain::recommendation::Status;
use crate::domain::roadmap::projection::Projection;
use crate::domain::roadmap::warnings::PlanWarning;
use crate::domain::roadmap::{DependencyKind, Phase};
use crate::entities::{roadmap, roadmap_event};

/// Who owns an item: a member, or a team named in free text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoadmapOwner {
    pub user_id: Option<uuid::Uuid>,
    pub team: Option<String>,
}

/// The item's current rollout phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PhaseView {
    pub phase: Phase,
    pub started_on: NaiveDate,
    pub observation_days: i32,
    /// When the observation window ends and the next phase may start.
    pub observation_ends: NaiveDate,
    pub notes: Option<String>,
}

/// What an item waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dependency {
    pub kind: DependencyKind,
    /// For `item`: the roadmap item it waits for.
    pub on_item_id: Option<uuid::Uuid>,
    /// For the others: what (a budget line, a vendor delivery, another team's work).
    pub description: Option<String>,
    /// For the others: when it is expected.
    pub expected_date: Option<NaiveDate>,
}

/// An approval recorded on a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Approval {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// The business-unit lead's approval, recorded by an IT manager or CISO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LeadApproval {
    pub name: String,
    pub approved_on: NaiveDate,
    pub evidence_url: Option<String>,
    pub recorded_by: String,
}

/// The change record (the seed's "Documentation and approval").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChangeRecord {
    /// What is changed (prefilled with the recommendation and its link).
    pub what: Option<String>,
    /// Why (prefilled with its risk reduction and mapped controls).
    pub why: Option<String>,
    pub rollback_plan: Option<String>,
    pub communication_date: Option<NaiveDate>,
    /// `low`, `medium`, `high` or `unknown`; prefilled from Microsoft's user impact.
    pub user_impact: String,
    pub it_manager_approval: Option<Approval>,
    pub business_lead_approval: Option<LeadApproval>,
}

/// A plan's item as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RoadmapItem {
    pub id: uuid::Uuid,
    pub recommendation_id: uuid::Uuid,
    pub title: String,
    pub external_id: Option<String>,
    pub category: Option<String>,
    pub bucket: Bucket,
    /// Points this item gains when delivered (max − achieved today).
    pub points_available: f64,
    pub status: Status,
    /// Microsoft shows every point achieved.
    pub confirmed_by_microsoft: bool,
    /// Marked done here, not yet confirmed by an import.
    pub pending_confirmation: bool,
    /// Microsoft's points dropped after being complete: stays visible on the plan.
    pub regressed: bool,
    pub position: i32,
    pub owner: RoadmapOwner,
    pub target_date: Option<NaiveDate>,
    pub phase: PhaseView,
    pub dependencies: Vec<Dependency>,
    pub change_record: ChangeRecord,
    pub suggested: bool,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
    pub version: i64,
}

/// A quarter's plan.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Roadmap {
    pub id: uuid::Uuid,
    pub quarter: Quarter,
    /// `open`, or `closed` once its quarter has ended.
    pub state: String,
    pub baseline_locked_at: Option<DateTime<Utc>>,
    pub baseline_locked_by: Option<String>,
    pub items: Vec<RoadmapItem>,
    pub warnings: Vec<PlanWarning>,
    pub projection: Projection,
    pub version: i64,
}

/// A plan in the list of a tenant's plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RoadmapSummary {
    pub quarter: Quarter,
    pub state: String,
    pub items: u64,
    pub done: u64,
    pub baseline_locked: bool,
}

/// Logs a change to the plan (marked when it comes after the locked baseline).
pub(super) async fn log(
    conn: &impl ConnectionTrait,
    plan: &roadmap::Model,
    now: DateTime<Utc>,
    actor: &str,
    kind: &str,
    item: Option<(uuid::Uuid, uuid::Uuid)>,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    roadmap_event::ActiveModel {
        roadmap_id: Set(plan.id),
        tenant_id: Set(plan.tenant_id),
        item_id: Set(item.map(|i| i.0)),
        recommendation_id: Set(item.map(|i| i.1)),
        at: Set(now),
        actor_name: Set(actor.to_owned()),
        kind: Set(kind.to_owned()),
        detail: Set(detail.to_string()),
        after_baseline: Set(plan.baseline_locked_at.is_some()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
