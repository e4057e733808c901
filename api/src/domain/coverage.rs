//! Framework coverage (DESIGN.md, "Coverage"): the one function every screen, report and export calls.

use serde::Serialize;

use super::recommendation::Status;

/// What coverage needs to know of a mapped item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoveredItem {
    pub status: Status,
    pub status_confirmed: bool,
    /// Deprecated, max 0 or not applicable items are not scored and are left out.
    pub scored: bool,
}

impl CoveredItem {
    /// Completed and confirmed by Microsoft, or resolved through a third party or an alternate mitigation.
    /// Risk acceptance is counted apart, never as resolved.
    fn resolved(self) -> bool {
        matches!(self.status, Status::ThirdParty | Status::AlternateMitigation)
            || (self.status == Status::Completed && self.status_confirmed)
    }
}

/// A control's coverage state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoverageState {
    /// At least one mapped item, and all resolved.
    Covered,
    /// Some mapped items resolved.
    Partial,
    /// No mapped item resolved.
    Gap,
    /// No scored item maps to the control: Secure Score says nothing about it.
    NoTechnicalMapping,
}

/// One control's coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ControlCoverage {
    pub state: CoverageState,
    /// Scored items mapped to the control.
    pub mapped: usize,
    pub resolved: usize,
    /// Items whose risk is accepted: counted apart.
    pub risk_accepted: usize,
}

/// Coverage of one control from its mapped items.
pub fn control_coverage(items: &[CoveredItem]) -> ControlCoverage {
    let scored: Vec<&CoveredItem> = items.iter().filter(|i| i.scored).collect();
    let resolved = scored.iter().filter(|i| i.resolved()).count();
    let risk_accepted = scored.iter().filter(|i| i.status == Status::RiskAccepted).count();
    let state = match (scored.len(), resolved) {
        (0, _) => CoverageState::NoTechnicalMapping,
        (n, r) if r == n => CoverageState::Covered,
        (_, 0) => CoverageState::Gap,
        _ => CoverageState::Partial,
    };
    ControlCoverage { state, mapped: scored.len(), resolved, risk_accepted }
}

/// Totals over a framework's controls.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CoverageTotals {
    pub controls: usize,
    pub covered: usize,
    pub partial: usize,
    pub gap: usize,
    pub no_technical_mapping: usize,
    /// covered ÷ controls with at least one mapped item, as a percentage (two decimals).
    pub percent: f64,
}

/// Totals and the coverage percentage.
pub fn totals(controls: &[ControlCoverage]) -> CoverageTotals {
    let count = |state| controls.iter().filter(|c| c.state == state).count();
    let covered = count(CoverageState::Covered);
    let with_items = controls.len() - count(CoverageState::NoTechnicalMapping);
    CoverageTotals {
        controls: controls.len(),
        covered,
        partial: count(CoverageState::Partial),
        gap: count(CoverageState::Gap),
        no_technical_mapping: count(CoverageState::NoTechnicalMapping),
        percent: if with_items == 0 { 0.0 } else { super::score::round2(covered as f64 / with_items as f64 * 100.0) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(status: Status, confirmed: bool) -> CoveredItem {
        CoveredItem { status, status_confirmed: confirmed, scored: true }
    }

    #[test]
    fn all_resolved_is_covered() {
        let c = control_coverage(&[
            item(Status::Completed, true),
            item(Status::ThirdParty, false),
            item(Status::AlternateMitigation, false),
        ]);
        assert_eq!(c, ControlCoverage { state: CoverageState::Covered, mapped: 3, resolved: 3, risk_accepted: 0 });
    }

    #[test]
    fn an_unconfirmed_completion_is_not_resolved_yet() {
        assert_eq!(control_coverage(&[item(Status::Completed, false)]).state, CoverageState::Gap);
    }

    #[test]
    fn risk_acceptance_is_counted_apart_never_as_resolved() {
        let c = control_coverage(&[item(Status::Completed, true), item(Status::RiskAccepted, false)]);
        assert_eq!(c, ControlCoverage { state: CoverageState::Partial, mapped: 2, resolved: 1, risk_accepted: 1 });
        assert_eq!(control_coverage(&[item(Status::RiskAccepted, false)]).state, CoverageState::Gap);
    }

    #[test]
    fn unscored_items_are_left_out_and_nothing_left_is_no_technical_mapping() {
        let unscored = CoveredItem { status: Status::Completed, status_confirmed: true, scored: false };
        assert_eq!(control_coverage(&[unscored]).state, CoverageState::NoTechnicalMapping);
        assert_eq!(control_coverage(&[]).state, CoverageState::NoTechnicalMapping);
        let c = control_coverage(&[unscored, item(Status::ToAddress, false)]);
        assert_eq!((c.state, c.mapped), (CoverageState::Gap, 1));
    }

    #[test]
    fn the_percentage_counts_covered_among_controls_with_mapped_items() {
        let covered = control_coverage(&[item(Status::Completed, true)]);
        let gap = control_coverage(&[item(Status::Planned, false)]);
        let none = control_coverage(&[]);
        let t = totals(&[covered, gap, gap, none]);
        assert_eq!((t.controls, t.covered, t.gap, t.no_technical_mapping), (4, 1, 2, 1));
        assert_eq!(t.percent, 33.33);
        assert_eq!(totals(&[none]).percent, 0.0);
    }
}
