//! What a decision does to the items it covers: an approval gives each the decision's status (queuing the Graph
//! write with the entry's reference); a revocation or expiry puts them back to `to_address`.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::holds_decision_status;
use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Status;
use crate::domain::register::Decision;
use crate::entities::{recommendation, risk_acceptance};
use crate::store::StoreError;
use crate::store::statuses::{StatusWrite, write_status};

/// Gives every covered item the decision's status (items already in it are left alone).
pub(super) async fn apply_decision(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    entry: &risk_acceptance::Model,
    items: &[recommendation::Model],
) -> Result<(), StoreError> {
    let decision: Decision = entry.decision.parse().unwrap_or(Decision::RiskAcceptance);
    let review = entry.review_date.map(|d| format!(", review by {d}")).unwrap_or_default();
    for item in items {
        let status: Status = item.status.parse().unwrap_or(Status::ToAddress);
        if holds_decision_status(status, decision) {
            continue;
        }
        let change = StatusWrite {
            status: decision.item_status(),
            reason: "register",
            note: Some(format!("{} approved by {}", entry.reference, actor.name)),
            evidence_url: None,
            write_back_comment: format!(
                "scoregrc risk register {} ({}), approved by {}{review}",
                entry.reference,
                decision.as_str(),
                actor.name
            ),
        };
        write_status(conn, actor, now, TenantId(entry.tenant_id), item.clone(), change).await?;
    }
    Ok(())
}

/// Puts every covered item that still has the decision's status back to `to_address`, saying why.
pub(super) async fn restore_items(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    entry: &risk_acceptance::Model,
    items: &[recommendation::Model],
    why: &str,
) -> Result<(), StoreError> {
    let decision: Decision = entry.decision.parse().unwrap_or(Decision::RiskAcceptance);
    for item in items {
        let status: Status = item.status.parse().unwrap_or(Status::ToAddress);
        if !holds_decision_status(status, decision) {
            continue;
        }
        let change = StatusWrite {
            status: Status::ToAddress,
            reason: "register",
            note: Some(format!("{} {why}", entry.reference)),
            evidence_url: None,
            write_back_comment: format!("scoregrc risk register {} {why}", entry.reference),
        };
        write_status(conn, actor, now, TenantId(entry.tenant_id), item.clone(), change).await?;
    }
    Ok(())
}
