//! Score arithmetic: totals, per category, points still available, and the Defender for Cloud aggregate.
//! One place computes these for every screen, report and export.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The score-relevant part of an item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemPoints<'a> {
    pub category: Option<&'a str>,
    /// `None` = not applicable: left out of the totals, never counted as zero.
    pub achieved: Option<f64>,
    pub max: f64,
    /// Deprecated or removed items are not scored.
    pub scored: bool,
}

/// Points in one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CategoryScore {
    pub category: String,
    pub achieved: f64,
    pub max: f64,
}

/// A score and where its points are.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ScoreSummary {
    pub current: f64,
    pub max: f64,
    /// `current / max` as a percentage, 0 when there is nothing to score.
    pub percent: f64,
    /// Points still available: max − current.
    pub points_available: f64,
    pub categories: Vec<CategoryScore>,
}

/// Rounds to two decimals, as Microsoft shows points.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// `current / max` in percent, two decimals.
pub fn percent(current: f64, max: f64) -> f64 {
    if max > 0.0 { round2(current / max * 100.0) } else { 0.0 }
}

/// Sums items into a score with a per-category breakdown (categories sorted by name).
pub fn summarise<'a>(items: impl IntoIterator<Item = ItemPoints<'a>>) -> ScoreSummary {
    let mut by_category: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for item in items {
        let Some(achieved) = item.achieved.filter(|_| item.scored && item.max > 0.0) else { continue };
        let entry = by_category.entry(item.category.unwrap_or("Uncategorised").to_owned()).or_default();
        entry.0 += achieved.min(item.max);
        entry.1 += item.max;
    }
    let categories: Vec<CategoryScore> = by_category
        .into_iter()
        .map(|(category, (achieved, max))| CategoryScore { category, achieved: round2(achieved), max: round2(max) })
        .collect();
    let current = round2(categories.iter().map(|c| c.achieved).sum());
    let max = round2(categories.iter().map(|c| c.max).sum());
    ScoreSummary { current, max, percent: percent(current, max), points_available: round2(max - current), categories }
}

/// One Defender for Cloud subscription's score.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionScore {
    /// Microsoft's ratio, 0..1.
    pub ratio: f64,
    pub weight: f64,
}

/// The weighted aggregate of several subscriptions, as a percentage: Σ(ratio × weight) / Σ weight.
/// Subscriptions without a weight count once each.
pub fn defender_aggregate_percent(subscriptions: &[SubscriptionScore]) -> Option<f64> {
    let total_weight: f64 = subscriptions.iter().map(|s| if s.weight > 0.0 { s.weight } else { 1.0 }).sum();
    if subscriptions.is_empty() || total_weight <= 0.0 {
        return None;
    }
    let weighted: f64 =
        subscriptions.iter().map(|s| s.ratio.clamp(0.0, 1.0) * if s.weight > 0.0 { s.weight } else { 1.0 }).sum();
    Some(round2(weighted / total_weight * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(category: &str, achieved: Option<f64>, max: f64) -> ItemPoints<'_> {
        ItemPoints { category: Some(category), achieved, max, scored: true }
    }

    #[test]
    fn totals_and_categories_add_up() {
        let summary = summarise([
            item("Identity", Some(9.0), 10.0),
            item("Identity", Some(0.0), 8.0),
            item("Data", Some(2.5), 5.0),
        ]);
        assert_eq!(summary.current, 11.5);
        assert_eq!(summary.max, 23.0);
        assert_eq!(summary.percent, 50.0);
        assert_eq!(summary.points_available, 11.5);
        assert_eq!(summary.categories[0], CategoryScore { category: "Data".into(), achieved: 2.5, max: 5.0 });
        assert_eq!(summary.categories[1].max, 18.0);
    }

    #[test]
    fn not_applicable_deprecated_and_zero_point_items_are_left_out() {
        let mut deprecated = item("Apps", Some(1.0), 3.0);
        deprecated.scored = false;
        let summary = summarise([
            item("Apps", None, 10.0),
            deprecated,
            item("Apps", Some(0.0), 0.0),
            item("Apps", Some(1.0), 2.0),
        ]);
        assert_eq!((summary.current, summary.max), (1.0, 2.0));
    }

    #[test]
    fn an_empty_score_is_zero_percent() {
        let summary = summarise([]);
        assert_eq!((summary.current, summary.max, summary.percent), (0.0, 0.0, 0.0));
    }

    #[test]
    fn achieved_beyond_max_counts_as_max() {
        assert_eq!(summarise([item("Data", Some(12.0), 10.0)]).current, 10.0);
    }

    #[test]
    fn the_defender_aggregate_is_weighted_by_subscription() {
        let subs = [SubscriptionScore { ratio: 0.6033, weight: 67.0 }, SubscriptionScore { ratio: 0.2, weight: 33.0 }];
        assert_eq!(defender_aggregate_percent(&subs), Some(47.02));
        assert_eq!(defender_aggregate_percent(&[]), None);
        assert_eq!(defender_aggregate_percent(&[SubscriptionScore { ratio: 0.5, weight: 0.0 }]), Some(50.0));
    }
}
