//! The two rated axes: risk reduction and implementation effort, each high, medium or low.

use serde::{Deserialize, Serialize};

/// A level on either axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Low,
    Medium,
    High,
}

impl Level {
    /// Every level, low to high.
    pub const ALL: [Level; 3] = [Level::Low, Level::Medium, Level::High];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }

    /// Reads a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        Level::ALL.into_iter().find(|l| l.as_str() == text)
    }
}

/// A person's rating of an item; unrated until both axes are set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rating {
    pub risk_reduction: Option<Level>,
    pub implementation_effort: Option<Level>,
}

impl Rating {
    /// Both axes, when both are set.
    pub fn both(self) -> Option<(Level, Level)> {
        Some((self.risk_reduction?, self.implementation_effort?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_rated_only_when_both_axes_are_set() {
        assert_eq!(Rating::default().both(), None);
        let half = Rating { risk_reduction: Some(Level::High), implementation_effort: None };
        assert_eq!(half.both(), None);
        let full = Rating { risk_reduction: Some(Level::High), implementation_effort: Some(Level::Low) };
        assert_eq!(full.both(), Some((Level::High, Level::Low)));
    }

    #[test]
    fn levels_round_trip_their_names() {
        for level in Level::ALL {
            assert_eq!(Level::parse(level.as_str()), Some(level));
        }
        assert_eq!(Level::parse("moderate"), None);
    }
}
