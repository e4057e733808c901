//! The demo tenant's register: the seed article's example acceptance (Cloud Discovery in Defender for Cloud Apps)
//! approved by the demo CISO, and a third-party decision waiting for the IT manager's review, each taken through
//! the real workflow by the demo users so the history and the audit trail read as they would in production.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::domain::audit::{Actor, ActorKind};
use crate::domain::ids::TenantId;
use crate::domain::register::proposal::Proposal;
use crate::domain::register::workflow::Action;
use crate::domain::register::{Decision, ResidualRisk};
use crate::domain::role::Role;
use crate::entities::recommendation;
use crate::store::StoreError;
use crate::store::register::{self, StepRequest};
use crate::store::users;

/// A demo user as an actor, by role.
pub(super) async fn demo_actor(db: &DatabaseConnection, role: Role) -> Result<Actor, StoreError> {
    let name = super::demo_username(role);
    let user = users::find_by_username(db, &name).await?.ok_or(StoreError::NotFound("demo user"))?;
    Ok(Actor { kind: ActorKind::User, id: Some(user.id.to_string()), name })
}

async fn items(db: &DatabaseConnection, tenant: TenantId, ids: &[&str]) -> Result<Vec<uuid::Uuid>, StoreError> {
    let rows = recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::ControlKey.is_in(ids.iter().copied()))
        // Only open gaps can be accepted.
        .filter(recommendation::Column::Status.ne("completed"))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

async fn step(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: uuid::Uuid,
    role: Role,
    action: Action,
    business_context: Option<&str>,
) -> Result<(), StoreError> {
    let actor = demo_actor(db, role).await?;
    let version = register::get(db, tenant, id, now).await?.version;
    let request = StepRequest {
        action,
        version: Some(version),
        comment: None,
        business_context: business_context.map(str::to_owned),
        renew: true,
    };
    register::take_step(db, &actor, role, now, tenant, id, request).await.map(|_| ())
}

/// Adds the demo entries (only to a freshly loaded demo tenant).
pub async fn load(db: &DatabaseConnection, tenant: TenantId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let engineer = demo_actor(db, Role::Engineer).await?;
    let discovery =
        items(db, tenant, &["mcas_mda_enabled", "McasCloudAppNotification", "AppG_regulate_access_to_sensitive_data"])
            .await?;
    if !discovery.is_empty() {
        let proposal = Proposal {
            decision: Decision::RiskAcceptance,
            recommendation_ids: discovery,
            risk_description: "Reduces visibility into unsanctioned SaaS app usage (shadow IT)".into(),
            business_justification:
                "Limited SaaS footprint (only Microsoft 365 and 3 approved SaaS apps). Cost/benefit \
                                     does not justify enabling Defender for Cloud Apps."
                    .into(),
            compensating_controls: "Entra ID Conditional Access blocks all non-approved SaaS apps. Network firewall \
                                    logs egress traffic for anomaly detection."
                .into(),
            residual_risk: ResidualRisk::Medium,
            covered_by: None,
        };
        let entry = register::create(db, &engineer, now, tenant, proposal).await?;
        step(db, now, tenant, entry.id, Role::Engineer, Action::Submit, None).await?;
        let context = "Three approved SaaS apps; the CASB licence is not in this year's budget";
        step(db, now, tenant, entry.id, Role::ItManager, Action::Review, Some(context)).await?;
        step(db, now, tenant, entry.id, Role::Ciso, Action::Approve, None).await?;
    }
    let mail = items(db, tenant, &["mdo_safeattachments", "mdo_safelinksforemail"]).await?;
    if !mail.is_empty() {
        let proposal = Proposal {
            decision: Decision::ThirdParty,
            recommendation_ids: mail,
            risk_description: "Malicious links and attachments reach mailboxes if the gateway misses them".into(),
            business_justification: "The mail gateway already rewrites links and detonates attachments for every \
                                     inbound message"
                .into(),
            compensating_controls: "Gateway sandboxing, URL rewriting and quarantine reports reviewed weekly".into(),
            residual_risk: ResidualRisk::Low,
            covered_by: Some("Third-party secure e-mail gateway".into()),
        };
        let entry = register::create(db, &engineer, now, tenant, proposal).await?;
        step(db, now, tenant, entry.id, Role::Engineer, Action::Submit, None).await?;
    }
    Ok(())
}
