//! Explaining the latest score change: which item changes moved it, told apart into *drift* (Microsoft changed what
//! counts: items added, returned, removed or deprecated, maximum points or applicability changed, a Defender for
//! Cloud subscription joined) and real changes (regressions, points gained or lost on items that stayed the same).
//! Seed 000: "a moving score with no remediation of yours is usually drift, not a bug".

use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

use super::change::{ItemChange, ItemRef};
use super::diagnosis::{Diagnosis, DiagnosisClass};
use super::recommendation::Product;
use super::score::{percent, round2};

mod summary;

/// A day's score (summed over the product's scopes).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ScorePoint {
    pub day: NaiveDate,
    pub current: f64,
    pub max: f64,
    pub percent: f64,
}

/// How an item moved the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Drift: Microsoft added the item.
    Added,
    /// Drift: Microsoft listed it again after removing it.
    Returned,
    /// Drift: the item belongs to a Defender for Cloud subscription that joined the score.
    ScopeGrown,
    /// Drift: Microsoft no longer lists it.
    Removed,
    /// Drift: Microsoft deprecated it.
    Deprecated,
    /// Drift: Microsoft changed its maximum points.
    MaxChanged,
    /// Drift: it became applicable, or stopped being.
    ApplicabilityChanged,
    /// Real: every point was achieved before and points were lost now.
    Regression,
    /// Real: points gained on an item that stayed the same.
    Gain,
    /// Real: points lost on an item that was not complete before.
    Loss,
}

impl ChangeKind {
    /// Whether Microsoft changed what counts (rather than the tenant's posture).
    pub fn is_drift(self) -> bool {
        !matches!(self, ChangeKind::Regression | ChangeKind::Gain | ChangeKind::Loss)
    }
}

/// One item's part in the change.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ExplainedChange {
    #[serde(flatten)]
    pub item: ItemRef,
    pub kind: ChangeKind,
    pub achieved_from: Option<f64>,
    pub achieved_to: Option<f64>,
    pub max_from: f64,
    pub max_to: f64,
    /// What it added to the achieved points (negative: took away).
    pub points: f64,
    /// What it added to the maximum.
    pub max_points: f64,
    /// Why the item's points are where they are now.
    pub diagnosis: Option<Diagnosis>,
}

/// Items and points of one side of the change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ChangeTotals {
    pub items: u64,
    pub points: f64,
    pub max_points: f64,
}

/// Items of one diagnosis class now, and the points they hold back.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ClassCount {
    pub class: DiagnosisClass,
    pub items: u64,
    pub points_available: f64,
    /// What to do about it.
    pub advice: String,
}

/// The latest score change, explained.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ScoreChangeExplanation {
    pub product: Product,
    /// The older of the two newest snapshot days (`null` with fewer than two).
    pub from: Option<ScorePoint>,
    pub to: Option<ScorePoint>,
    pub points_change: Option<f64>,
    pub max_change: Option<f64>,
    /// In percentage points.
    pub percent_change: Option<f64>,
    /// An estimate of today's percentage had Microsoft changed nothing (drift taken out).
    pub percent_without_drift: Option<f64>,
    /// Microsoft changed what counts.
    pub drift: Vec<ExplainedChange>,
    pub drift_totals: ChangeTotals,
    /// Items at full points before that lost points now.
    pub regressions: Vec<ExplainedChange>,
    pub regression_totals: ChangeTotals,
    /// Points gained or lost on items that stayed the same.
    pub other_changes: Vec<ExplainedChange>,
    pub other_totals: ChangeTotals,
    /// Defender for Cloud subscriptions in the newer snapshot only, and in the older one only.
    pub scopes_added: Vec<String>,
    pub scopes_removed: Vec<String>,
    /// The change in points that no item change accounts for (Microsoft's own figure moved, or several days of
    /// history arrived in one import).
    pub unexplained_points: Option<f64>,
    /// The import runs read, oldest first.
    pub runs: Vec<uuid::Uuid>,
    /// Where the points still available are held back now, by diagnosis class.
    pub held_back: Vec<ClassCount>,
    /// The explanation in sentences.
    pub summary: Vec<String>,
}

/// An item as it stands now.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemNow {
    pub achieved: Option<f64>,
    pub max: f64,
    pub diagnosis: Option<Diagnosis>,
}

/// Everything the explanation reads.
#[derive(Debug, Clone)]
pub struct ChangeInput<'a> {
    pub product: Product,
    pub from: Option<ScorePoint>,
    pub to: Option<ScorePoint>,
    pub from_scopes: &'a [String],
    pub to_scopes: &'a [String],
    /// The change lists of the runs between the two snapshots, oldest run first.
    pub changes: &'a [ItemChange],
    pub runs: Vec<uuid::Uuid>,
    pub items: &'a HashMap<uuid::Uuid, ItemNow>,
    /// Every current item's diagnosis class and points still available.
    pub held_back: &'a [(Option<DiagnosisClass>, f64)],
}

/// The points an item adds to the score: nothing unless applicable and worth something.
fn counted(achieved: Option<f64>, max: f64) -> (f64, f64) {
    match achieved {
        Some(a) if max > 0.0 => (a.clamp(0.0, max), max),
        _ => (0.0, 0.0),
    }
}

/// What the runs did to one item, folded over every run.
#[derive(Default)]
struct Folded {
    item: Option<ItemRef>,
    new: bool,
    returned: bool,
    removed: bool,
    deprecated: bool,
    /// The first score change's "from" and the last one's "to".
    from: Option<(Option<f64>, f64)>,
    to: Option<(Option<f64>, f64)>,
    regressed: bool,
}

fn fold(changes: &[ItemChange]) -> Vec<Folded> {
    let mut order: Vec<uuid::Uuid> = Vec::new();
    let mut by_id: HashMap<uuid::Uuid, Folded> = HashMap::new();
    for change in changes {
        let item = match change {
            ItemChange::New { item, .. }
            | ItemChange::Removed { item }
            | ItemChange::Returned { item }
            | ItemChange::Deprecated { item }
            | ItemChange::ScoreChanged { item, .. }
            | ItemChange::StatusChanged { item, .. }
            | ItemChange::Regressed { item, .. }
            | ItemChange::Merged { item, .. }
            | ItemChange::Unmatched { item, .. } => item,
        };
        let folded = by_id.entry(item.id).or_insert_with(|| {
            order.push(item.id);
            Folded::default()
        });
        folded.item = Some(item.clone());
        match change {
            ItemChange::New { .. } => folded.new = true,
            ItemChange::Returned { .. } => folded.returned = true,
            ItemChange::Removed { .. } => folded.removed = true,
            ItemChange::Deprecated { .. } => folded.deprecated = true,
            ItemChange::ScoreChanged { achieved_from, achieved_to, max_from, max_to, .. } => {
                folded.from.get_or_insert((*achieved_from, *max_from));
                folded.to = Some((*achieved_to, *max_to));
            }
            ItemChange::Regressed { .. } => folded.regressed = true,
            ItemChange::StatusChanged { .. } | ItemChange::Merged { .. } | ItemChange::Unmatched { .. } => {}
        }
    }
    order.into_iter().filter_map(|id| by_id.remove(&id)).collect()
}

fn classify(
    f: &Folded,
    now: Option<&ItemNow>,
    new_scopes: &HashSet<&str>,
    product: Product,
) -> Option<ExplainedChange> {
    let item = f.item.clone()?;
    let (now_achieved, now_max) = now.map_or((None, 0.0), |n| (n.achieved, n.max));
    let (before, after) = (f.from.unwrap_or((now_achieved, now_max)), f.to.unwrap_or((now_achieved, now_max)));
    let kind = if f.new {
        let subscription = item.control_key.as_deref().and_then(|k| k.split_once('/')).map(|(s, _)| s);
        let grown = product == Product::DefenderCloud && subscription.is_some_and(|s| new_scopes.contains(s));
        if grown { ChangeKind::ScopeGrown } else { ChangeKind::Added }
    } else if f.removed {
        ChangeKind::Removed
    } else if f.returned {
        ChangeKind::Returned
    } else if f.deprecated {
        ChangeKind::Deprecated
    } else if f.regressed && after.0.unwrap_or(0.0) < before.0.unwrap_or(0.0) {
        ChangeKind::Regression
    } else if before.0.is_some() != after.0.is_some() {
        ChangeKind::ApplicabilityChanged
    } else if before.1 != after.1 {
        ChangeKind::MaxChanged
    } else if after.0 > before.0 {
        ChangeKind::Gain
    } else if after.0 < before.0 {
        ChangeKind::Loss
    } else {
        // Only its status changed: no effect on the score.
        return None;
    };
    // An item entering or leaving the score brings or takes all of its points.
    let (from, to) = match kind {
        ChangeKind::Added | ChangeKind::Returned | ChangeKind::ScopeGrown => ((0.0, 0.0), counted(after.0, after.1)),
        ChangeKind::Removed | ChangeKind::Deprecated => (counted(before.0, before.1), (0.0, 0.0)),
        _ => (counted(before.0, before.1), counted(after.0, after.1)),
    };
    Some(ExplainedChange {
        item,
        kind,
        achieved_from: before.0,
        achieved_to: after.0,
        max_from: before.1,
        max_to: after.1,
        points: round2(to.0 - from.0),
        max_points: round2(to.1 - from.1),
        diagnosis: now.and_then(|n| n.diagnosis.clone()),
    })
}

fn totals(changes: &[ExplainedChange]) -> ChangeTotals {
    ChangeTotals {
        items: changes.len() as u64,
        points: round2(changes.iter().map(|c| c.points).sum()),
        max_points: round2(changes.iter().map(|c| c.max_points).sum()),
    }
}

/// Counts of the current items per diagnosis class, in the order the classes are checked.
pub fn held_back(items: &[(Option<DiagnosisClass>, f64)]) -> Vec<ClassCount> {
    DiagnosisClass::ALL
        .into_iter()
        .filter_map(|class| {
            let of: Vec<f64> = items.iter().filter(|(c, _)| *c == Some(class)).map(|(_, p)| *p).collect();
            (!of.is_empty()).then(|| ClassCount {
                class,
                items: of.len() as u64,
                points_available: round2(of.iter().sum()),
                advice: class.advice().to_owned(),
            })
        })
        .collect()
}

/// Explains the change between the two snapshots from the runs' change lists.
pub fn explain(input: ChangeInput<'_>) -> ScoreChangeExplanation {
    let before: HashSet<&str> = input.from_scopes.iter().map(String::as_str).collect();
    let after: HashSet<&str> = input.to_scopes.iter().map(String::as_str).collect();
    let new_scopes: HashSet<&str> = after.difference(&before).copied().collect();
    let mut drift = Vec::new();
    let mut regressions = Vec::new();
    let mut other = Vec::new();
    for folded in fold(input.changes) {
        let id = folded.item.as_ref().map(|i| i.id);
        let now = id.and_then(|id| input.items.get(&id));
        let Some(change) = classify(&folded, now, &new_scopes, input.product) else { continue };
        match change.kind {
            ChangeKind::Regression => regressions.push(change),
            kind if kind.is_drift() => drift.push(change),
            _ => other.push(change),
        }
    }
    let (drift_totals, regression_totals, other_totals) = (totals(&drift), totals(&regressions), totals(&other));
    let both = input.from.as_ref().zip(input.to.as_ref());
    let explained = drift_totals.points + regression_totals.points + other_totals.points;
    let percent_without_drift = input
        .to
        .as_ref()
        .map(|to| percent((to.current - drift_totals.points).max(0.0), (to.max - drift_totals.max_points).max(0.0)));
    let mut scopes_added: Vec<String> = new_scopes.iter().map(|s| (*s).to_owned()).collect();
    let mut scopes_removed: Vec<String> = before.difference(&after).map(|s| (*s).to_owned()).collect();
    scopes_added.sort();
    scopes_removed.sort();
    let mut explanation = ScoreChangeExplanation {
        product: input.product,
        points_change: both.map(|(f, t)| round2(t.current - f.current)),
        max_change: both.map(|(f, t)| round2(t.max - f.max)),
        percent_change: both.map(|(f, t)| round2(t.percent - f.percent)),
        unexplained_points: both.map(|(f, t)| round2(t.current - f.current - explained)),
        from: input.from,
        to: input.to,
        percent_without_drift,
        drift,
        drift_totals,
        regressions,
        regression_totals,
        other_changes: other,
        other_totals,
        scopes_added,
        scopes_removed,
        runs: input.runs,
        held_back: held_back(input.held_back),
        summary: Vec::new(),
    };
    explanation.summary = summary::summary(&explanation);
    explanation
}

#[cfg(test)]
mod tests;
