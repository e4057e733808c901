//! Priority buckets: a tenant's rule table, evaluated top to bottom, first match wins (DESIGN.md, "Buckets").
//! The rules are data; this module checks a table is complete and places rated items.

use serde::{Deserialize, Serialize};

use super::ValidationError;
use super::rating::{Level, Rating};

/// The frameworks that count for "regulatory-aligned" when a tenant has not chosen its own audit scope.
pub const DEFAULT_AUDIT_SCOPE: [&str; 2] = ["iso27001", "nis2"];

/// Where an item lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Bucket {
    /// Quick wins: do first.
    P1,
    /// Big projects, non-negotiable.
    P2,
    /// Compliance hygiene, cheap audit closures.
    P3,
    /// Backlog, or document a risk acceptance.
    P4,
    /// Not yet rated on both axes: needs triage.
    #[serde(rename = "unrated")]
    Unrated,
}

impl Bucket {
    /// Every bucket, in priority order.
    pub const ALL: [Bucket; 5] = [Bucket::P1, Bucket::P2, Bucket::P3, Bucket::P4, Bucket::Unrated];

    /// The words a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Bucket::P1 => "P1",
            Bucket::P2 => "P2",
            Bucket::P3 => "P3",
            Bucket::P4 => "P4",
            Bucket::Unrated => "Unrated",
        }
    }
}

/// One row of the rule table. An empty level list matches any level; `aligned: None` matches either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PriorityRule {
    /// A short stable name, shown as the reason an item is in its bucket (`quick-win`).
    pub name: String,
    pub bucket: Bucket,
    #[serde(default)]
    pub risk: Vec<Level>,
    #[serde(default)]
    pub effort: Vec<Level>,
    pub aligned: Option<bool>,
    /// What the rule means, in the team's words.
    #[serde(default)]
    pub description: String,
}

impl PriorityRule {
    fn matches(&self, risk: Level, effort: Level, aligned: bool) -> bool {
        (self.risk.is_empty() || self.risk.contains(&risk))
            && (self.effort.is_empty() || self.effort.contains(&effort))
            && self.aligned.is_none_or(|a| a == aligned)
    }
}

/// The bucket an item landed in and the rule that put it there (`None` for unrated items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Placement {
    pub bucket: Bucket,
    pub rule: Option<String>,
}

/// A tenant's ordered rule table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleSet {
    pub rules: Vec<PriorityRule>,
}

/// Every rated combination a table must place.
fn combinations() -> impl Iterator<Item = (Level, Level, bool)> {
    Level::ALL.into_iter().flat_map(|r| Level::ALL.into_iter().flat_map(move |e| [true, false].map(|a| (r, e, a))))
}

impl RuleSet {
    /// DESIGN.md's default table.
    pub fn default_rules() -> Self {
        let rule = |name: &str, bucket, risk: &[Level], effort: &[Level], aligned, description: &str| PriorityRule {
            name: name.to_owned(),
            bucket,
            risk: risk.to_vec(),
            effort: effort.to_vec(),
            aligned,
            description: description.to_owned(),
        };
        use Level::*;
        RuleSet {
            rules: vec![
                rule(
                    "quick-win",
                    Bucket::P1,
                    &[High],
                    &[Low],
                    Some(true),
                    "High risk reduction, low effort, regulatory-aligned: do first",
                ),
                rule(
                    "big-project",
                    Bucket::P2,
                    &[High],
                    &[Medium, High],
                    Some(true),
                    "High risk reduction, more effort, regulatory-aligned: non-negotiable",
                ),
                rule(
                    "compliance-hygiene",
                    Bucket::P3,
                    &[Medium, Low],
                    &[Low],
                    Some(true),
                    "Cheap, regulatory-aligned audit closures",
                ),
                rule("backlog", Bucket::P4, &[], &[], None, "Everything else: backlog, or document a risk acceptance"),
            ],
        }
    }

    /// Places a rated combination: the first rule that matches.
    pub fn place(&self, risk: Level, effort: Level, aligned: bool) -> Option<Placement> {
        self.rules
            .iter()
            .find(|r| r.matches(risk, effort, aligned))
            .map(|r| Placement { bucket: r.bucket, rule: Some(r.name.clone()) })
    }

    /// Places an item from its rating and alignment; unrated items go to [`Bucket::Unrated`].
    pub fn place_item(&self, rating: Rating, aligned: bool) -> Placement {
        match rating.both().and_then(|(risk, effort)| self.place(risk, effort, aligned)) {
            Some(placement) => placement,
            None => Placement { bucket: Bucket::Unrated, rule: None },
        }
    }

    /// Refuses a table that leaves a rated combination unplaced, names that are empty or repeated, or a rule that
    /// tries to place into `unrated`; answers warnings for rules no combination can reach.
    pub fn check(&self) -> Result<Vec<String>, ValidationError> {
        let mut problems = super::Violations::default();
        let mut names = std::collections::HashSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.name.trim().is_empty() || !names.insert(rule.name.as_str()) {
                problems.add(format!("rules[{i}].name"), "must be a non-empty name used once");
            }
            if rule.bucket == Bucket::Unrated {
                problems.add(
                    format!("rules[{i}].bucket"),
                    "must be P1, P2, P3 or P4: unrated is for items without a rating",
                );
            }
        }
        let unplaced: Vec<String> = combinations()
            .filter(|&(r, e, a)| self.place(r, e, a).is_none())
            .map(|(r, e, a)| {
                format!("risk {}, effort {}, {}", r.as_str(), e.as_str(), if a { "aligned" } else { "not aligned" })
            })
            .collect();
        if !unplaced.is_empty() {
            problems.add(
                "rules",
                format!(
                    "leave these rated combinations without a bucket: {}; end with a catch-all rule",
                    unplaced.join("; ")
                ),
            );
        }
        problems.finish()?;
        let warnings = self
            .rules
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                !combinations().any(|(r, e, a)| self.rules.iter().position(|rule| rule.matches(r, e, a)) == Some(*i))
            })
            .map(|(_, rule)| {
                format!(
                    "rule `{}` can never place an item: rules above it catch every combination it matches",
                    rule.name
                )
            })
            .collect();
        Ok(warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::Level::*;
    use super::*;

    fn rating(risk: Level, effort: Level) -> Rating {
        Rating { risk_reduction: Some(risk), implementation_effort: Some(effort) }
    }

    /// DESIGN.md's table, every cell: 3 risk × 3 effort × aligned / not aligned.
    #[test]
    fn the_default_rules_place_every_combination_as_the_design_says() {
        let rules = RuleSet::default_rules();
        let expected = |risk: Level, effort: Level, aligned: bool| match (risk, effort, aligned) {
            (High, Low, true) => (Bucket::P1, "quick-win"),
            (High, Medium | High, true) => (Bucket::P2, "big-project"),
            (Medium | Low, Low, true) => (Bucket::P3, "compliance-hygiene"),
            _ => (Bucket::P4, "backlog"),
        };
        let mut cells = 0;
        for (risk, effort, aligned) in combinations() {
            let placement = rules.place_item(rating(risk, effort), aligned);
            let (bucket, rule) = expected(risk, effort, aligned);
            assert_eq!(
                placement,
                Placement { bucket, rule: Some(rule.into()) },
                "{risk:?} {effort:?} aligned={aligned}"
            );
            cells += 1;
        }
        assert_eq!(cells, 18);
    }

    #[test]
    fn unrated_items_are_unrated_whatever_their_alignment() {
        let rules = RuleSet::default_rules();
        for aligned in [true, false] {
            assert_eq!(rules.place_item(Rating::default(), aligned), Placement { bucket: Bucket::Unrated, rule: None });
            let half = Rating { risk_reduction: Some(High), implementation_effort: None };
            assert_eq!(rules.place_item(half, aligned).bucket, Bucket::Unrated);
        }
    }

    #[test]
    fn the_default_table_is_complete_and_every_rule_reachable() {
        assert_eq!(RuleSet::default_rules().check(), Ok(Vec::new()));
    }

    #[test]
    fn a_table_without_a_catch_all_is_refused_naming_the_gaps() {
        let mut rules = RuleSet::default_rules();
        rules.rules.pop();
        let err = rules.check().err().map(|e| e.errors[0].message.clone()).unwrap_or_default();
        assert!(err.contains("risk low, effort high, not aligned"), "{err}");
    }

    #[test]
    fn a_rule_hidden_behind_earlier_rules_is_a_warning_not_an_error() {
        let mut rules = RuleSet::default_rules();
        let hidden = PriorityRule {
            name: "never".into(),
            bucket: Bucket::P1,
            risk: vec![Low],
            effort: vec![],
            aligned: None,
            description: String::new(),
        };
        rules.rules.push(hidden);
        let warnings = rules.check().unwrap_or_default();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("`never`"));
    }

    #[test]
    fn duplicate_names_and_rules_into_unrated_are_refused() {
        let mut rules = RuleSet::default_rules();
        rules.rules[1].name = "quick-win".into();
        rules.rules[2].bucket = Bucket::Unrated;
        let fields: Vec<String> =
            rules.check().err().map(|e| e.errors.into_iter().map(|f| f.field).collect()).unwrap_or_default();
        assert_eq!(fields, ["rules[1].name", "rules[2].bucket"]);
    }

    #[test]
    fn first_match_wins() {
        let mut rules = RuleSet::default_rules();
        rules.rules.insert(
            0,
            PriorityRule {
                name: "everything-urgent".into(),
                bucket: Bucket::P1,
                risk: vec![],
                effort: vec![],
                aligned: None,
                description: String::new(),
            },
        );
        assert_eq!(rules.place(Low, High, false).map(|p| p.bucket), Some(Bucket::P1));
        assert_eq!(rules.check().map(|w| w.len()), Ok(4), "the four default rules are now unreachable");
    }
}
