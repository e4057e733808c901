//! Suggested ratings derived from Microsoft's own fields. Shown beside the rating, never counted until a person
//! accepts them, and never placing a bucket by themselves.

use serde::Serialize;

use super::rating::Level;

/// The fields of an item a suggestion reads.
#[derive(Debug, Clone, Copy)]
pub struct ProfileFacts<'a> {
    /// `low`, `moderate`, `high` or `unknown` (as imports store it).
    pub implementation_cost: &'a str,
    pub max_score: f64,
    pub tier: Option<&'a str>,
    pub threats: &'a [String],
}

/// A suggestion and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SuggestedRating {
    pub risk_reduction: Option<Level>,
    pub implementation_effort: Option<Level>,
    /// One sentence per axis saying which of Microsoft's fields led to it.
    pub basis: Vec<String>,
}

/// Points at or above which Microsoft itself rates an action among its most protective (its scale tops at 10).
const HIGH_RISK_POINTS: f64 = 8.0;
/// Points at or above which an action is worth a medium rating.
const MEDIUM_RISK_POINTS: f64 = 4.0;

/// Suggests a rating. Effort follows Microsoft's implementation cost, unknown when Microsoft says Unknown (most
/// real profiles do). Risk follows Microsoft's points — its own weighting of impact — raised to high for a Core
/// control that guards against account breach or elevation of privilege: those are the threats behind most
/// tenant compromises, whatever the points.
pub fn suggest(facts: ProfileFacts<'_>) -> SuggestedRating {
    let mut basis = Vec::new();
    let effort = match facts.implementation_cost {
        "low" => Some(Level::Low),
        "moderate" | "medium" => Some(Level::Medium),
        "high" => Some(Level::High),
        _ => None,
    };
    match effort {
        Some(level) => basis.push(format!(
            "effort {}: Microsoft rates the implementation cost {}",
            level.as_str(),
            facts.implementation_cost
        )),
        None => basis.push("effort not suggested: Microsoft gives no implementation cost".to_owned()),
    }
    let core = facts.tier.is_some_and(|t| t.trim().eq_ignore_ascii_case("core"));
    let severe_threat = facts.threats.iter().find(|t| {
        let t = t.to_lowercase();
        t.contains("account breach") || t.contains("elevation of privilege")
    });
    let risk = if facts.max_score >= HIGH_RISK_POINTS {
        basis.push(format!("risk high: worth {} points, among Microsoft's most protective actions", facts.max_score));
        Level::High
    } else if let (true, Some(threat)) = (core, severe_threat) {
        basis.push(format!("risk high: a Core control against {threat}"));
        Level::High
    } else if facts.max_score >= MEDIUM_RISK_POINTS {
        basis.push(format!("risk medium: worth {} points", facts.max_score));
        Level::Medium
    } else {
        basis.push(format!("risk low: worth {} points", facts.max_score));
        Level::Low
    };
    SuggestedRating { risk_reduction: Some(risk), implementation_effort: effort, basis }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(cost: &'a str, max: f64, tier: Option<&'a str>, threats: &'a [String]) -> ProfileFacts<'a> {
        ProfileFacts { implementation_cost: cost, max_score: max, tier, threats }
    }

    #[test]
    fn effort_follows_the_implementation_cost_and_unknown_stays_unknown() {
        assert_eq!(suggest(facts("low", 1.0, None, &[])).implementation_effort, Some(Level::Low));
        assert_eq!(suggest(facts("moderate", 1.0, None, &[])).implementation_effort, Some(Level::Medium));
        assert_eq!(suggest(facts("high", 1.0, None, &[])).implementation_effort, Some(Level::High));
        assert_eq!(suggest(facts("unknown", 1.0, None, &[])).implementation_effort, None);
    }

    #[test]
    fn risk_follows_points() {
        assert_eq!(suggest(facts("low", 10.0, None, &[])).risk_reduction, Some(Level::High));
        assert_eq!(suggest(facts("low", 8.0, None, &[])).risk_reduction, Some(Level::High));
        assert_eq!(suggest(facts("low", 5.0, None, &[])).risk_reduction, Some(Level::Medium));
        assert_eq!(suggest(facts("low", 4.0, None, &[])).risk_reduction, Some(Level::Medium));
        assert_eq!(suggest(facts("low", 3.0, None, &[])).risk_reduction, Some(Level::Low));
    }

    #[test]
    fn a_core_control_against_account_breach_is_high_risk_whatever_its_points() {
        let threats = vec!["Account Breach".to_owned()];
        let s = suggest(facts("unknown", 1.0, Some("Core"), &threats));
        assert_eq!(s.risk_reduction, Some(Level::High));
        assert!(s.basis.iter().any(|b| b.contains("Account Breach")));
        let privilege = vec!["Elevation of Privilege".to_owned()];
        assert_eq!(suggest(facts("low", 2.0, Some("core"), &privilege)).risk_reduction, Some(Level::High));
        assert_eq!(suggest(facts("low", 2.0, Some("Advanced"), &threats)).risk_reduction, Some(Level::Low));
    }

    #[test]
    fn every_suggestion_says_why_on_both_axes() {
        assert_eq!(suggest(facts("unknown", 3.0, None, &[])).basis.len(), 2);
    }
}
