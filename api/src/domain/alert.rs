//! Monitoring's alert rules: when a score drop is worth an alert (the seed's "more than 2 %", per tenant), what the
//! alert says, and what a regression alert says. The texts here are what people read in Teams and e-mail.

use serde::{Deserialize, Serialize};

use super::score::round2;

/// What raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The score percentage fell more than the tenant's threshold against the latest earlier snapshot.
    ScoreDrop,
    /// Items that were at their maximum are not any more.
    Regression,
}

impl AlertKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::ScoreDrop => "score_drop",
            AlertKind::Regression => "regression",
        }
    }
}

impl std::str::FromStr for AlertKind {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [AlertKind::ScoreDrop, AlertKind::Regression].into_iter().find(|k| k.as_str() == text).ok_or(())
    }
}

pub use super::notification::Severity;

/// A tenant's alert thresholds (ciso or admin edit them).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertThresholds {
    /// Percentage points the score may fall between two snapshots before an alert (the seed: 2).
    pub score_drop_points: f64,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        Self { score_drop_points: 2.0 }
    }
}

impl AlertThresholds {
    /// Checks the bounds.
    pub fn check(&self) -> Result<(), super::ValidationError> {
        if !(0.1..=50.0).contains(&self.score_drop_points) {
            return Err(super::ValidationError::field(
                "score_drop_points",
                "must be between 0.1 and 50 percentage points",
            ));
        }
        Ok(())
    }
}

/// An item whose points moved, as an alert lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PointsMove {
    pub title: String,
    pub control_id: Option<String>,
    pub from: Option<f64>,
    pub to: Option<f64>,
    pub max: f64,
}

/// The drop in percentage points when it is more than the threshold; `None` otherwise (a rise, a small dip, or
/// exactly the threshold).
pub fn score_drop(previous_percent: f64, current_percent: f64, thresholds: &AlertThresholds) -> Option<f64> {
    let drop = round2(previous_percent - current_percent);
    (drop > thresholds.score_drop_points + 1e-9).then_some(drop)
}

/// An alert's human text.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertText {
    pub severity: Severity,
    pub title: String,
    pub summary: String,
}

fn listed(items: &[PointsMove]) -> String {
    let names: Vec<&str> = items.iter().take(5).map(|i| i.title.as_str()).collect();
    let more = items.len().saturating_sub(names.len());
    let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
    format!("{}{tail}", names.join("; "))
}

/// What a score-drop alert says.
pub fn score_drop_text(tenant: &str, previous: f64, current: f64, drop: f64, fallen: &[PointsMove]) -> AlertText {
    let severity = if drop >= 10.0 { Severity::Critical } else { Severity::Warning };
    let why = if fallen.is_empty() {
        "No item lost points: Microsoft's maximum grew (new recommendations or licences), so the same points are a \
         smaller share."
            .to_owned()
    } else {
        format!("Points fell on {}.", listed(fallen))
    };
    AlertText {
        severity,
        title: format!("{tenant}: Secure Score fell {drop:.2} points to {current:.2} %"),
        summary: format!("From {previous:.2} % to {current:.2} %. {why}"),
    }
}

/// What a regression alert says.
pub fn regression_text(tenant: &str, regressed: &[PointsMove]) -> AlertText {
    let lost: f64 = regressed.iter().map(|i| (i.from.unwrap_or(i.max) - i.to.unwrap_or(0.0)).max(0.0)).sum();
    AlertText {
        severity: Severity::Warning,
        title: format!("{tenant}: {} recommendation(s) regressed", regressed.len()),
        summary: format!(
            "Completed before, not any more ({:.2} points lost): {}. They are back on the team's list.",
            lost,
            listed(regressed)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(title: &str, from: f64, to: f64) -> PointsMove {
        PointsMove { title: title.into(), control_id: None, from: Some(from), to: Some(to), max: from }
    }

    #[test]
    fn an_alert_needs_more_than_the_threshold() {
        let t = AlertThresholds::default();
        assert_eq!(score_drop(62.4, 60.3, &t), Some(2.1));
        assert_eq!(score_drop(62.4, 60.5, &t), None, "1.9 points");
        assert_eq!(score_drop(62.0, 60.0, &t), None, "exactly the threshold is not more than it");
        assert_eq!(score_drop(60.0, 65.0, &t), None);
        let strict = AlertThresholds { score_drop_points: 0.5 };
        assert_eq!(score_drop(62.4, 61.8, &strict), Some(0.6));
    }

    #[test]
    fn the_texts_name_the_figures_and_the_items() {
        let text = score_drop_text("Contoso", 62.4, 60.3, 2.1, &[moved("Admin MFA", 10.0, 0.0)]);
        assert_eq!(text.severity, Severity::Warning);
        assert_eq!(text.title, "Contoso: Secure Score fell 2.10 points to 60.30 %");
        assert!(text.summary.contains("Points fell on Admin MFA."), "{}", text.summary);
        let drift = score_drop_text("Contoso", 70.0, 55.0, 15.0, &[]);
        assert_eq!(drift.severity, Severity::Critical);
        assert!(drift.summary.contains("maximum grew"));
        let many: Vec<PointsMove> = (1..=7).map(|n| moved(&format!("item {n}"), 2.0, 0.0)).collect();
        let regression = regression_text("Contoso", &many);
        assert!(regression.summary.contains("14.00 points lost") && regression.summary.contains("and 2 more"));
    }

    #[test]
    fn thresholds_keep_to_sane_bounds() {
        assert!(AlertThresholds::default().check().is_ok());
        assert!(AlertThresholds { score_drop_points: 0.0 }.check().is_err());
        assert!(AlertThresholds { score_drop_points: 80.0 }.check().is_err());
    }
}
