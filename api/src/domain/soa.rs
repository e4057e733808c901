//! The Statement of Applicability (ISO/IEC 27001:2022 clause 6.1.3 d): per Annex A control, whether it applies
//! and how far it is implemented. Where Secure Score says something about a control (it has technical mappings)
//! the implementation is computed from the control's coverage; elsewhere, or as a justified override, a person
//! attests it. One function, [`assess`], decides every row of every screen and export.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use super::coverage::{ControlCoverage, CoverageState, CoveredItem};
use super::recommendation::Status;
use super::{ValidationError, Violations};

/// The longest justification kept, in characters.
pub const MAX_JUSTIFICATION: usize = 4000;

/// How far a control is implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Implementation {
    Implemented,
    PartiallyImplemented,
    Planned,
    NotImplemented,
}

impl Implementation {
    /// Every value, best first.
    pub const ALL: [Implementation; 4] = [
        Implementation::Implemented,
        Implementation::PartiallyImplemented,
        Implementation::Planned,
        Implementation::NotImplemented,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Implementation::Implemented => "implemented",
            Implementation::PartiallyImplemented => "partially_implemented",
            Implementation::Planned => "planned",
            Implementation::NotImplemented => "not_implemented",
        }
    }

    /// The words a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Implementation::Implemented => "Implemented",
            Implementation::PartiallyImplemented => "Partially implemented",
            Implementation::Planned => "Planned",
            Implementation::NotImplemented => "Not implemented",
        }
    }
}

impl FromStr for Implementation {
    type Err = ValidationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Implementation::ALL.into_iter().find(|i| i.as_str() == text).ok_or_else(|| {
            let names: Vec<&str> = Implementation::ALL.iter().map(|i| i.as_str()).collect();
            ValidationError::field("implementation", format!("`{text}` is not one of {}", names.join(", ")))
        })
    }
}

/// Where a row's implementation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// From the coverage of the control's mapped recommendations.
    Computed,
    /// A person stated it: the implementation (with evidence), or that the control does not apply.
    Attested,
    /// No technical mapping and no attestation yet.
    NotAssessed,
}

impl Basis {
    /// The words a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Basis::Computed => "Computed",
            Basis::Attested => "Attested",
            Basis::NotAssessed => "Not assessed",
        }
    }
}

/// What people stated about a control; [`Statement::UNSTATED`] when nobody has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement<'a> {
    pub applicable: bool,
    pub applicability_justification: Option<&'a str>,
    /// The attested implementation, if any.
    pub implementation: Option<Implementation>,
    pub implementation_justification: Option<&'a str>,
}

impl Statement<'static> {
    /// A control nobody has stated anything about: applicable, nothing attested.
    pub const UNSTATED: Statement<'static> = Statement {
        applicable: true,
        applicability_justification: None,
        implementation: None,
        implementation_justification: None,
    };
}

/// A row's implementation, where it comes from, and how it was reached, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    /// `null` when the control is not applicable or nobody has assessed it.
    pub implementation: Option<Implementation>,
    pub basis: Basis,
    /// How the implementation was reached ("1 of 5 mapped recommendations resolved; 1 planned on the roadmap").
    pub computation: String,
}

/// Text that says something: trimmed, and `None` when blank.
pub fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

fn is_scheduled(item: &CoveredItem) -> bool {
    item.scored && matches!(item.status, Status::Planned | Status::InProgress)
}

/// The implementation the coverage shows, with how it was counted; `None` without technical mappings.
/// Covered → implemented, partial → partially implemented, gap → planned when a mapped item is planned or in
/// progress, else not implemented.
pub fn computed(coverage: &ControlCoverage, mapped: &[CoveredItem]) -> Option<(Implementation, String)> {
    let implementation = match coverage.state {
        CoverageState::NoTechnicalMapping => return None,
        CoverageState::Covered => Implementation::Implemented,
        CoverageState::Partial => Implementation::PartiallyImplemented,
        CoverageState::Gap if mapped.iter().any(is_scheduled) => Implementation::Planned,
        CoverageState::Gap => Implementation::NotImplemented,
    };
    Some((implementation, count_in_words(coverage, mapped)))
}

fn count_in_words(coverage: &ControlCoverage, mapped: &[CoveredItem]) -> String {
    let noun = if coverage.mapped == 1 { "recommendation" } else { "recommendations" };
    let mut parts = vec![format!("{} of {} mapped {noun} resolved", coverage.resolved, coverage.mapped)];
    let count = |status| mapped.iter().filter(|i| i.scored && i.status == status).count();
    let scheduled: Vec<String> = [(count(Status::Planned), "planned"), (count(Status::InProgress), "in progress")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, words)| format!("{n} {words}"))
        .collect();
    if !scheduled.is_empty() {
        parts.push(format!("{} on the roadmap", scheduled.join(" and ")));
    }
    if coverage.risk_accepted > 0 {
        parts.push(format!("{} risk accepted (counted apart)", coverage.risk_accepted));
    }
    parts.join("; ")
}

/// Decides one row: not applicable → no implementation; with technical mappings → computed, unless a person
/// attested another value with a justification; without → the attested value, else not assessed.
pub fn assess(coverage: &ControlCoverage, mapped: &[CoveredItem], statement: &Statement<'_>) -> Assessment {
    if !statement.applicable {
        let why = given(statement.applicability_justification).unwrap_or("no justification recorded");
        return Assessment {
            implementation: None,
            basis: Basis::Attested,
            computation: format!("Not applicable: {why}"),
        };
    }
    let why = given(statement.implementation_justification);
    match (computed(coverage, mapped), statement.implementation) {
        (Some((value, counted)), Some(claimed)) if why.is_some() => Assessment {
            implementation: Some(claimed),
            basis: Basis::Attested,
            computation: format!(
                "Attested over the computed {} ({counted}): {}",
                value.label().to_lowercase(),
                why.unwrap_or_default()
            ),
        },
        (Some((value, counted)), _) => {
            Assessment { implementation: Some(value), basis: Basis::Computed, computation: counted }
        }
        (None, Some(claimed)) => Assessment {
            implementation: Some(claimed),
            basis: Basis::Attested,
            computation: match why {
                Some(why) => format!("No technical mapping; attested: {why}"),
                None => "No technical mapping; attested".to_owned(),
            },
        },
        (None, None) => Assessment {
            implementation: None,
            basis: Basis::NotAssessed,
            computation: "No technical mapping; not attested yet".to_owned(),
        },
    }
}

/// Checks a person's new statement for a control whose computed implementation is `computed` (`None` without
/// technical mappings), naming every field at fault.
pub fn check(statement: &Statement<'_>, computed: Option<Implementation>) -> Result<(), ValidationError> {
    let mut violations = Violations::default();
    for (field, text) in [
        ("applicability_justification", statement.applicability_justification),
        ("implementation_justification", statement.implementation_justification),
    ] {
        if text.is_some_and(|t| t.chars().count() > MAX_JUSTIFICATION) {
            violations.add(field, format!("is longer than {MAX_JUSTIFICATION} characters"));
        }
    }
    if !statement.applicable {
        if given(statement.applicability_justification).is_none() {
            violations.add("applicability_justification", "is required when a control is not applicable: say why");
        }
        if statement.implementation.is_some() {
            violations.add("implementation", "must be empty when the control is not applicable");
        }
    }
    if let (Some(claimed), Some(value)) = (statement.implementation, computed)
        && statement.applicable
        && given(statement.implementation_justification).is_none()
    {
        violations.add(
            "implementation_justification",
            format!(
                "is required to attest {} over the computed {}: say why the mapped recommendations do not tell it",
                claimed.label().to_lowercase(),
                value.label().to_lowercase()
            ),
        );
    }
    violations.finish()
}

/// Counts over the rows of a statement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SoaSummary {
    pub controls: usize,
    pub applicable: usize,
    pub not_applicable: usize,
    pub implemented: usize,
    pub partially_implemented: usize,
    pub planned: usize,
    pub not_implemented: usize,
    /// Applicable controls without a technical mapping that nobody has attested yet.
    pub not_assessed: usize,
    pub computed: usize,
    /// Attested rows, not-applicable ones included.
    pub attested: usize,
}

/// Sums `(applicable, assessment)` over the rows.
pub fn summarise<'a>(rows: impl IntoIterator<Item = (bool, &'a Assessment)>) -> SoaSummary {
    let mut summary = SoaSummary::default();
    for (applicable, assessment) in rows {
        summary.controls += 1;
        *if applicable { &mut summary.applicable } else { &mut summary.not_applicable } += 1;
        match assessment.implementation {
            Some(Implementation::Implemented) => summary.implemented += 1,
            Some(Implementation::PartiallyImplemented) => summary.partially_implemented += 1,
            Some(Implementation::Planned) => summary.planned += 1,
            Some(Implementation::NotImplemented) => summary.not_implemented += 1,
            None => {}
        }
        match assessment.basis {
            Basis::Computed => summary.computed += 1,
            Basis::Attested => summary.attested += 1,
            Basis::NotAssessed => summary.not_assessed += 1,
        }
    }
    summary
}

#[cfg(test)]
mod tests;
