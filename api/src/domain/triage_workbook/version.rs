//! The hidden version cell: what a row held when it was exported (the item, its rating version and rating, its
//! mapping set), so the import can tell what the person edited and whether the item changed since.

use std::collections::BTreeSet;
use std::fmt;

use crate::domain::rating::{Level, Rating};

/// A framework control, named by framework key and control id: `iso27001:5.17`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ControlRef {
    pub framework: String,
    pub control_id: String,
}

impl ControlRef {
    /// The control `control_id` of `framework`.
    pub fn new(framework: impl Into<String>, control_id: impl Into<String>) -> Self {
        Self { framework: framework.into(), control_id: control_id.into() }
    }
}

impl fmt::Display for ControlRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.framework, self.control_id)
    }
}

/// What one row of the workbook held when it was exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub item: uuid::Uuid,
    /// The rating's version then (0 = never rated).
    pub rating_version: i64,
    pub rating: Rating,
    pub mappings: BTreeSet<ControlRef>,
}

/// Why a version cell cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionProblem {
    /// The cell is blank.
    Missing,
    /// The cell holds something scoregrc did not write.
    Unreadable,
}

/// The format of the cell; a later format gets a new tag and this one stays readable.
const FORMAT: &str = "v1";

impl Exported {
    /// `v1|<item id>|<rating version>|<risk>|<effort>|<framework:control;…>`; levels and mappings may be empty.
    /// Framework keys and control ids never hold `|`, `;` or `:` (see `domain::framework`), so the parts split
    /// back unambiguously.
    pub fn encode(&self) -> String {
        let level = |l: Option<Level>| l.map_or("", Level::as_str);
        let mappings: Vec<String> = self.mappings.iter().map(ControlRef::to_string).collect();
        format!(
            "{FORMAT}|{}|{}|{}|{}|{}",
            self.item,
            self.rating_version,
            level(self.rating.risk_reduction),
            level(self.rating.implementation_effort),
            mappings.join(";")
        )
    }

    /// Reads a cell [`Exported::encode`] wrote.
    pub fn decode(text: &str) -> Result<Self, VersionProblem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(VersionProblem::Missing);
        }
        let parts: Vec<&str> = text.split('|').collect();
        let [format, item, version, risk, effort, mappings] = parts.as_slice() else {
            return Err(VersionProblem::Unreadable);
        };
        if *format != FORMAT {
            return Err(VersionProblem::Unreadable);
        }
        let level = |name: &str| if name.is_empty() { Ok(None) } else { Level::parse(name).map(Some).ok_or(()) };
        let mappings = mappings
            .split(';')
            .filter(|m| !m.is_empty())
            .map(|m| match m.split_once(':') {
                Some((framework, control)) if !framework.is_empty() && !control.is_empty() => {
                    Ok(ControlRef::new(framework, control))
                }
                _ => Err(()),
            })
            .collect::<Result<BTreeSet<_>, ()>>();
        match (uuid::Uuid::parse_str(item), version.parse::<i64>(), level(risk), level(effort), mappings) {
            (Ok(item), Ok(rating_version), Ok(risk), Ok(effort), Ok(mappings)) if rating_version >= 0 => Ok(Self {
                item,
                rating_version,
                rating: Rating { risk_reduction: risk, implementation_effort: effort },
                mappings,
            }),
            _ => Err(VersionProblem::Unreadable),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exported() -> Exported {
        Exported {
            item: uuid::Uuid::from_u128(7),
            rating_version: 3,
            rating: Rating { risk_reduction: Some(Level::High), implementation_effort: None },
            mappings: [ControlRef::new("nis2", "21.2.j"), ControlRef::new("iso27001", "5.17")].into(),
        }
    }

    #[test]
    fn a_version_cell_reads_back_what_was_written() {
        let text = exported().encode();
        assert_eq!(text, "v1|00000000-0000-0000-0000-000000000007|3|high||iso27001:5.17;nis2:21.2.j");
        assert_eq!(Exported::decode(&format!(" {text} ")), Ok(exported()));
        let bare = Exported { rating_version: 0, rating: Rating::default(), mappings: BTreeSet::new(), ..exported() };
        assert_eq!(Exported::decode(&bare.encode()), Ok(bare));
    }

    #[test]
    fn a_blank_or_foreign_version_cell_is_refused() {
        assert_eq!(Exported::decode("  "), Err(VersionProblem::Missing));
        let good = exported().encode();
        for bad in [
            "3".to_owned(),
            good.replacen("v1", "v9", 1),
            good.replace("|3|", "|three|"),
            good.replace("|3|", "|-1|"),
            good.replace("high", "hgh"),
            good.replace("iso27001:5.17", "iso27001"),
            good.replace("00000000-0000-0000-0000-000000000007", "item"),
            format!("{good}|extra"),
        ] {
            assert_eq!(Exported::decode(&bad), Err(VersionProblem::Unreadable), "{bad}");
        }
    }
}
