//! What a proposal must say before it is stored: the decision, the items it covers, and the register's text fields.

use serde::Deserialize;

use super::{Decision, ResidualRisk};
use crate::domain::{ValidationError, Violations};

/// Items one entry may cover at most (a mail gateway covering a dozen Defender for Office controls fits).
pub const MAX_ITEMS: usize = 100;
/// Characters a text field may hold at most.
pub const MAX_TEXT: usize = 5000;

/// A proposal as written by its author (create, or edit of a draft).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "decision": "risk_acceptance",
    "recommendation_ids": ["01900000-0000-7000-8000-000000000000"],
    "risk_description": "Reduces visibility into unsanctioned SaaS app usage (shadow IT)",
    "business_justification": "Limited SaaS footprint (only Microsoft 365 and 3 approved SaaS apps).",
    "compensating_controls": "Conditional Access blocks all non-approved SaaS apps. Firewall logs egress traffic.",
    "residual_risk": "low"
}))]
pub struct Proposal {
    pub decision: Decision,
    #[schema(min_items = 1, max_items = 100)]
    pub recommendation_ids: Vec<uuid::Uuid>,
    /// What threat the gap leaves open. Each text holds something besides spaces, and no control characters
    /// other than tabs and line breaks.
    #[schema(
        max_length = 5000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub risk_description: String,
    /// Why the recommendation is not implemented.
    #[schema(
        max_length = 5000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub business_justification: String,
    /// What else partly mitigates the risk.
    #[schema(
        max_length = 5000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub compensating_controls: String,
    pub residual_risk: ResidualRisk,
    /// For `third_party` and `alternate_mitigation`: the product or control that covers the gap.
    pub covered_by: Option<String>,
}

/// Checks a free-text field (line breaks allowed) and answers it trimmed.
pub fn check_text(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    let mut violations = Violations::default();
    let text = checked_text(field, value, max, &mut violations);
    violations.finish().map(|()| text)
}

fn text(field: &str, value: &str, violations: &mut Violations) -> String {
    checked_text(field, value, MAX_TEXT, violations)
}

fn checked_text(field: &str, value: &str, max: usize, violations: &mut Violations) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        violations.add(field, "must not be empty");
    } else if trimmed.chars().count() > max {
        violations.add(field, format!("must be at most {max} characters long"));
    } else if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        violations.add(field, "must not contain control characters");
    }
    trimmed.to_owned()
}

impl Proposal {
    /// Checks every field at once and answers the proposal trimmed.
    pub fn checked(self) -> Result<Proposal, ValidationError> {
        let mut violations = Violations::default();
        if self.recommendation_ids.is_empty() {
            violations.add("recommendation_ids", "must name at least one recommendation");
        } else if self.recommendation_ids.len() > MAX_ITEMS {
            violations.add("recommendation_ids", format!("may name at most {MAX_ITEMS} recommendations"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, id) in self.recommendation_ids.iter().enumerate() {
            if !seen.insert(id) {
                violations.add(format!("recommendation_ids[{i}]"), "is named twice");
            }
        }
        let risk_description = text("risk_description", &self.risk_description, &mut violations);
        let business_justification = text("business_justification", &self.business_justification, &mut violations);
        let compensating_controls = text("compensating_controls", &self.compensating_controls, &mut violations);
        let covered_by = match (self.decision, self.covered_by.as_deref().map(str::trim).filter(|c| !c.is_empty())) {
            (Decision::RiskAcceptance, covered) => covered.map(|c| text("covered_by", c, &mut violations)),
            (_, Some(covered)) => Some(text("covered_by", covered, &mut violations)),
            (_, None) => {
                violations.add("covered_by", "must name the product or control that covers the gap");
                None
            }
        };
        violations.finish()?;
        Ok(Proposal {
            decision: self.decision,
            recommendation_ids: self.recommendation_ids,
            risk_description,
            business_justification,
            compensating_controls,
            residual_risk: self.residual_risk,
            covered_by,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal(decision: Decision) -> Proposal {
        Proposal {
            decision,
            recommendation_ids: vec![uuid::Uuid::now_v7()],
            risk_description: "  Shadow IT goes unseen ".into(),
            business_justification: "Three SaaS apps only".into(),
            compensating_controls: "Conditional Access".into(),
            residual_risk: ResidualRisk::Low,
            covered_by: None,
        }
    }

    fn fields(result: Result<Proposal, ValidationError>) -> Vec<String> {
        result.err().map(|e| e.errors.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    }

    #[test]
    fn a_complete_acceptance_is_trimmed_and_kept() {
        let checked = proposal(Decision::RiskAcceptance).checked().unwrap();
        assert_eq!(checked.risk_description, "Shadow IT goes unseen");
    }

    #[test]
    fn alternatives_to_acceptance_name_what_covers_the_gap() {
        assert_eq!(fields(proposal(Decision::ThirdParty).checked()), vec!["covered_by"]);
        let mut covered = proposal(Decision::AlternateMitigation);
        covered.covered_by = Some("Mimecast Targeted Threat Protection".into());
        assert!(covered.checked().is_ok());
    }

    #[test]
    fn every_field_at_fault_is_named() {
        let mut bad = proposal(Decision::RiskAcceptance);
        let id = bad.recommendation_ids[0];
        bad.recommendation_ids.push(id);
        bad.business_justification = "   ".into();
        bad.compensating_controls = "x".repeat(MAX_TEXT + 1);
        assert_eq!(
            fields(bad.checked()),
            vec!["recommendation_ids[1]", "business_justification", "compensating_controls"]
        );
        let mut none = proposal(Decision::RiskAcceptance);
        none.recommendation_ids.clear();
        assert_eq!(fields(none.checked()), vec!["recommendation_ids"]);
    }
}
