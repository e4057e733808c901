//! The explanation in sentences: the change, the drift and what it did to the percentage, regressions, other
//! gains and losses, and what no item change accounts for.

use super::{ChangeKind, ScoreChangeExplanation};
use crate::domain::diagnosis::points;

fn signed(value: f64) -> String {
    if value > 0.0 { format!("+{}", points(value)) } else { points(value) }
}

pub(super) fn summary(e: &ScoreChangeExplanation) -> Vec<String> {
    let mut lines = Vec::new();
    match (&e.from, &e.to) {
        (Some(from), Some(to)) => lines.push(format!(
            "The score went from {} % on {} to {} % on {} ({} percentage points; {} points, maximum {}).",
            points(from.percent),
            from.day,
            points(to.percent),
            to.day,
            signed(to.percent - from.percent),
            signed(to.current - from.current),
            signed(to.max - from.max)
        )),
        (None, Some(to)) => lines.push(format!(
            "Only one day is recorded so far ({}, {} %): there is no earlier score to compare with.",
            to.day,
            points(to.percent)
        )),
        _ => lines.push("No score has been recorded yet: import Secure Score first.".to_owned()),
    }
    if !e.drift.is_empty() {
        let count = |kinds: &[ChangeKind]| e.drift.iter().filter(|c| kinds.contains(&c.kind)).count();
        let parts: Vec<String> = [
            (count(&[ChangeKind::Added, ChangeKind::Returned]), "added"),
            (count(&[ChangeKind::ScopeGrown]), "brought in by a new subscription"),
            (count(&[ChangeKind::Removed, ChangeKind::Deprecated]), "removed or deprecated"),
            (count(&[ChangeKind::MaxChanged, ChangeKind::ApplicabilityChanged]), "re-weighted"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        let without = e.percent_without_drift.map(|p| format!(" Without it the score would be {} %.", points(p)));
        lines.push(format!(
            "Drift (Microsoft changed what counts, not your posture): {} ({} points, maximum {}).{}",
            parts.join(", "),
            signed(e.drift_totals.points),
            signed(e.drift_totals.max_points),
            without.unwrap_or_default()
        ));
    }
    if !e.scopes_added.is_empty() {
        lines.push(format!("Subscriptions that joined the score: {}.", e.scopes_added.join(", ")));
    }
    if e.regressions.is_empty() {
        lines.push("No regression: nothing that was complete lost points.".to_owned());
    } else {
        let names: Vec<String> =
            e.regressions.iter().map(|r| format!("{} ({} points)", r.item.title, signed(r.points))).collect();
        lines.push(format!("{} regression(s): {}.", e.regressions.len(), names.join("; ")));
    }
    let gained = e.other_changes.iter().filter(|c| c.kind == ChangeKind::Gain).count();
    let lost = e.other_changes.len() - gained;
    if gained + lost > 0 {
        lines.push(format!(
            "{gained} item(s) gained and {lost} lost points on their own ({} points in all).",
            signed(e.other_totals.points)
        ));
    }
    if let Some(unexplained) = e.unexplained_points.filter(|u| u.abs() >= 0.01) {
        lines.push(format!(
            "{} points are not explained by item changes: Microsoft's own figure moved, or several days of history \
             arrived in one import.",
            signed(unexplained)
        ));
    }
    lines
}
