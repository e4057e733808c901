//! Graph write-back rules: which Secure Score state a team status is written as, which items cannot be written,
//! and how failed writes are retried. Microsoft's states are `Default`, `Ignored`, `ThirdParty` and `Reviewed`
//! (documented) plus `AlternateMitigation` (seen from the live API, undocumented); see
//! shared/data/secure-score-formats.md §1.6–1.7.

use serde::{Deserialize, Serialize};

use super::recommendation::{Product, Status};

/// A state written to `secureScoreControlProfiles/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum GraphControlState {
    Default,
    Ignored,
    ThirdParty,
    Reviewed,
    AlternateMitigation,
}

impl GraphControlState {
    /// The value Graph takes in `state`.
    pub fn as_str(self) -> &'static str {
        match self {
            GraphControlState::Default => "Default",
            GraphControlState::Ignored => "Ignored",
            GraphControlState::ThirdParty => "ThirdParty",
            GraphControlState::Reviewed => "Reviewed",
            GraphControlState::AlternateMitigation => "AlternateMitigation",
        }
    }
}

impl std::str::FromStr for GraphControlState {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [
            GraphControlState::Default,
            GraphControlState::Ignored,
            GraphControlState::ThirdParty,
            GraphControlState::Reviewed,
            GraphControlState::AlternateMitigation,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or(())
    }
}

/// How `alternate_mitigation` is written. Microsoft does not document a state for it: `Reviewed` is the
/// documented value closest in meaning; `AlternateMitigation` is what the live API has been seen to return.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum AlternateMitigationState {
    #[default]
    Reviewed,
    AlternateMitigation,
}

/// A tenant's write-back settings. Off by default: writing to a customer's Microsoft tenant needs the
/// `SecurityEvents.ReadWrite.All` permission and the customer's consent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WriteBackSettings {
    /// Write status changes back to Microsoft Secure Score.
    #[serde(default)]
    pub enabled: bool,
    /// The Graph state `alternate_mitigation` is written as.
    #[serde(default)]
    pub alternate_mitigation_state: AlternateMitigationState,
}

/// What a status change asks of Graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteBackPlan {
    /// Write this state.
    Write(GraphControlState),
    /// The item cannot be written; the reason is shown on the item.
    Skip(&'static str),
    /// The status has no Graph state and nothing earlier needs withdrawing.
    Nothing,
}

/// Why device controls are skipped.
pub const DEVICE_CONTROL_SKIPPED: &str = "device controls (scid_*) cannot be set through Graph: Microsoft takes \
     their state from Defender Vulnerability Management, so set it there";
/// Why items that are not Secure Score controls are skipped.
pub const NOT_A_SECURE_SCORE_CONTROL: &str =
    "only Microsoft Secure Score controls can be written back; this item comes from another product";

/// The item a status was set on, as far as write-back cares.
#[derive(Debug, Clone, Copy)]
pub struct WriteBackTarget<'a> {
    pub product: Product,
    /// The Secure Score control id (`AdminMFAV2`), when the item has one.
    pub control_id: Option<&'a str>,
    /// The last state scoregrc wrote (or queued) for the item, if any.
    pub last_written: Option<GraphControlState>,
}

/// What writing `status` back for `target` means.
///
/// `planned`, `in_progress` and `completed` have no Graph state and are not written, with one exception: if
/// scoregrc earlier wrote a state that gives or hides points (`ThirdParty`, `Ignored`, …), that claim is no longer
/// the team's position, so it is withdrawn by writing `Default` — otherwise Microsoft would keep counting points
/// for a third-party tool the team no longer relies on.
pub fn plan(target: WriteBackTarget<'_>, status: Status, settings: &WriteBackSettings) -> WriteBackPlan {
    let wanted = match status {
        Status::ToAddress => Some(GraphControlState::Default),
        Status::ThirdParty => Some(GraphControlState::ThirdParty),
        Status::RiskAccepted => Some(GraphControlState::Ignored),
        Status::AlternateMitigation => Some(match settings.alternate_mitigation_state {
            AlternateMitigationState::Reviewed => GraphControlState::Reviewed,
            AlternateMitigationState::AlternateMitigation => GraphControlState::AlternateMitigation,
        }),
        Status::Planned | Status::InProgress | Status::Completed => match target.last_written {
            Some(state) if state != GraphControlState::Default => Some(GraphControlState::Default),
            _ => None,
        },
    };
    let Some(state) = wanted else { return WriteBackPlan::Nothing };
    match target.control_id {
        _ if target.product != Product::M365 => WriteBackPlan::Skip(NOT_A_SECURE_SCORE_CONTROL),
        None => WriteBackPlan::Skip(NOT_A_SECURE_SCORE_CONTROL),
        Some(id) if id.starts_with("scid_") => WriteBackPlan::Skip(DEVICE_CONTROL_SKIPPED),
        Some(_) => WriteBackPlan::Write(state),
    }
}

pub use super::backoff::{MAX_ATTEMPTS, retry_delay};

/// Whether a failed write is worth trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Throttling, a server error or no answer: try again later.
    Transient,
    /// The request itself is wrong or not allowed (bad state, missing permission, unknown control, refused
    /// credentials): retrying cannot help until a person changes something.
    Permanent,
}

/// Classifies a failure by the HTTP status Graph answered (`None`: no answer at all).
pub fn classify(status: Option<u16>) -> FailureKind {
    match status {
        None | Some(408) | Some(429) => FailureKind::Transient,
        Some(s) if s >= 500 => FailureKind::Transient,
        Some(_) => FailureKind::Permanent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(id: &str) -> WriteBackTarget<'_> {
        WriteBackTarget { product: Product::M365, control_id: Some(id), last_written: None }
    }

    #[test]
    fn each_status_maps_to_its_documented_state() {
        let on = WriteBackSettings { enabled: true, ..Default::default() };
        let t = target("AdminMFAV2");
        assert_eq!(plan(t, Status::ToAddress, &on), WriteBackPlan::Write(GraphControlState::Default));
        assert_eq!(plan(t, Status::ThirdParty, &on), WriteBackPlan::Write(GraphControlState::ThirdParty));
        assert_eq!(plan(t, Status::RiskAccepted, &on), WriteBackPlan::Write(GraphControlState::Ignored));
        assert_eq!(plan(t, Status::AlternateMitigation, &on), WriteBackPlan::Write(GraphControlState::Reviewed));
        for status in [Status::Planned, Status::InProgress, Status::Completed] {
            assert_eq!(plan(t, status, &on), WriteBackPlan::Nothing, "{status:?}");
        }
    }

    #[test]
    fn alternate_mitigation_state_is_configurable() {
        let settings = WriteBackSettings {
            enabled: true,
            alternate_mitigation_state: AlternateMitigationState::AlternateMitigation,
        };
        assert_eq!(
            plan(target("mdo_safelinksforemail"), Status::AlternateMitigation, &settings),
            WriteBackPlan::Write(GraphControlState::AlternateMitigation)
        );
    }

    #[test]
    fn a_state_written_earlier_is_withdrawn_when_the_team_moves_on() {
        let on = WriteBackSettings::default();
        let mut t = target("AdminMFAV2");
        t.last_written = Some(GraphControlState::ThirdParty);
        assert_eq!(plan(t, Status::Planned, &on), WriteBackPlan::Write(GraphControlState::Default));
        assert_eq!(plan(t, Status::Completed, &on), WriteBackPlan::Write(GraphControlState::Default));
        t.last_written = Some(GraphControlState::Default);
        assert_eq!(plan(t, Status::InProgress, &on), WriteBackPlan::Nothing);
    }

    #[test]
    fn device_and_other_product_items_are_skipped_with_a_reason() {
        let on = WriteBackSettings::default();
        assert_eq!(plan(target("scid_2010"), Status::ThirdParty, &on), WriteBackPlan::Skip(DEVICE_CONTROL_SKIPPED));
        let defender =
            WriteBackTarget { product: Product::DefenderCloud, control_id: Some("sub/mfa"), last_written: None };
        assert_eq!(plan(defender, Status::ThirdParty, &on), WriteBackPlan::Skip(NOT_A_SECURE_SCORE_CONTROL));
        let keyless = WriteBackTarget { product: Product::M365, control_id: None, last_written: None };
        assert_eq!(plan(keyless, Status::ToAddress, &on), WriteBackPlan::Skip(NOT_A_SECURE_SCORE_CONTROL));
        // Nothing to write means nothing to skip either.
        assert_eq!(plan(target("scid_2010"), Status::Planned, &on), WriteBackPlan::Nothing);
    }

    #[test]
    fn throttling_and_server_errors_are_retried_request_errors_are_not() {
        for status in [None, Some(408), Some(429), Some(500), Some(503), Some(504)] {
            assert_eq!(classify(status), FailureKind::Transient, "{status:?}");
        }
        for status in [Some(400), Some(401), Some(403), Some(404), Some(409)] {
            assert_eq!(classify(status), FailureKind::Permanent, "{status:?}");
        }
    }

    #[test]
    fn graph_state_names_round_trip() {
        for state in [
            GraphControlState::Default,
            GraphControlState::Ignored,
            GraphControlState::ThirdParty,
            GraphControlState::Reviewed,
            GraphControlState::AlternateMitigation,
        ] {
            assert_eq!(state.as_str().parse::<GraphControlState>(), Ok(state));
        }
        assert!("ignored".parse::<GraphControlState>().is_err());
    }
}
