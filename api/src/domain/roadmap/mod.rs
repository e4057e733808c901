//! The quarterly roadmap's rules (DESIGN.md, "Roadmap"; the seed's "formal remediation workflow"): rollout phases
//! and the statuses they drive, dependencies without cycles, which items a suggestion picks, the warnings a plan
//! carries, the score it projects and how it compares with its locked baseline.

pub mod baseline;
pub mod projection;
pub mod warnings;

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

use super::bucket::Bucket;
use super::recommendation::Status;

/// The healthy size of a quarter's plan (the seed: 10–15 items).
pub const HEALTHY_SIZE: std::ops::RangeInclusive<usize> = 10..=15;

/// Where a change stands in its phased rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    NotStarted,
    /// IT team and a few friendly users.
    Pilot,
    /// Power users, 10–20 % of the organisation.
    EarlyAdopters,
    /// Everybody.
    General,
    /// Stable in general rollout: the recommendation is completed.
    Done,
}

impl Phase {
    /// Every phase, in rollout order.
    pub const ALL: [Phase; 5] = [Phase::NotStarted, Phase::Pilot, Phase::EarlyAdopters, Phase::General, Phase::Done];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::NotStarted => "not_started",
            Phase::Pilot => "pilot",
            Phase::EarlyAdopters => "early_adopters",
            Phase::General => "general",
            Phase::Done => "done",
        }
    }

    /// How long a phase is watched before the next starts, by default (the seed: pilot 1 week, early adopters
    /// 2 weeks, general 30 days).
    pub fn default_observation_days(self) -> u32 {
        match self {
            Phase::Pilot => 7,
            Phase::EarlyAdopters => 14,
            Phase::General => 30,
            Phase::NotStarted | Phase::Done => 0,
        }
    }

    /// The recommendation status an item in this phase gives: planned until the pilot starts, in progress while
    /// it rolls out, completed (pending Microsoft's confirmation) when done.
    pub fn item_status(self) -> Status {
        match self {
            Phase::NotStarted => Status::Planned,
            Phase::Pilot | Phase::EarlyAdopters | Phase::General => Status::InProgress,
            Phase::Done => Status::Completed,
        }
    }
}

impl std::str::FromStr for Phase {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Phase::ALL.into_iter().find(|p| p.as_str() == text).ok_or(())
    }
}

/// The status a phase change gives an item now at `current`: `None` when the item keeps its status (a person's
/// decision the roadmap must not overwrite, such as a register decision, or the same status already).
pub fn status_for_phase(current: Status, phase: Phase) -> Option<Status> {
    let wanted = phase.item_status();
    let movable = matches!(current, Status::ToAddress | Status::Planned | Status::InProgress | Status::Completed);
    (movable && current != wanted).then_some(wanted)
}

/// What an item waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DependencyKind {
    /// Another item of the plan.
    Item,
    Budget,
    Vendor,
    CrossTeam,
    Other,
}

impl DependencyKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DependencyKind::Item => "item",
            DependencyKind::Budget => "budget",
            DependencyKind::Vendor => "vendor",
            DependencyKind::CrossTeam => "cross_team",
            DependencyKind::Other => "other",
        }
    }
}

impl std::str::FromStr for DependencyKind {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [
            DependencyKind::Item,
            DependencyKind::Budget,
            DependencyKind::Vendor,
            DependencyKind::CrossTeam,
            DependencyKind::Other,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
        .ok_or(())
    }
}

/// A cycle among "item waits for item" edges, as the items along it (first repeated at the end); `None` when there
/// is none.
pub fn find_cycle<T: Copy + Eq + std::hash::Hash + Ord>(edges: &[(T, T)]) -> Option<Vec<T>> {
    let mut next: HashMap<T, Vec<T>> = HashMap::new();
    for (from, to) in edges {
        next.entry(*from).or_default().push(*to);
    }
    let mut starts: Vec<T> = next.keys().copied().collect();
    starts.sort();
    let mut done: HashSet<T> = HashSet::new();
    for start in starts {
        let mut path: Vec<T> = Vec::new();
        if let Some(cycle) = visit(start, &next, &mut path, &mut done) {
            return Some(cycle);
        }
    }
    None
}

fn visit<T: Copy + Eq + std::hash::Hash + Ord>(
    node: T,
    next: &HashMap<T, Vec<T>>,
    path: &mut Vec<T>,
    done: &mut HashSet<T>,
) -> Option<Vec<T>> {
    if let Some(at) = path.iter().position(|n| *n == node) {
        let mut cycle = path[at..].to_vec();
        cycle.push(node);
        return Some(cycle);
    }
    if done.contains(&node) {
        return None;
    }
    path.push(node);
    let mut targets = next.get(&node).cloned().unwrap_or_default();
    targets.sort();
    for target in targets {
        if let Some(cycle) = visit(target, next, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    done.insert(node);
    None
}

/// A recommendation a suggestion may pick.
#[derive(Debug, Clone)]
pub struct Candidate<T> {
    pub id: T,
    pub title: String,
    pub bucket: Bucket,
    pub points_available: f64,
    /// Not completed, not risk accepted or held by the register, not on another open plan, not removed.
    pub eligible: bool,
}

/// The items a suggestion appends to a plan already holding `already`: P1 then P2, each by points still available
/// (most first, then title), until the plan holds `cap`. What people placed is never moved.
pub fn suggest<T: Clone>(candidates: &[Candidate<T>], already: usize, cap: usize) -> Vec<T> {
    let mut picked: Vec<&Candidate<T>> = candidates
        .iter()
        .filter(|c| c.eligible && matches!(c.bucket, Bucket::P1 | Bucket::P2) && c.points_available > 0.0)
        .collect();
    picked.sort_by(|a, b| {
        a.bucket.cmp(&b.bucket).then(b.points_available.total_cmp(&a.points_available)).then(a.title.cmp(&b.title))
    });
    picked.into_iter().take(cap.saturating_sub(already)).map(|c| c.id.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: u32, bucket: Bucket, points: f64) -> Candidate<u32> {
        Candidate { id, title: format!("item {id:02}"), bucket, points_available: points, eligible: true }
    }

    #[test]
    fn phases_drive_statuses_without_overwriting_register_decisions() {
        assert_eq!(status_for_phase(Status::ToAddress, Phase::NotStarted), Some(Status::Planned));
        assert_eq!(status_for_phase(Status::Planned, Phase::Pilot), Some(Status::InProgress));
        assert_eq!(status_for_phase(Status::InProgress, Phase::General), None);
        assert_eq!(status_for_phase(Status::InProgress, Phase::Done), Some(Status::Completed));
        assert_eq!(status_for_phase(Status::Completed, Phase::Pilot), Some(Status::InProgress), "a rollback");
        assert_eq!(status_for_phase(Status::RiskAccepted, Phase::Pilot), None);
        assert_eq!(status_for_phase(Status::ThirdParty, Phase::Done), None);
        assert_eq!(Phase::Pilot.default_observation_days(), 7);
        assert_eq!(Phase::EarlyAdopters.default_observation_days(), 14);
        assert_eq!(Phase::General.default_observation_days(), 30);
    }

    #[test]
    fn cycles_are_found_and_named_and_chains_are_not_cycles() {
        assert_eq!(find_cycle(&[(1, 2), (2, 3), (3, 4)]), None);
        assert_eq!(find_cycle(&[(1, 2), (2, 3), (3, 1)]), Some(vec![1, 2, 3, 1]));
        assert_eq!(find_cycle(&[(5, 5)]), Some(vec![5, 5]));
        assert_eq!(find_cycle(&[(1, 2), (1, 3), (3, 2), (2, 4)]), None, "a diamond is fine");
        assert_eq!(find_cycle::<u32>(&[]), None);
    }

    #[test]
    fn a_suggestion_appends_p1_then_p2_by_points_up_to_the_cap() {
        let mut candidates = vec![
            candidate(1, Bucket::P2, 9.0),
            candidate(2, Bucket::P1, 3.0),
            candidate(3, Bucket::P1, 8.0),
            candidate(4, Bucket::P3, 10.0),
            candidate(5, Bucket::P2, 9.5),
            candidate(6, Bucket::P1, 0.0),
            candidate(7, Bucket::Unrated, 10.0),
        ];
        candidates.push(Candidate { eligible: false, ..candidate(8, Bucket::P1, 10.0) });
        assert_eq!(suggest(&candidates, 0, 15), vec![3, 2, 5, 1]);
        assert_eq!(suggest(&candidates, 13, 15), vec![3, 2]);
        assert_eq!(suggest(&candidates, 15, 15), Vec::<u32>::new());
        let tie = [candidate(9, Bucket::P1, 4.0), candidate(2, Bucket::P1, 4.0)];
        assert_eq!(suggest(&tie, 0, 15), vec![2, 9], "ties go by title");
    }
}
