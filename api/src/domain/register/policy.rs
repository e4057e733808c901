//! The register's dated rules: what counts as low impact, when a review is due, when an approval expires,
//! which reminders are owed, and why an approved entry needs a fresh look. All computed from dates and figures
//! on read, so a missed job can never leave a wrong state behind.

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{EntryState, ResidualRisk};
use crate::domain::Violations;

/// Days before the review date from which an entry shows `review_due`.
pub const REVIEW_NOTICE_DAYS: u64 = 30;
/// Reminders are written this many days before the review date.
pub const REMINDER_DAYS: [u64; 3] = [30, 7, 0];

/// A tenant's register policy (editable by ciso or admin).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisterPolicy {
    /// Points at stake an IT manager may approve at most (with residual risk low).
    pub low_impact_max_points: f64,
    /// Months from approval (or renewal) to the review date.
    pub review_period_months: u32,
    /// Days after the review date before an unrenewed approval expires.
    pub grace_days: u32,
}

impl Default for RegisterPolicy {
    fn default() -> Self {
        Self { low_impact_max_points: 2.0, review_period_months: 12, grace_days: 30 }
    }
}

impl RegisterPolicy {
    /// Checks the bounds a sane policy stays within.
    pub fn check(&self) -> Result<(), crate::domain::ValidationError> {
        let mut violations = Violations::default();
        if !(0.0..=1000.0).contains(&self.low_impact_max_points) || self.low_impact_max_points.is_nan() {
            violations.add("low_impact_max_points", "must be between 0 and 1000 points");
        }
        if !(1..=36).contains(&self.review_period_months) {
            violations.add("review_period_months", "must be between 1 and 36 months");
        }
        if self.grace_days > 90 {
            violations.add("grace_days", "must be at most 90 days");
        }
        violations.finish()
    }
}

/// Points still available across an entry's items: Σ (max − achieved), never negative per item.
pub fn points_at_stake(items: impl IntoIterator<Item = (f64, Option<f64>)>) -> f64 {
    let sum: f64 = items.into_iter().map(|(max, achieved)| (max - achieved.unwrap_or(0.0)).max(0.0)).sum();
    crate::domain::score::round2(sum)
}

/// Low impact = residual risk low and points at stake within the limit; otherwise the condition that failed.
pub fn low_impact(residual: ResidualRisk, points: f64, policy: &RegisterPolicy) -> Result<(), String> {
    let mut failed = Vec::new();
    if residual != ResidualRisk::Low {
        failed.push(format!("residual risk is {}, not low", residual.as_str()));
    }
    if points > policy.low_impact_max_points + 1e-9 {
        failed.push(format!(
            "{points:.2} points at stake exceed the low-impact limit of {:.2}",
            policy.low_impact_max_points
        ));
    }
    if failed.is_empty() { Ok(()) } else { Err(failed.join("; ")) }
}

/// The review date of an approval (or renewal) made on `from`: the same day `months` later (the month's last day
/// when that day does not exist, e.g. 29 February → 28 February).
pub fn review_date(from: NaiveDate, months: u32) -> NaiveDate {
    from.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// The state an entry is in on `today`: an approval not renewed by its review date plus the grace period has
/// expired.
pub fn effective_state(stored: EntryState, review: Option<NaiveDate>, today: NaiveDate, grace_days: u32) -> EntryState {
    match (stored, review) {
        (EntryState::Approved, Some(review)) if today > review + Days::new(u64::from(grace_days)) => {
            EntryState::Expired
        }
        _ => stored,
    }
}

/// Whether an entry in force should be looked at again soon: from 30 days before its review date until it expires.
pub fn review_due(state: EntryState, review: Option<NaiveDate>, today: NaiveDate) -> bool {
    match (state, review) {
        (EntryState::Approved, Some(review)) => today + Days::new(REVIEW_NOTICE_DAYS) >= review,
        _ => false,
    }
}

/// The reminder thresholds (days before the review date) reached by `today`. Each is written once, under a key
/// that names the review date, so a renewal arms a fresh set.
pub fn reminders_reached(review: NaiveDate, today: NaiveDate) -> Vec<u64> {
    REMINDER_DAYS.into_iter().filter(|days| today + Days::new(*days) >= review).collect()
}

/// The de-duplication key of a reminder.
pub fn reminder_key(entry: uuid::Uuid, review: NaiveDate, days: u64) -> String {
    format!("risk_acceptance:{entry}:review:{review}:{days}d")
}

/// An item covered by an approved entry, as far as re-review cares.
#[derive(Debug, Clone)]
pub struct CoveredItem<'a> {
    pub title: &'a str,
    pub regressed_at: Option<DateTime<Utc>>,
}

/// Why an approved entry needs a fresh look: an item regressed since the approval (or the last renewal), or the
/// points at stake rose above what was approved. Empty when nothing changed; a renewal resets both baselines.
pub fn re_review_reasons(
    decided_at: DateTime<Utc>,
    points_when_decided: f64,
    points_now: f64,
    items: &[CoveredItem<'_>],
) -> Vec<String> {
    let mut reasons: Vec<String> = items
        .iter()
        .filter_map(|item| {
            let at = item.regressed_at.filter(|at| *at > decided_at)?;
            Some(format!("“{}” regressed on {}", item.title, at.date_naive()))
        })
        .collect();
    if points_now > points_when_decided + 1e-9 {
        reasons.push(format!("points at stake rose from {points_when_decided:.2} to {points_now:.2}"));
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn low_impact_needs_both_conditions_and_names_each_that_failed() {
        let policy = RegisterPolicy::default();
        assert_eq!(low_impact(ResidualRisk::Low, 2.0, &policy), Ok(()));
        assert_eq!(
            low_impact(ResidualRisk::Low, 2.01, &policy),
            Err("2.01 points at stake exceed the low-impact limit of 2.00".into())
        );
        assert_eq!(low_impact(ResidualRisk::Medium, 1.0, &policy), Err("residual risk is medium, not low".into()));
        let both = low_impact(ResidualRisk::High, 4.5, &policy).unwrap_err();
        assert!(both.contains("high") && both.contains("4.50"), "{both}");
        let generous = RegisterPolicy { low_impact_max_points: 5.0, ..policy };
        assert_eq!(low_impact(ResidualRisk::Low, 4.5, &generous), Ok(()));
    }

    #[test]
    fn points_at_stake_sum_what_is_still_available() {
        assert_eq!(points_at_stake([(10.0, Some(4.0)), (3.0, Some(3.0)), (2.5, None), (1.0, Some(2.0))]), 8.5);
        assert_eq!(points_at_stake([]), 0.0);
    }

    #[test]
    fn the_review_date_is_a_year_on_and_copes_with_leap_days() {
        assert_eq!(review_date(day(2025, 11, 12), 12), day(2026, 11, 12));
        assert_eq!(review_date(day(2028, 2, 29), 12), day(2029, 2, 28));
        assert_eq!(review_date(day(2026, 1, 31), 1), day(2026, 2, 28));
    }

    #[test]
    fn an_approval_expires_the_day_after_its_grace_period_ends() {
        let review = Some(day(2026, 11, 12));
        let state = |today| effective_state(EntryState::Approved, review, today, 30);
        assert_eq!(state(day(2026, 11, 12)), EntryState::Approved);
        assert_eq!(state(day(2026, 12, 12)), EntryState::Approved, "the 30th day of grace");
        assert_eq!(state(day(2026, 12, 13)), EntryState::Expired);
        assert_eq!(effective_state(EntryState::Approved, review, day(2026, 11, 13), 0), EntryState::Expired);
        assert_eq!(effective_state(EntryState::Revoked, review, day(2030, 1, 1), 30), EntryState::Revoked);
        assert_eq!(effective_state(EntryState::Draft, None, day(2030, 1, 1), 30), EntryState::Draft);
    }

    #[test]
    fn review_due_starts_thirty_days_ahead() {
        let review = Some(day(2026, 11, 12));
        assert!(!review_due(EntryState::Approved, review, day(2026, 10, 12)));
        assert!(review_due(EntryState::Approved, review, day(2026, 10, 13)));
        assert!(review_due(EntryState::Approved, review, day(2026, 11, 20)), "and through the grace period");
        assert!(!review_due(EntryState::Expired, review, day(2026, 12, 20)));
        assert!(!review_due(EntryState::Draft, None, day(2026, 11, 12)));
    }

    #[test]
    fn reminders_are_reached_at_thirty_seven_and_zero_days() {
        let review = day(2026, 11, 12);
        assert_eq!(reminders_reached(review, day(2026, 10, 12)), Vec::<u64>::new());
        assert_eq!(reminders_reached(review, day(2026, 10, 13)), vec![30]);
        assert_eq!(reminders_reached(review, day(2026, 11, 5)), vec![30, 7]);
        assert_eq!(reminders_reached(review, day(2026, 11, 12)), vec![30, 7, 0]);
        let id = uuid::Uuid::nil();
        assert_ne!(reminder_key(id, review, 7), reminder_key(id, day(2027, 11, 12), 7), "a renewal re-arms");
    }

    #[test]
    fn a_regression_after_the_decision_or_more_points_at_stake_ask_for_re_review() {
        let decided = Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap();
        let before = Some(Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap());
        let after = Some(Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap());
        let items = [
            CoveredItem { title: "Safe Links", regressed_at: before },
            CoveredItem { title: "DLP", regressed_at: after },
        ];
        assert_eq!(re_review_reasons(decided, 4.5, 4.5, &items), vec!["“DLP” regressed on 2026-03-02".to_owned()]);
        let reasons = re_review_reasons(decided, 4.5, 6.0, &items[..1]);
        assert_eq!(reasons, vec!["points at stake rose from 4.50 to 6.00".to_owned()]);
        assert!(re_review_reasons(decided, 4.5, 3.0, &items[..1]).is_empty(), "fewer points is no reason");
    }

    #[test]
    fn the_policy_keeps_to_sane_bounds() {
        assert!(RegisterPolicy::default().check().is_ok());
        assert!(RegisterPolicy { review_period_months: 0, ..Default::default() }.check().is_err());
        assert!(RegisterPolicy { grace_days: 400, ..Default::default() }.check().is_err());
        assert!(RegisterPolicy { low_impact_max_points: -1.0, ..Default::default() }.check().is_err());
    }
}
