//! Reading the editable cells: a level (High, Medium, Low or blank) and a mapping list (`iso27001:5.17;
//! nis2:21.2.j`, display forms such as `A.5.17` or `iso27001:A.5.17` too), resolved against the frameworks the
//! tenant sees.

use std::collections::{BTreeSet, HashMap};

use super::version::ControlRef;
use crate::domain::rating::Level;

/// How a level is written in the workbook.
pub fn level_label(level: Level) -> &'static str {
    match level {
        Level::High => "High",
        Level::Medium => "Medium",
        Level::Low => "Low",
    }
}

/// A level cell: blank is "not rated"; High, Medium or Low in any case. The error completes a sentence after
/// the cell reference.
pub fn parse_level(text: &str) -> Result<Option<Level>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Level::ALL
        .into_iter()
        .find(|level| level.as_str().eq_ignore_ascii_case(text))
        .map(Some)
        .ok_or_else(|| format!("\"{text}\" is not High, Medium or Low"))
}

/// One control as a person wrote it in the mapping cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingToken {
    /// `iso27001:5.17`, `iso27001:A.5.17`: a framework key, then a control id or display id.
    Qualified { framework: String, id: String, written: String },
    /// `A.5.17`, `Art. 21(2)(j)`, `5.17`: found in whichever framework has it.
    Bare(String),
}

impl MappingToken {
    /// The token as written, for messages.
    pub fn written(&self) -> &str {
        match self {
            MappingToken::Qualified { written, .. } | MappingToken::Bare(written) => written,
        }
    }
}

/// Whether `text` has the shape of a framework key (letters, digits and hyphens, starting with a letter).
fn looks_like_key(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic()) && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The controls of a mapping cell: separated by `;` or line breaks, blanks skipped.
pub fn split_mappings(text: &str) -> Vec<MappingToken> {
    text.split([';', '\n', '\r'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|token| match token.split_once(':') {
            Some((key, id)) if looks_like_key(key.trim()) && !id.trim().is_empty() => MappingToken::Qualified {
                framework: key.trim().to_ascii_lowercase(),
                id: id.trim().to_owned(),
                written: token.to_owned(),
            },
            _ => MappingToken::Bare(token.to_owned()),
        })
        .collect()
}

/// Ids as compared: case and spaces ignored, so `a.5.17` is `A.5.17` and `Art.21(2)(j)` is `Art. 21(2)(j)`.
fn id_key(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// A framework the tenant sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownFramework {
    pub key: String,
    pub name: String,
    /// Archived (a tenant's own): kept for history, not for new mappings.
    pub archived: bool,
}

/// A control of a framework the tenant sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownControl {
    pub control: ControlRef,
    /// `A.5.17`, `Art. 21(2)(j)`.
    pub display_id: String,
    pub retired: bool,
}

/// The frameworks and controls a tenant may name, looked up by key, id and display id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    frameworks: HashMap<String, KnownFramework>,
    /// By [`id_key`] of the control id and of the display id.
    controls: HashMap<String, Vec<KnownControl>>,
}

impl Catalog {
    /// A catalog of `frameworks` and their `controls`.
    pub fn new(frameworks: Vec<KnownFramework>, controls: Vec<KnownControl>) -> Self {
        let mut by_id: HashMap<String, Vec<KnownControl>> = HashMap::new();
        for control in controls {
            let keys: BTreeSet<String> = [id_key(&control.control.control_id), id_key(&control.display_id)].into();
            for key in keys {
                by_id.entry(key).or_default().push(control.clone());
            }
        }
        let frameworks = frameworks.into_iter().map(|f| (f.key.clone(), f)).collect();
        Self { frameworks, controls: by_id }
    }

    /// The control a token names. Controls the row was exported with are recognised even if the catalog no longer
    /// lists them (a framework deleted since), so an untouched cell always reads back. The error completes a
    /// sentence after the cell reference.
    pub fn resolve(&self, token: &MappingToken, exported: &BTreeSet<ControlRef>) -> Result<ControlRef, String> {
        let written = token.written();
        match token {
            MappingToken::Qualified { framework, id, .. } => {
                if let Some(known) =
                    exported.iter().find(|c| c.framework == *framework && id_key(&c.control_id) == id_key(id))
                {
                    return Ok(known.clone());
                }
                let Some(known) = self.frameworks.get(framework) else {
                    let mut keys: Vec<&str> = self.frameworks.keys().map(String::as_str).collect();
                    keys.sort_unstable();
                    return Err(format!(
                        "\"{written}\" names no framework this tenant has (it has {})",
                        keys.join(", ")
                    ));
                };
                self.controls
                    .get(&id_key(id))
                    .and_then(|found| found.iter().find(|c| c.control.framework == *framework))
                    .map(|c| c.control.clone())
                    .ok_or_else(|| format!("\"{written}\" is not a control of {}", known.name))
            }
            MappingToken::Bare(text) => {
                let found: BTreeSet<&ControlRef> =
                    self.controls.get(&id_key(text)).into_iter().flatten().map(|c| &c.control).collect();
                match found.into_iter().collect::<Vec<_>>().as_slice() {
                    [one] => Ok((*one).clone()),
                    [] => Err(format!(
                        "\"{written}\" is not a control of any framework this tenant has; write it as \
                         framework:control, e.g. iso27001:5.17"
                    )),
                    several => {
                        let named: Vec<String> = several.iter().map(|c| c.to_string()).collect();
                        Err(format!("\"{written}\" is ambiguous: write one of {}", named.join(", ")))
                    }
                }
            }
        }
    }

    /// Whether a new mapping may name `control`: a control in force of a framework not archived. The error
    /// completes a sentence after the cell reference.
    pub fn check_in_force(&self, control: &ControlRef) -> Result<(), String> {
        let framework = self.frameworks.get(&control.framework);
        if framework.is_some_and(|f| f.archived) {
            return Err(format!(
                "\"{control}\" belongs to an archived framework: restore it before mapping items to its controls"
            ));
        }
        let known = self
            .controls
            .get(&id_key(&control.control_id))
            .and_then(|found| found.iter().find(|c| c.control == *control));
        match known {
            Some(c) if c.retired => Err(format!("\"{control}\" is retired: map the item to a control in force")),
            Some(_) if framework.is_some() => Ok(()),
            _ => Err(format!("\"{control}\" is no longer a control this tenant has")),
        }
    }
}

#[cfg(test)]
pub(super) mod tests;
