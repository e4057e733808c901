//! When a tenant's daily sync is due: at a local time in its time zone, once per day, and — after downtime —
//! once to catch up, never a burst of the runs missed.

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{ValidationError, Violations};

/// A tenant's daily sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SyncSchedule {
    pub enabled: bool,
    /// Local time of day, `HH:MM`.
    pub time: String,
    /// IANA time zone, e.g. `Europe/Athens`.
    pub time_zone: String,
}

impl Default for SyncSchedule {
    fn default() -> Self {
        Self { enabled: false, time: "06:00".into(), time_zone: "UTC".into() }
    }
}

impl SyncSchedule {
    /// The time and zone, checked.
    pub fn parsed(&self) -> Result<(NaiveTime, Tz), ValidationError> {
        let mut violations = Violations::default();
        let time = NaiveTime::parse_from_str(&self.time, "%H:%M").ok();
        if time.is_none() {
            violations.add("time", "must be a local time of day, HH:MM");
        }
        let zone = self.time_zone.parse::<Tz>().ok();
        if zone.is_none() {
            violations.add("time_zone", "must be an IANA time zone such as Europe/Athens");
        }
        violations.finish()?;
        Ok((time.unwrap_or_default(), zone.unwrap_or(Tz::UTC)))
    }
}

/// The most recent moment at or before `now` when the local clock in `zone` read `time`. On a day the time does
/// not exist (clocks jump forward) the moment after the gap counts; on a day it exists twice, the first.
pub fn latest_slot(now: DateTime<Utc>, time: NaiveTime, zone: Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&zone).date_naive();
    for back in 0..3 {
        let Some(day) = today.checked_sub_days(Days::new(back)) else { break };
        let local = day.and_time(time);
        let slot = zone
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| zone.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest())
            .map(|t| t.with_timezone(&Utc));
        if let Some(slot) = slot.filter(|s| *s <= now) {
            return slot;
        }
    }
    now
}

/// Whether a run is due: the latest slot has passed and no run has been made for it (or a later one).
pub fn due(last_slot_run: Option<DateTime<Utc>>, latest: DateTime<Utc>) -> bool {
    last_slot_run.is_none_or(|last| last < latest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn the_slot_is_the_local_time_in_the_tenants_zone() {
        let six = NaiveTime::from_hms_opt(6, 0, 0).unwrap();
        let athens: Tz = "Europe/Athens".parse().unwrap();
        // 06:00 in Athens is 04:00 UTC in winter.
        assert_eq!(latest_slot(at(2026, 11, 23, 4, 30), six, athens), at(2026, 11, 23, 4, 0));
        assert_eq!(latest_slot(at(2026, 11, 23, 3, 59), six, athens), at(2026, 11, 22, 4, 0), "not yet today");
        assert_eq!(latest_slot(at(2026, 7, 1, 12, 0), six, athens), at(2026, 7, 1, 3, 0), "summer time");
    }

    #[test]
    fn a_run_is_due_once_per_slot_and_a_long_gap_catches_up_once() {
        let six = NaiveTime::from_hms_opt(6, 0, 0).unwrap();
        let slot = latest_slot(at(2026, 11, 23, 7, 0), six, Tz::UTC);
        assert!(due(None, slot));
        assert!(due(Some(at(2026, 11, 22, 6, 0)), slot));
        assert!(!due(Some(slot), slot), "already run for this slot");
        // Down from the 18th to the 23rd: one run now, for today's slot, not five.
        let after_downtime = latest_slot(at(2026, 11, 23, 9, 0), six, Tz::UTC);
        assert!(due(Some(at(2026, 11, 18, 6, 0)), after_downtime));
        assert!(!due(Some(after_downtime), latest_slot(at(2026, 11, 23, 23, 0), six, Tz::UTC)));
    }

    #[test]
    fn a_time_skipped_by_daylight_saving_runs_just_after_the_gap() {
        let half_past_two = NaiveTime::from_hms_opt(2, 30, 0).unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 29 March 2026: 02:00 → 03:00 in Berlin; 03:30 local is 01:30 UTC.
        assert_eq!(latest_slot(at(2026, 3, 29, 12, 0), half_past_two, berlin), at(2026, 3, 29, 1, 30));
    }

    #[test]
    fn times_and_zones_are_checked() {
        let bad = SyncSchedule { enabled: true, time: "25:00".into(), time_zone: "Mars/Olympus".into() };
        let fields: Vec<String> = bad.parsed().unwrap_err().errors.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["time", "time_zone"]);
        assert!(SyncSchedule::default().parsed().is_ok());
    }
}
