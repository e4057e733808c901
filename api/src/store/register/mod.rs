//! The risk-acceptance register in the database: entries, the items they cover, their step history, and the
//! tenant's register policy. States that depend on dates (expired, review due, needs re-review) are computed on
//! read by `domain::register::policy`.

mod effects;
mod item_links;
mod proposals;
mod read;
mod steps;
pub mod sweep;
mod touching;

pub use item_links::{ItemRegisterLink, LinkedEntry, held, holding_entry, linked_entries, links_for};
pub use proposals::{create, update};
pub use read::{RegisterFilter, RegisterRow, every_row, get, list, register_rows, review_due_entries};
pub use steps::{StepRequest, take_step};
pub use touching::live_entries_by_item;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::Serialize;

use super::StoreError;
use super::triage_settings::{Versioned, read as read_setting, write as write_setting};
use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Status;
use crate::domain::register::policy::RegisterPolicy;
use crate::domain::register::{Decision, EntryState, ResidualRisk};

const POLICY: &str = "register_policy";

/// The tenant's register policy (DESIGN.md's defaults until a ciso or admin changes it).
pub async fn policy(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Versioned<RegisterPolicy>, StoreError> {
    read_setting(conn, tenant, POLICY, RegisterPolicy::default()).await
}

/// Replaces the register policy; it applies from the next approval, renewal and read on.
pub async fn set_policy(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    policy: &RegisterPolicy,
    version: Option<i64>,
) -> Result<i64, StoreError> {
    policy.check()?;
    write_setting(db, actor, now, tenant, POLICY, policy, version).await
}

/// Someone who took part in an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Participant {
    /// The user's or service token's id.
    pub id: Option<String>,
    pub name: String,
}

/// An item an entry covers, as the entry shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CoveredRecommendation {
    pub id: uuid::Uuid,
    /// The Secure Score control id.
    pub external_id: Option<String>,
    pub title: String,
    pub category: Option<String>,
    /// Points still available on it now (max − achieved).
    pub points_at_stake: f64,
    pub status: Status,
}

/// One step in an entry's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RegisterEvent {
    pub at: DateTime<Utc>,
    /// `create`, `update`, `submit`, `review`, `return`, `approve`, `reject`, `revoke`, `renew`, `expire`.
    pub action: String,
    pub from_state: Option<EntryState>,
    pub to_state: EntryState,
    pub actor: Participant,
    pub comment: Option<String>,
}

/// A register entry as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RiskAcceptance {
    pub id: uuid::Uuid,
    /// `RA-0001`: what comments, write-backs and people quote.
    pub reference: String,
    pub decision: Decision,
    /// Effective state: an approval past its review date and grace period reads `expired`.
    pub state: EntryState,
    /// The product or control that covers the gap (third party, alternate mitigation).
    pub covered_by: Option<String>,
    pub recommendation_ids: Vec<uuid::Uuid>,
    pub recommendations: Vec<CoveredRecommendation>,
    /// The covered items' categories.
    pub category: String,
    /// Points at stake: current while the entry is open, as approved (or renewed) once it is decided.
    pub points_at_stake: f64,
    /// Points at stake today, whatever the state.
    pub points_at_stake_now: f64,
    pub risk_description: String,
    pub business_justification: String,
    pub compensating_controls: String,
    pub residual_risk: ResidualRisk,
    /// Residual risk low and points at stake within the tenant's limit: an IT manager may decide it.
    pub low_impact: bool,
    /// Which low-impact condition fails, when one does.
    pub low_impact_failure: Option<String>,
    pub proposer: Participant,
    pub reviewer: Option<Participant>,
    /// The IT manager's business context, added at review.
    pub business_context: Option<String>,
    pub approver: Option<Participant>,
    pub approved_at: Option<DateTime<Utc>>,
    /// The approval or latest renewal.
    pub decided_at: Option<DateTime<Utc>>,
    pub review_date: Option<NaiveDate>,
    /// From 30 days before the review date until the entry is renewed or expires.
    pub review_due: bool,
    /// An item regressed, or the points at stake rose, since the approval or last renewal.
    pub needs_re_review: bool,
    pub re_review_reasons: Vec<String>,
    /// Why it was last sent back to draft.
    pub last_return_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Every step, oldest first (on a single entry's read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<RegisterEvent>>,
}

/// Whether an item's status is the one a decision gives it.
fn holds_decision_status(status: Status, decision: Decision) -> bool {
    status == decision.item_status()
}

/// Records a step in the entry's history and the tenant's trail.
#[allow(clippy::too_many_arguments)]
async fn record_event(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    entry: &crate::entities::risk_acceptance::Model,
    action: &str,
    from: Option<EntryState>,
    to: EntryState,
    comment: Option<String>,
) -> Result<(), StoreError> {
    use sea_orm::{ActiveModelTrait, Set};
    crate::entities::risk_acceptance_event::ActiveModel {
        entry_id: Set(entry.id),
        tenant_id: Set(entry.tenant_id),
        at: Set(now),
        action: Set(action.to_owned()),
        from_state: Set(from.map(|s| s.as_str().to_owned())),
        to_state: Set(to.as_str().to_owned()),
        actor_id: Set(actor.id.clone()),
        actor_name: Set(actor.name.clone()),
        comment: Set(comment.clone()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let after = serde_json::json!({
        "reference": entry.reference,
        "state": to,
        "decision": entry.decision,
        "points_at_stake": entry.points_at_stake,
        "review_date": entry.review_date,
        "version": entry.version,
    });
    let mut change = super::audit::Change::new(
        crate::domain::audit::Chain::Tenant(TenantId(entry.tenant_id)),
        actor,
        "risk_acceptance",
        entry.id,
        action,
    )
    .after(after);
    if let Some(from) = from {
        change = change.before(serde_json::json!({ "state": from }));
    }
    if let Some(comment) = comment {
        change = change.comment(comment);
    }
    super::audit::append(conn, now, change).await
}

/// An entry about to be changed, read inside the write: checked for the version the caller based the change on,
/// with the tenant's policy, its effective state and its items.
struct ForWrite {
    entry: crate::entities::risk_acceptance::Model,
    policy: RegisterPolicy,
    state: EntryState,
    items: Vec<crate::entities::recommendation::Model>,
}

async fn for_write(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: uuid::Uuid,
    version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<ForWrite, StoreError> {
    use crate::entities::risk_acceptance;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let entry = risk_acceptance::Entity::find_by_id(id)
        .filter(risk_acceptance::Column::TenantId.eq(tenant.0))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("risk acceptance"))?;
    super::error::require_version(version, entry.version)?;
    let policy = policy(conn, tenant).await?.value;
    let state = read::effective(&entry, &policy, now);
    let items = read::covered_items(conn, std::iter::once(id)).await?.remove(&id).unwrap_or_default();
    Ok(ForWrite { entry, policy, state, items })
}
