//! What delivering a plan is worth: the points each item gains and the score percentage, overall and per
//! category, if every item lands — next to today's, as the seed team brings it to quarterly planning.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::domain::score::round2;

/// One category's figures.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CategoryProjection {
    pub category: String,
    pub today_percent: f64,
    pub projected_percent: f64,
    pub points_gained: f64,
}

/// The plan's projection.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Projection {
    pub today_points: f64,
    pub max_points: f64,
    pub today_percent: f64,
    pub points_gained: f64,
    pub projected_points: f64,
    pub projected_percent: f64,
    pub categories: Vec<CategoryProjection>,
}

fn percent(points: f64, max: f64) -> f64 {
    if max > 0.0 { round2(points / max * 100.0) } else { 0.0 }
}

/// Projects the score: `items` are the tenant's scored items as (category, max, achieved); `gains` the plan's
/// items not yet delivered as (category, points still available).
pub fn project(items: &[(String, f64, f64)], gains: &[(String, f64)]) -> Projection {
    let mut by_category: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for (category, max, achieved) in items {
        let entry = by_category.entry(category).or_default();
        entry.0 += max;
        entry.1 += achieved;
    }
    for (category, gain) in gains {
        by_category.entry(category).or_default().2 += gain;
    }
    let categories: Vec<CategoryProjection> = by_category
        .iter()
        .map(|(category, (max, achieved, gain))| CategoryProjection {
            category: (*category).to_owned(),
            today_percent: percent(*achieved, *max),
            projected_percent: percent((achieved + gain).min(*max), *max),
            points_gained: round2(*gain),
        })
        .collect();
    let max: f64 = by_category.values().map(|v| v.0).sum();
    let today: f64 = by_category.values().map(|v| v.1).sum();
    let gained: f64 = by_category.values().map(|v| v.2).sum();
    let projected = (today + gained).min(max);
    Projection {
        today_points: round2(today),
        max_points: round2(max),
        today_percent: percent(today, max),
        points_gained: round2(gained),
        projected_points: round2(projected),
        projected_percent: percent(projected, max),
        categories,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_projects_overall_and_per_category() {
        let items = [
            ("Identity".to_owned(), 10.0, 0.0),
            ("Identity".to_owned(), 9.0, 4.5),
            ("Data".to_owned(), 5.0, 5.0),
            ("Apps".to_owned(), 6.0, 0.0),
        ];
        let gains = [("Identity".to_owned(), 10.0), ("Apps".to_owned(), 3.0)];
        let p = project(&items, &gains);
        assert_eq!((p.today_points, p.max_points, p.today_percent), (9.5, 30.0, 31.67));
        assert_eq!((p.points_gained, p.projected_points, p.projected_percent), (13.0, 22.5, 75.0));
        let identity = p.categories.iter().find(|c| c.category == "Identity").unwrap();
        assert_eq!((identity.today_percent, identity.projected_percent), (23.68, 76.32));
        let data = p.categories.iter().find(|c| c.category == "Data").unwrap();
        assert_eq!((data.today_percent, data.projected_percent, data.points_gained), (100.0, 100.0, 0.0));
    }

    #[test]
    fn nothing_to_project_is_zero_not_a_division_by_zero() {
        let p = project(&[], &[]);
        assert_eq!((p.today_percent, p.projected_percent, p.categories.len()), (0.0, 0.0, 0));
    }
}
