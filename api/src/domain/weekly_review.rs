//! The weekly review's rules (seed 002, "Regression detection": the 15-minute Monday meeting): what counts as new,
//! as a completion waiting too long for Microsoft, and as past its target date.

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};

/// A completion Microsoft has not confirmed this long after it was marked belongs on the agenda: Microsoft
/// refreshes within 24–48 h, so by then something else is wrong.
pub const UNCONFIRMED_AFTER_HOURS: i64 = 72;

/// The review's default start: a week before `now`.
pub fn default_since(now: DateTime<Utc>) -> NaiveDate {
    now.date_naive() - Days::new(7)
}

/// Whether an item first seen at `first_seen` is new to the review: seen on or after `since`, and not part of the
/// tenant's first import of its product (which brings everything at once and is not Microsoft adding items).
pub fn is_new(first_seen: DateTime<Utc>, first_import: DateTime<Utc>, since: NaiveDate) -> bool {
    first_seen.date_naive() >= since && first_seen > first_import
}

/// Whether a completion marked at `marked` has waited too long for Microsoft's confirmation.
pub fn waiting_too_long(marked: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - marked >= TimeDelta::hours(UNCONFIRMED_AFTER_HOURS)
}

/// Days past `target` on `today`; `None` until the day after the target.
pub fn days_overdue(target: NaiveDate, today: NaiveDate) -> Option<i64> {
    (today > target).then(|| (today - target).num_days())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn the_default_review_covers_the_last_seven_days() {
        assert_eq!(default_since(at(23, 9)), day(16));
    }

    #[test]
    fn the_first_import_is_not_new_but_later_additions_in_the_window_are() {
        let first = at(10, 9);
        assert!(!is_new(first, first, day(1)), "everything the first import brought");
        assert!(is_new(at(20, 9), first, day(16)));
        assert!(is_new(at(16, 0), first, day(16)), "the first day of the window counts");
        assert!(!is_new(at(15, 23), first, day(16)), "before the window");
    }

    #[test]
    fn a_completion_waits_72_hours_before_it_is_on_the_agenda() {
        assert!(!waiting_too_long(at(20, 10), at(23, 9)));
        assert!(waiting_too_long(at(20, 9), at(23, 9)));
    }

    #[test]
    fn an_item_is_overdue_from_the_day_after_its_target() {
        assert_eq!(days_overdue(day(23), day(23)), None);
        assert_eq!(days_overdue(day(20), day(23)), Some(3));
    }
}
