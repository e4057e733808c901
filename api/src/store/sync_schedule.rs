//! Each tenant's daily sync: its schedule (a settings document, audited), the slot last run (service state, not
//! audited: the import runs themselves are), and queueing the due syncs for the job runner.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::connectors::{self, ConnectorKind};
use super::triage_settings::{Versioned, read as read_setting, write as write_setting};
use super::{StoreError, begin_write};
use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::schedule::{SyncSchedule, due, latest_slot};
use crate::entities::setting;

const SCHEDULE: &str = "sync_schedule";
const LAST_SLOT: &str = "sync_last_slot";

/// The tenant's sync schedule (off until set).
pub async fn schedule(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Versioned<SyncSchedule>, StoreError> {
    read_setting(conn, tenant, SCHEDULE, SyncSchedule::default()).await
}

async fn last_slot(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = setting::Entity::find_by_id((tenant.to_string(), LAST_SLOT.to_owned())).one(conn).await?;
    Ok(row.and_then(|r| DateTime::parse_from_rfc3339(&r.value).ok()).map(|t| t.with_timezone(&Utc)))
}

async fn record_slot(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    slot: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let existing = setting::Entity::find_by_id((tenant.to_string(), LAST_SLOT.to_owned())).one(conn).await?;
    let model = setting::ActiveModel {
        scope: Set(tenant.to_string()),
        key: Set(LAST_SLOT.to_owned()),
        value: Set(slot.to_rfc3339()),
        version: Set(existing.as_ref().map_or(1, |e| e.version + 1)),
        updated_at: Set(now),
    };
    if existing.is_some() {
        model.update(conn).await?
    } else {
        model.insert(conn).await?
    };
    Ok(())
}

/// Replaces the schedule. The slot that has already passed counts as run, so turning a schedule on never starts
/// a sync on the spot; the next slot does.
pub async fn set_schedule(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    value: &SyncSchedule,
    version: Option<i64>,
) -> Result<i64, StoreError> {
    let (time, zone) = value.parsed()?;
    let stored = write_setting(db, actor, now, tenant, SCHEDULE, value, version).await?;
    let tx = begin_write(db).await?;
    record_slot(&tx, tenant, latest_slot(now, time, zone), now).await?;
    tx.commit().await?;
    Ok(stored)
}

/// A sync the runner should start: the tenant and the connectors it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSync {
    pub tenant: TenantId,
    pub connectors: Vec<ConnectorKind>,
}

/// Claims every due sync (recording its slot in the same write, so two runners or two ticks never start the same
/// slot twice) and answers them.
pub async fn claim_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<DueSync>, StoreError> {
    let scheduled = setting::Entity::find().filter(setting::Column::Key.eq(SCHEDULE)).all(db).await?;
    let mut claimed = Vec::new();
    for row in scheduled {
        let Ok(tenant) = row.scope.parse::<uuid::Uuid>().map(TenantId) else { continue };
        let Ok(schedule) = serde_json::from_str::<SyncSchedule>(&row.value) else { continue };
        let Ok((time, zone)) = schedule.parsed() else { continue };
        if !schedule.enabled {
            continue;
        }
        let slot = latest_slot(now, time, zone);
        // A plain read first: the runner asks every second, and a write lock each time would hold up real writes.
        if !due(last_slot(db, tenant).await?, slot) {
            continue;
        }
        let tx = begin_write(db).await?;
        if !due(last_slot(&tx, tenant).await?, slot) {
            continue;
        }
        record_slot(&tx, tenant, slot, now).await?;
        tx.commit().await?;
        let mut kinds = Vec::new();
        for kind in [ConnectorKind::Graph, ConnectorKind::Defender] {
            if connectors::settings_of(db, tenant, kind).await?.is_some() {
                kinds.push(kind);
            }
        }
        claimed.push(DueSync { tenant, connectors: kinds });
    }
    Ok(claimed)
}
