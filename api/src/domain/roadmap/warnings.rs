//! What a plan should look at, returned with every read and never refused: its size, items outside P1/P2, target
//! dates outside the quarter, missing owners, dependencies that finish late, phases advanced before their
//! observation window ended, and high-impact changes without their approvals.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::{HEALTHY_SIZE, Phase};
use crate::domain::bucket::Bucket;
use crate::domain::quarter::Quarter;

/// A warning on a plan or one of its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlanWarning {
    /// `plan_size`, `not_priority`, `target_outside_quarter`, `no_owner`, `dependency_late`, `phase_too_early`,
    /// `approval_missing`.
    pub code: &'static str,
    /// The roadmap item it is about, if any.
    pub item_id: Option<uuid::Uuid>,
    pub message: String,
}

/// What the warnings need to know of a phase change.
#[derive(Debug, Clone, Copy)]
pub struct PhaseStart {
    pub phase: Phase,
    pub started_on: NaiveDate,
    pub observation_days: u32,
}

/// What an item waits for, as the warnings see it.
#[derive(Debug, Clone)]
pub struct WaitsFor {
    pub label: String,
    /// When it is expected to be out of the way: the other item's target date, or the external one's date.
    pub finishes: Option<NaiveDate>,
}

/// One item, as the warnings see it.
#[derive(Debug, Clone)]
pub struct ItemFacts {
    pub id: uuid::Uuid,
    pub title: String,
    pub bucket: Bucket,
    pub target_date: Option<NaiveDate>,
    pub has_owner: bool,
    /// The current phase's start, and the one before it.
    pub current: Option<PhaseStart>,
    pub previous: Option<PhaseStart>,
    pub high_user_impact: bool,
    pub it_manager_approved: bool,
    pub business_lead_approved: bool,
    pub waits_for: Vec<WaitsFor>,
}

/// Every warning of a plan for `quarter`.
pub fn plan_warnings(quarter: Quarter, items: &[ItemFacts]) -> Vec<PlanWarning> {
    let mut warnings = Vec::new();
    if !HEALTHY_SIZE.contains(&items.len()) {
        warnings.push(PlanWarning {
            code: "plan_size",
            item_id: None,
            message: format!(
                "the plan holds {} items; {} to {} is a quarter a team can deliver",
                items.len(),
                HEALTHY_SIZE.start(),
                HEALTHY_SIZE.end()
            ),
        });
    }
    for item in items {
        let mut warn = |code: &'static str, message: String| {
            warnings
                .push(PlanWarning { code, item_id: Some(item.id), message: format!("“{}”: {message}", item.title) })
        };
        if !matches!(item.bucket, Bucket::P1 | Bucket::P2) {
            let bucket =
                if item.bucket == Bucket::Unrated { "unrated".to_owned() } else { format!("{:?}", item.bucket) };
            warn("not_priority", format!("{bucket}, not P1 or P2"));
        }
        match item.target_date {
            Some(date) if !quarter.contains(date) => {
                warn("target_outside_quarter", format!("target date {date} is outside {quarter}"))
            }
            _ => {}
        }
        if !item.has_owner {
            warn("no_owner", "no owner".into());
        }
        for dependency in &item.waits_for {
            if let (Some(finishes), Some(target)) = (dependency.finishes, item.target_date)
                && finishes > target
            {
                warn(
                    "dependency_late",
                    format!(
                        "waits for {} (due {finishes}), which finishes after its own target {target}",
                        dependency.label
                    ),
                );
            }
        }
        if let (Some(current), Some(previous)) = (item.current, item.previous) {
            let window_ends = previous.started_on + Days::new(u64::from(previous.observation_days));
            if current.phase > previous.phase && current.started_on < window_ends {
                warn(
                    "phase_too_early",
                    format!(
                        "{} started on {} before the {}-day observation of {} ended on {window_ends}",
                        current.phase.as_str(),
                        current.started_on,
                        previous.observation_days,
                        previous.phase.as_str()
                    ),
                );
            }
        }
        if item.high_user_impact {
            let mut missing = Vec::new();
            if !item.it_manager_approved {
                missing.push("the IT manager's");
            }
            if !item.business_lead_approved {
                missing.push("the business-unit lead's");
            }
            if !missing.is_empty() {
                warn(
                    "approval_missing",
                    format!("a high-user-impact change without {} approval", missing.join(" and ")),
                );
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, m, d).unwrap()
    }

    fn good(n: u128) -> ItemFacts {
        ItemFacts {
            id: uuid::Uuid::from_u128(n),
            title: format!("item {n}"),
            bucket: Bucket::P1,
            target_date: Some(day(3, 1)),
            has_owner: true,
            current: None,
            previous: None,
            high_user_impact: false,
            it_manager_approved: false,
            business_lead_approved: false,
            waits_for: Vec::new(),
        }
    }

    fn codes(items: &[ItemFacts]) -> Vec<&'static str> {
        plan_warnings("2027-Q1".parse().unwrap(), items).into_iter().map(|w| w.code).collect()
    }

    #[test]
    fn a_healthy_plan_has_no_warnings_and_a_small_or_large_one_says_so() {
        let twelve: Vec<ItemFacts> = (1..=12).map(good).collect();
        assert!(codes(&twelve).is_empty());
        assert_eq!(codes(&twelve[..3]), ["plan_size"]);
        let sixteen: Vec<ItemFacts> = (1..=16).map(good).collect();
        assert_eq!(codes(&sixteen), ["plan_size"]);
    }

    #[test]
    fn each_item_warning_comes_from_its_own_condition() {
        let mut items: Vec<ItemFacts> = (1..=10).map(good).collect();
        items[0].bucket = Bucket::P3;
        items[1].target_date = Some(day(4, 2));
        items[2].has_owner = false;
        items[3].waits_for.push(WaitsFor { label: "budget approval".into(), finishes: Some(day(3, 15)) });
        items[4].previous = Some(PhaseStart { phase: Phase::Pilot, started_on: day(1, 10), observation_days: 7 });
        items[4].current =
            Some(PhaseStart { phase: Phase::EarlyAdopters, started_on: day(1, 15), observation_days: 14 });
        items[5].high_user_impact = true;
        items[5].it_manager_approved = true;
        assert_eq!(
            codes(&items),
            [
                "not_priority",
                "target_outside_quarter",
                "no_owner",
                "dependency_late",
                "phase_too_early",
                "approval_missing"
            ]
        );
        let warnings = plan_warnings("2027-Q1".parse().unwrap(), &items);
        assert!(warnings[5].message.contains("business-unit lead's") && !warnings[5].message.contains("IT manager"));
        assert_eq!(warnings[0].item_id, Some(uuid::Uuid::from_u128(1)));
    }

    #[test]
    fn a_phase_after_its_window_or_a_rollback_is_fine() {
        let mut item = good(1);
        item.previous = Some(PhaseStart { phase: Phase::Pilot, started_on: day(1, 10), observation_days: 7 });
        item.current = Some(PhaseStart { phase: Phase::EarlyAdopters, started_on: day(1, 17), observation_days: 14 });
        let mut rollback = good(2);
        rollback.previous = Some(PhaseStart { phase: Phase::Pilot, started_on: day(1, 10), observation_days: 7 });
        rollback.current = Some(PhaseStart { phase: Phase::NotStarted, started_on: day(1, 11), observation_days: 0 });
        let mut plan: Vec<ItemFacts> = (3..=12).map(good).collect();
        plan.push(item);
        plan.push(rollback);
        assert!(codes(&plan).is_empty());
    }
}
