//! A plan against its locked baseline: what was planned, delivered, slipped, added, removed or re-targeted —
//! the quarter-end review's "planned vs delivered vs slipped".

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An item as the baseline froze it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BaselineItem {
    pub recommendation_id: uuid::Uuid,
    pub title: String,
    pub target_date: Option<NaiveDate>,
}

/// An item as the plan holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentItem {
    pub recommendation_id: uuid::Uuid,
    pub title: String,
    pub target_date: Option<NaiveDate>,
    /// When it reached `done`, if it has.
    pub done_on: Option<NaiveDate>,
}

/// One line of the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DiffItem {
    pub recommendation_id: uuid::Uuid,
    pub title: String,
    pub baseline_target: Option<NaiveDate>,
    pub current_target: Option<NaiveDate>,
}

/// The plan against its baseline on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BaselineDiff {
    pub as_of: NaiveDate,
    /// Everything the baseline held.
    pub planned: Vec<DiffItem>,
    /// Baseline items done.
    pub delivered: Vec<DiffItem>,
    /// Baseline items not done whose baseline target has passed, or that were taken off the plan.
    pub slipped: Vec<DiffItem>,
    /// Items put on the plan after the baseline.
    pub added: Vec<DiffItem>,
    /// Baseline items taken off the plan.
    pub removed: Vec<DiffItem>,
    /// Baseline items whose target date moved.
    pub retargeted: Vec<DiffItem>,
}

/// Compares `current` with `baseline` on `as_of`.
pub fn diff(baseline: &[BaselineItem], current: &[CurrentItem], as_of: NaiveDate) -> BaselineDiff {
    let line = |b: Option<&BaselineItem>, c: Option<&CurrentItem>| DiffItem {
        recommendation_id: b.map(|b| b.recommendation_id).or(c.map(|c| c.recommendation_id)).unwrap_or_default(),
        title: b.map(|b| b.title.clone()).or(c.map(|c| c.title.clone())).unwrap_or_default(),
        baseline_target: b.and_then(|b| b.target_date),
        current_target: c.and_then(|c| c.target_date),
    };
    let find = |id: uuid::Uuid| current.iter().find(|c| c.recommendation_id == id);
    let mut result = BaselineDiff {
        as_of,
        planned: Vec::new(),
        delivered: Vec::new(),
        slipped: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
        retargeted: Vec::new(),
    };
    for b in baseline {
        let now = find(b.recommendation_id);
        let entry = line(Some(b), now);
        result.planned.push(entry.clone());
        match now {
            None => {
                result.removed.push(entry.clone());
                result.slipped.push(entry);
            }
            Some(c) => {
                if c.target_date != b.target_date {
                    result.retargeted.push(entry.clone());
                }
                if c.done_on.is_some_and(|d| d <= as_of) {
                    result.delivered.push(entry);
                } else if b.target_date.is_some_and(|t| t < as_of) {
                    result.slipped.push(entry);
                }
            }
        }
    }
    for c in current {
        if !baseline.iter().any(|b| b.recommendation_id == c.recommendation_id) {
            result.added.push(line(None, Some(c)));
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, m, d).unwrap()
    }

    fn id(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    #[test]
    fn the_diff_tells_delivered_slipped_added_removed_and_retargeted() {
        let baseline = [
            BaselineItem { recommendation_id: id(1), title: "MFA".into(), target_date: Some(day(2, 1)) },
            BaselineItem { recommendation_id: id(2), title: "Legacy auth".into(), target_date: Some(day(2, 15)) },
            BaselineItem { recommendation_id: id(3), title: "DLP".into(), target_date: Some(day(3, 20)) },
            BaselineItem { recommendation_id: id(4), title: "Audit log".into(), target_date: Some(day(3, 1)) },
        ];
        let current = [
            CurrentItem {
                recommendation_id: id(1),
                title: "MFA".into(),
                target_date: Some(day(2, 1)),
                done_on: Some(day(1, 30)),
            },
            CurrentItem {
                recommendation_id: id(2),
                title: "Legacy auth".into(),
                target_date: Some(day(3, 30)),
                done_on: None,
            },
            CurrentItem { recommendation_id: id(3), title: "DLP".into(), target_date: Some(day(3, 20)), done_on: None },
            CurrentItem {
                recommendation_id: id(5),
                title: "Safe Links".into(),
                target_date: Some(day(3, 10)),
                done_on: None,
            },
        ];
        let d = diff(&baseline, &current, day(3, 1));
        let titles = |list: &[DiffItem]| list.iter().map(|i| i.title.clone()).collect::<Vec<_>>();
        assert_eq!(titles(&d.planned).len(), 4);
        assert_eq!(titles(&d.delivered), ["MFA"]);
        assert_eq!(titles(&d.slipped), ["Legacy auth", "Audit log"], "past its baseline target, or taken off");
        assert_eq!(titles(&d.removed), ["Audit log"]);
        assert_eq!(titles(&d.added), ["Safe Links"]);
        assert_eq!(titles(&d.retargeted), ["Legacy auth"]);
        assert_eq!(d.retargeted[0].current_target, Some(day(3, 30)));
    }
}
