//! A tenant's weekly digest schedule: a settings document (weekday, local time, IANA time zone), off until a ciso
//! or admin sets it. The time it was set is kept, so a schedule never sends a digest for a week before it existed.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use super::StoreError;
use super::triage_settings::{read, write};
use crate::domain::audit::Actor;
use crate::domain::digest::{DayOfWeek, DigestSchedule, ParsedSchedule};
use crate::domain::ids::TenantId;
use crate::entities::setting;

const KEY: &str = "digest_schedule";

/// The stored document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Stored {
    enabled: bool,
    #[serde(flatten)]
    schedule: DigestSchedule,
    active_since: Option<DateTime<Utc>>,
}

impl Default for Stored {
    fn default() -> Self {
        let schedule =
            DigestSchedule { day_of_week: DayOfWeek::Monday, local_time: "09:00".into(), time_zone: "UTC".into() };
        Self { enabled: false, schedule, active_since: None }
    }
}

/// The schedule as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DigestScheduleView {
    /// Off until a ciso or admin turns it on.
    pub enabled: bool,
    #[serde(flatten)]
    pub schedule: DigestSchedule,
    /// When the schedule was last set: no digest is written for a scheduled time before it.
    pub active_since: Option<DateTime<Utc>>,
    /// When the next digest falls due (`null` while off).
    pub next_digest_at: Option<DateTime<Utc>>,
    /// 0 while never set.
    pub version: i64,
}

fn view(stored: Stored, version: i64, now: DateTime<Utc>) -> DigestScheduleView {
    let next = stored.schedule.parse().ok().filter(|_| stored.enabled).map(|s| {
        // A due digest not yet written still counts as next.
        let latest = s.latest(now);
        if stored.active_since.is_some_and(|since| latest.at >= since) { latest.at } else { s.next(now) }
    });
    DigestScheduleView {
        enabled: stored.enabled,
        schedule: stored.schedule,
        active_since: stored.active_since,
        next_digest_at: next,
        version,
    }
}

/// The tenant's schedule.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<DigestScheduleView, StoreError> {
    let stored = read(conn, tenant, KEY, Stored::default()).await?;
    Ok(view(stored.value, stored.version, now))
}

/// Replaces the schedule (checked even when turned off, so a later switch-on cannot fail) and records when.
pub async fn set(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    enabled: bool,
    schedule: DigestSchedule,
    version: Option<i64>,
) -> Result<DigestScheduleView, StoreError> {
    schedule.parse()?;
    let schedule = DigestSchedule {
        local_time: schedule.local_time.trim().to_owned(),
        time_zone: schedule.time_zone.trim().to_owned(),
        ..schedule
    };
    let stored = Stored { enabled, schedule, active_since: Some(now) };
    let version = write(db, actor, now, tenant, KEY, &stored, version).await?;
    Ok(view(stored, version, now))
}

/// A tenant whose digest is on.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub tenant: TenantId,
    pub schedule: ParsedSchedule,
    pub active_since: DateTime<Utc>,
}

/// Every tenant whose digest is on, with its parsed schedule.
pub async fn scheduled(conn: &impl ConnectionTrait) -> Result<Vec<Scheduled>, StoreError> {
    let rows = setting::Entity::find().filter(setting::Column::Key.eq(KEY)).all(conn).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let tenant = TenantId(uuid::Uuid::parse_str(&row.scope).ok()?);
            let stored: Stored = serde_json::from_str(&row.value).ok()?;
            let schedule = stored.schedule.parse().ok().filter(|_| stored.enabled)?;
            Some(Scheduled { tenant, schedule, active_since: stored.active_since? })
        })
        .collect())
}
