//! The register's periodic work, run by the job runner on every tick: an approval past its review date and grace
//! period puts its items back to `to_address` (once), and review reminders are written to the notification outbox
//! at 30, 7 and 0 days (once each). Entry states themselves are computed on read, so a late sweep delays only
//! these side effects.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;

use super::effects::restore_items;
use super::read::{covered_items, effective};
use super::{policy, record_event};
use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::register::EntryState;
use crate::domain::register::policy::{RegisterPolicy, reminder_key, reminders_reached};
use crate::entities::risk_acceptance;
use crate::store::{StoreError, begin_write, notifications};

/// What a sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub expired: u64,
    pub reminders: u64,
}

impl SweepReport {
    /// Whether anything was written.
    pub fn changed(&self) -> bool {
        self.expired > 0 || self.reminders > 0
    }
}

/// Applies expiries and writes due reminders for every tenant.
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<SweepReport, StoreError> {
    let approved = risk_acceptance::Entity::find()
        .filter(risk_acceptance::Column::State.eq(EntryState::Approved.as_str()))
        .all(db)
        .await?;
    let mut policies: HashMap<uuid::Uuid, RegisterPolicy> = HashMap::new();
    let mut report = SweepReport::default();
    for entry in approved {
        let tenant = TenantId(entry.tenant_id);
        let policy = match policies.get(&entry.tenant_id) {
            Some(p) => *p,
            None => {
                let p = policy(db, tenant).await?.value;
                policies.insert(entry.tenant_id, p);
                p
            }
        };
        match effective(&entry, &policy, now) {
            EntryState::Expired if entry.expiry_applied_at.is_none() => {
                expire(db, now, entry.id).await?;
                report.expired += 1;
            }
            EntryState::Approved => report.reminders += remind(db, now, &entry).await?,
            _ => {}
        }
    }
    Ok(report)
}

fn payload(entry: &risk_acceptance::Model, days_before: Option<u64>) -> serde_json::Value {
    serde_json::json!({
        "entry_id": entry.id,
        "reference": entry.reference,
        "tenant_id": entry.tenant_id,
        "decision": entry.decision,
        "review_date": entry.review_date,
        "days_before_review": days_before,
        "approver": entry.approver_name,
        "points_at_stake": entry.points_at_stake,
    })
}

async fn remind(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    entry: &risk_acceptance::Model,
) -> Result<u64, StoreError> {
    let Some(review) = entry.review_date else { return Ok(0) };
    let mut written = 0;
    for days in reminders_reached(review, now.date_naive()) {
        let key = reminder_key(entry.id, review, days);
        // Most ticks find the reminder written already: a read, not an insert that conflicts every second.
        if notifications::exists(db, &key).await? {
            continue;
        }
        let tenant = Some(TenantId(entry.tenant_id));
        let payload = payload(entry, Some(days));
        if notifications::enqueue(db, tenant, "risk_acceptance.review_due", &key, &payload, now).await? {
            written += 1;
        }
    }
    Ok(written)
}

async fn expire(db: &DatabaseConnection, now: DateTime<Utc>, id: uuid::Uuid) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    // Read again inside the write: a renewal or revocation may have landed since the sweep looked.
    let Some(entry) = risk_acceptance::Entity::find_by_id(id).one(&tx).await? else { return Ok(()) };
    let policy = policy(&tx, TenantId(entry.tenant_id)).await?.value;
    if entry.expiry_applied_at.is_some() || effective(&entry, &policy, now) != EntryState::Expired {
        return Ok(());
    }
    let actor = Actor::system("register");
    let items = covered_items(&tx, std::iter::once(id)).await?.remove(&id).unwrap_or_default();
    let review = entry.review_date.map(|d| d.to_string()).unwrap_or_default();
    restore_items(&tx, &actor, now, &entry, &items, &format!("expired: not renewed by its review date {review}"))
        .await?;
    let mut model: risk_acceptance::ActiveModel = entry.clone().into();
    model.expiry_applied_at = Set(Some(now));
    model.updated_at = Set(now);
    model.version = Set(entry.version + 1);
    let saved = model.update(&tx).await?;
    let comment = format!("not renewed by {review} plus {} days of grace", policy.grace_days);
    record_event(&tx, &actor, now, &saved, "expire", Some(EntryState::Approved), EntryState::Expired, Some(comment))
        .await?;
    let key = format!("risk_acceptance:{id}:review:{review}:expired");
    notifications::enqueue(
        &tx,
        Some(TenantId(entry.tenant_id)),
        "risk_acceptance.expired",
        &key,
        &payload(&saved, None),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
