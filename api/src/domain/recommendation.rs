//! Recommendations: identity, the team's status, and the rules by which an import may change that status
//! (DESIGN.md, "Status: who owns what").

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::ValidationError;

/// Which score an item belongs to. The two never mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    /// Microsoft Secure Score (Graph, the portal CSV or an xlsx), keyed by control id.
    M365,
    /// Microsoft Defender for Cloud, keyed `{subscription_id}/{control_name}`.
    DefenderCloud,
}

/// The channel an item arrived through: history, not identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Graph,
    Csv,
    Xlsx,
    Defender,
}

/// The team's status of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    ToAddress,
    Planned,
    InProgress,
    RiskAccepted,
    ThirdParty,
    AlternateMitigation,
    Completed,
}

/// Microsoft's own view of an item: the newest `controlStateUpdates` state, or the portal export's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MicrosoftState {
    /// `Default` / "To address", or no state at all.
    Default,
    /// `Ignored` / "Risk accepted": an acceptance made in Microsoft's portal, outside the register.
    RiskAccepted,
    ThirdParty,
    AlternateMitigation,
    Planned,
    /// The portal export said "Completed".
    Completed,
    /// `Reviewed`, or a state this version does not know.
    Other,
}

macro_rules! wire_names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    other => Err(ValidationError::field(
                        stringify!($ty).to_lowercase(),
                        format!("`{other}` is not one of {}", [$($name),+].join(", ")),
                    )),
                }
            }
        }
    };
}

wire_names!(Product { M365 => "m365", DefenderCloud => "defender_cloud" });
wire_names!(Channel { Graph => "graph", Csv => "csv", Xlsx => "xlsx", Defender => "defender" });
wire_names!(Status {
    ToAddress => "to_address",
    Planned => "planned",
    InProgress => "in_progress",
    RiskAccepted => "risk_accepted",
    ThirdParty => "third_party",
    AlternateMitigation => "alternate_mitigation",
    Completed => "completed",
});

impl Status {
    /// Every status, in the order a team works through them.
    pub const ALL: [Status; 7] = [
        Status::ToAddress,
        Status::Planned,
        Status::InProgress,
        Status::Completed,
        Status::RiskAccepted,
        Status::ThirdParty,
        Status::AlternateMitigation,
    ];

    /// The words a person reads (Microsoft's portal wording).
    pub fn label(self) -> &'static str {
        match self {
            Status::ToAddress => "To address",
            Status::Planned => "Planned",
            Status::InProgress => "In progress",
            Status::RiskAccepted => "Risk accepted",
            Status::ThirdParty => "Resolved through third party",
            Status::AlternateMitigation => "Resolved through alternate mitigation",
            Status::Completed => "Completed",
        }
    }

    /// Statuses a person chose that an import never overwrites with a completion.
    fn keeps_its_own_points(self) -> bool {
        matches!(self, Status::ThirdParty | Status::AlternateMitigation | Status::RiskAccepted)
    }
}

/// Whether `achieved` of `max` is every point (and there are points to have).
pub fn fully_achieved(achieved: Option<f64>, max: f64) -> bool {
    max > 0.0 && achieved.is_some_and(|a| a + 1e-9 >= max)
}

/// Why an import changed a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusReason {
    /// A new item takes Microsoft's state.
    NewItem,
    /// Microsoft reports every point achieved.
    ConfirmedByMicrosoft,
    /// Every point was achieved on the previous import and is not any more.
    Regression,
}

/// What the previous import and the team left on an item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Previous {
    pub status: Status,
    pub status_confirmed: bool,
    pub achieved: Option<f64>,
    pub max: f64,
    pub regressed: bool,
}

/// What this import observed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    pub achieved: Option<f64>,
    pub max: f64,
    pub ms_state: MicrosoftState,
}

/// The status fields after an import, and why the status changed (if it did).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub status_confirmed: bool,
    /// Microsoft says "risk accepted" but no approved register entry covers it.
    pub unmanaged_acceptance: bool,
    pub regressed: bool,
    /// This import found the regression (the item was at max last time).
    pub newly_regressed: bool,
    pub changed_because: Option<StatusReason>,
}

/// The status of an item seen for the first time.
pub fn status_of_new_item(observed: Observed) -> Outcome {
    let mapped = match observed.ms_state {
        MicrosoftState::ThirdParty => Status::ThirdParty,
        MicrosoftState::AlternateMitigation => Status::AlternateMitigation,
        MicrosoftState::Planned => Status::Planned,
        MicrosoftState::Default | MicrosoftState::RiskAccepted | MicrosoftState::Completed | MicrosoftState::Other => {
            Status::ToAddress
        }
    };
    let complete = fully_achieved(observed.achieved, observed.max) && !mapped.keeps_its_own_points();
    let status = if complete { Status::Completed } else { mapped };
    Outcome {
        status,
        status_confirmed: complete,
        unmanaged_acceptance: observed.ms_state == MicrosoftState::RiskAccepted && !complete,
        regressed: false,
        newly_regressed: false,
        changed_because: Some(StatusReason::NewItem),
    }
}

/// The status of a known item after a re-import. An import never overwrites a person's `planned`,
/// `in_progress`, `third_party` or `alternate_mitigation`, and reaches `risk_accepted` only through the register.
pub fn status_after_reimport(previous: Previous, observed: Observed) -> Outcome {
    let was_full = fully_achieved(previous.achieved, previous.max);
    let is_full = fully_achieved(observed.achieved, observed.max);
    let unmanaged = observed.ms_state == MicrosoftState::RiskAccepted && previous.status != Status::RiskAccepted;
    let mut outcome = Outcome {
        status: previous.status,
        status_confirmed: previous.status_confirmed,
        unmanaged_acceptance: unmanaged,
        regressed: previous.regressed && !is_full,
        newly_regressed: false,
        changed_because: None,
    };
    // A person's `completed` that Microsoft has not confirmed yet is pending confirmation, never a regression:
    // only an item that was at max on the previous import can regress.
    if was_full && !is_full && observed.achieved.is_some() {
        outcome.regressed = true;
        outcome.newly_regressed = true;
        // A decision held in the register (acceptance, third party, alternate mitigation) stays in force; the
        // register flags it for re-review instead.
        if !previous.status.keeps_its_own_points() {
            outcome.status = Status::ToAddress;
            outcome.status_confirmed = false;
        }
    } else if is_full && !previous.status.keeps_its_own_points() {
        outcome.status = Status::Completed;
        outcome.status_confirmed = true;
    }
    if outcome.status != previous.status || outcome.status_confirmed != previous.status_confirmed {
        outcome.changed_because =
            Some(if outcome.newly_regressed { StatusReason::Regression } else { StatusReason::ConfirmedByMicrosoft });
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(achieved: Option<f64>, max: f64, ms_state: MicrosoftState) -> Observed {
        Observed { achieved, max, ms_state }
    }

    fn previous(status: Status, achieved: Option<f64>, max: f64) -> Previous {
        Previous { status, status_confirmed: status == Status::Completed, achieved, max, regressed: false }
    }

    #[test]
    fn wire_names_round_trip() {
        for status in [Status::ToAddress, Status::InProgress, Status::AlternateMitigation, Status::Completed] {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
        }
        assert_eq!("defender_cloud".parse::<Product>(), Ok(Product::DefenderCloud));
        assert!("done".parse::<Status>().is_err());
    }

    #[test]
    fn a_new_item_at_max_is_completed_and_confirmed() {
        let outcome = status_of_new_item(observed(Some(10.0), 10.0, MicrosoftState::Default));
        assert_eq!((outcome.status, outcome.status_confirmed), (Status::Completed, true));
    }

    #[test]
    fn a_new_item_takes_microsofts_state() {
        assert_eq!(status_of_new_item(observed(Some(0.0), 5.0, MicrosoftState::Default)).status, Status::ToAddress);
        assert_eq!(status_of_new_item(observed(Some(0.0), 5.0, MicrosoftState::Planned)).status, Status::Planned);
        assert_eq!(status_of_new_item(observed(Some(5.0), 5.0, MicrosoftState::ThirdParty)).status, Status::ThirdParty);
        let alt = status_of_new_item(observed(Some(5.0), 5.0, MicrosoftState::AlternateMitigation));
        assert_eq!((alt.status, alt.status_confirmed), (Status::AlternateMitigation, false));
    }

    #[test]
    fn microsofts_risk_accepted_becomes_to_address_flagged_unmanaged() {
        let outcome = status_of_new_item(observed(Some(0.0), 8.0, MicrosoftState::RiskAccepted));
        assert_eq!(outcome.status, Status::ToAddress);
        assert!(outcome.unmanaged_acceptance);
    }

    #[test]
    fn not_applicable_items_are_never_complete() {
        let outcome = status_of_new_item(observed(None, 5.0, MicrosoftState::Default));
        assert_eq!(outcome.status, Status::ToAddress);
        assert!(!fully_achieved(Some(0.0), 0.0), "a zero-point item has nothing to complete");
    }

    #[test]
    fn an_item_at_max_last_time_and_below_now_regresses_to_to_address() {
        let before = previous(Status::Completed, Some(9.0), 9.0);
        let outcome = status_after_reimport(before, observed(Some(4.5), 9.0, MicrosoftState::Default));
        assert!(outcome.regressed && outcome.newly_regressed);
        assert_eq!(outcome.status, Status::ToAddress);
        assert_eq!(outcome.changed_because, Some(StatusReason::Regression));
    }

    #[test]
    fn a_regression_of_an_approved_acceptance_keeps_the_status() {
        let before = previous(Status::RiskAccepted, Some(3.0), 3.0);
        let outcome = status_after_reimport(before, observed(Some(0.0), 3.0, MicrosoftState::Default));
        assert!(outcome.newly_regressed);
        assert_eq!(outcome.status, Status::RiskAccepted);
    }

    #[test]
    fn a_persons_unconfirmed_completion_is_pending_not_regressed() {
        let before = Previous {
            status: Status::Completed,
            status_confirmed: false,
            achieved: Some(0.0),
            max: 5.0,
            regressed: false,
        };
        let outcome = status_after_reimport(before, observed(Some(0.0), 5.0, MicrosoftState::Default));
        assert_eq!((outcome.status, outcome.status_confirmed, outcome.regressed), (Status::Completed, false, false));
        assert_eq!(outcome.changed_because, None);
        let confirmed = status_after_reimport(before, observed(Some(5.0), 5.0, MicrosoftState::Default));
        assert_eq!((confirmed.status, confirmed.status_confirmed), (Status::Completed, true));
        assert_eq!(confirmed.changed_because, Some(StatusReason::ConfirmedByMicrosoft));
    }

    #[test]
    fn reaching_max_completes_unless_the_team_chose_third_party_alternate_or_acceptance() {
        for kept in [Status::ThirdParty, Status::AlternateMitigation, Status::RiskAccepted] {
            let outcome = status_after_reimport(
                previous(kept, Some(0.0), 5.0),
                observed(Some(5.0), 5.0, MicrosoftState::Default),
            );
            assert_eq!(outcome.status, kept);
        }
        for moved in [Status::ToAddress, Status::Planned, Status::InProgress] {
            let outcome = status_after_reimport(
                previous(moved, Some(0.0), 5.0),
                observed(Some(5.0), 5.0, MicrosoftState::Default),
            );
            assert_eq!(outcome.status, Status::Completed);
        }
    }

    #[test]
    fn an_import_never_overwrites_a_persons_planned_or_in_progress() {
        for kept in [Status::Planned, Status::InProgress, Status::ThirdParty, Status::AlternateMitigation] {
            let outcome = status_after_reimport(
                previous(kept, Some(1.0), 5.0),
                observed(Some(2.0), 5.0, MicrosoftState::Default),
            );
            assert_eq!(outcome.status, kept);
            assert_eq!(outcome.changed_because, None);
        }
    }

    #[test]
    fn the_regressed_flag_stays_until_the_item_is_back_at_max() {
        let mut before = previous(Status::ToAddress, Some(4.0), 9.0);
        before.regressed = true;
        let still = status_after_reimport(before, observed(Some(5.0), 9.0, MicrosoftState::Default));
        assert!(still.regressed && !still.newly_regressed);
        let back = status_after_reimport(before, observed(Some(9.0), 9.0, MicrosoftState::Default));
        assert!(!back.regressed);
        assert_eq!(back.status, Status::Completed);
    }

    #[test]
    fn an_unchanged_item_changes_nothing() {
        let before = previous(Status::ToAddress, Some(2.0), 5.0);
        let outcome = status_after_reimport(before, observed(Some(2.0), 5.0, MicrosoftState::Default));
        assert_eq!(outcome.status, Status::ToAddress);
        assert_eq!(outcome.changed_because, None);
        assert!(!outcome.unmanaged_acceptance);
    }
}
