//! The risk-acceptance register's rules (DESIGN.md, "Risk-acceptance register"): its vocabularies, the
//! approval workflow as a table, and the dated policy (low impact, review dates, expiry, reminders,
//! re-review).

pub mod policy;
pub mod proposal;
pub mod workflow;

use serde::{Deserialize, Serialize};

use super::recommendation::Status;

/// What the team decided about a gap it will not close in Microsoft's way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The risk is accepted as it is.
    RiskAcceptance,
    /// Another product covers the gap (a third-party mail gateway, an EDR).
    ThirdParty,
    /// A different control of the organisation's own covers it.
    AlternateMitigation,
}

impl Decision {
    /// The status an approval gives each covered item.
    pub fn item_status(self) -> Status {
        match self {
            Decision::RiskAcceptance => Status::RiskAccepted,
            Decision::ThirdParty => Status::ThirdParty,
            Decision::AlternateMitigation => Status::AlternateMitigation,
        }
    }

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::RiskAcceptance => "risk_acceptance",
            Decision::ThirdParty => "third_party",
            Decision::AlternateMitigation => "alternate_mitigation",
        }
    }
}

impl std::str::FromStr for Decision {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Decision::RiskAcceptance, Decision::ThirdParty, Decision::AlternateMitigation]
            .into_iter()
            .find(|d| d.as_str() == text)
            .ok_or(())
    }
}

/// How much risk is left once the compensating controls are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResidualRisk {
    High,
    Medium,
    Low,
}

impl ResidualRisk {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ResidualRisk::High => "high",
            ResidualRisk::Medium => "medium",
            ResidualRisk::Low => "low",
        }
    }
}

impl std::str::FromStr for ResidualRisk {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [ResidualRisk::High, ResidualRisk::Medium, ResidualRisk::Low].into_iter().find(|r| r.as_str() == text).ok_or(())
    }
}

/// Where an entry stands. `expired` is never stored: it is read from the dates (see [`policy::effective_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    Draft,
    Submitted,
    Reviewed,
    Approved,
    Rejected,
    Revoked,
    Expired,
}

impl EntryState {
    /// Every state.
    pub const ALL: [EntryState; 7] = [
        EntryState::Draft,
        EntryState::Submitted,
        EntryState::Reviewed,
        EntryState::Approved,
        EntryState::Rejected,
        EntryState::Revoked,
        EntryState::Expired,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Draft => "draft",
            EntryState::Submitted => "submitted",
            EntryState::Reviewed => "reviewed",
            EntryState::Approved => "approved",
            EntryState::Rejected => "rejected",
            EntryState::Revoked => "revoked",
            EntryState::Expired => "expired",
        }
    }

    /// Still on its way to a decision, or in force: an item may be in only one such entry at a time.
    pub fn is_open(self) -> bool {
        matches!(self, EntryState::Draft | EntryState::Submitted | EntryState::Reviewed | EntryState::Approved)
    }
}

impl std::str::FromStr for EntryState {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        EntryState::ALL.into_iter().find(|s| s.as_str() == text).ok_or(())
    }
}
