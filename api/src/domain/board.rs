//! The board's quarterly report as data (the seed's "Trend analysis: Quarterly and annual reports"): score then and
//! now with the trend, what was completed and which controls it satisfies, the gaps left and why, framework
//! coverage, and the roadmap delivered against plan. Assembled by the store, rendered by `export::board_html`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::quarter::Quarter;

/// The report for one tenant and quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BoardReport {
    pub tenant: String,
    pub quarter: Quarter,
    /// The day the figures describe: the quarter's last day once it has ended, else today.
    pub as_of: NaiveDate,
    /// The quarter has ended and its figures are the ones snapshotted at its end.
    pub closed: bool,
    pub generated_at: DateTime<Utc>,
    pub score: ScoreChange,
    /// Daily Microsoft Secure Score percentages across the quarter, oldest first.
    pub trend: Vec<TrendPoint>,
    /// Recommendations completed in the quarter, with the ISO 27001 / NIS2 controls each satisfies.
    pub completed: Vec<CompletedAction>,
    /// What is still to address or risk accepted, and why.
    pub gaps: Vec<Gap>,
    /// Coverage of each framework in the tenant's audit scope.
    pub coverage: Vec<FrameworkCoverage>,
    /// The quarter's roadmap, when there is one.
    pub roadmap: Option<RoadmapDelivery>,
    /// Set once the CISO signs it off; the report is frozen from then on.
    pub sign_off: Option<SignOff>,
}

/// The score at the start and at the end (or now).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoreChange {
    pub start_percent: Option<f64>,
    pub end_percent: Option<f64>,
    pub start_points: Option<f64>,
    pub end_points: Option<f64>,
    pub max_points: Option<f64>,
    /// End minus start, in percentage points.
    pub change_percent: Option<f64>,
}

/// One day of the trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrendPoint {
    pub date: NaiveDate,
    pub percent: f64,
}

/// A recommendation completed in the quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompletedAction {
    pub title: String,
    pub external_id: Option<String>,
    pub category: Option<String>,
    pub points: f64,
    pub completed_on: NaiveDate,
    /// Microsoft has confirmed it (achieved = max).
    pub confirmed: bool,
    /// `ISO 27001 A.5.17`, `NIS2 Art. 21(2)(j)`.
    pub controls: Vec<String>,
}

/// A gap still open at the report date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Gap {
    pub title: String,
    pub category: Option<String>,
    pub points_available: f64,
    /// The risk reduction closing it brings: the team's rating, else the suggestion (`high`, `medium`, `low`).
    #[serde(default)]
    pub risk_reduction: Option<String>,
    /// `to_address`, `planned`, `in_progress` or `risk_accepted`.
    pub status: String,
    /// Why it is open: the register entry's justification, the roadmap item, or its priority bucket.
    pub why: String,
}

/// A framework's coverage at the report date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = BoardFrameworkCoverage)]
pub struct FrameworkCoverage {
    pub framework: String,
    pub name: String,
    pub percent: f64,
    pub covered: u64,
    pub partial: u64,
    pub gaps: u64,
    /// Controls no recommendation maps to (outside Secure Score's reach).
    pub not_mapped: u64,
}

/// The quarter's plan against what was delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoadmapDelivery {
    pub planned: u64,
    pub delivered: u64,
    pub in_progress: u64,
    /// Planned items not delivered by the end of the quarter (or past their target date).
    pub slipped: u64,
    /// The score percentage the plan projected for the quarter's end.
    pub projected_percent: Option<f64>,
    /// The score percentage reached.
    pub achieved_percent: Option<f64>,
    pub projected_points: f64,
    pub achieved_points: f64,
}

/// Who signed the report off, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignOff {
    pub by: String,
    pub at: DateTime<Utc>,
}
