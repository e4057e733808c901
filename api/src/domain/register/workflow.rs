//! The approval workflow as data: which action moves an entry from which state to which, who may take it, and
//! whom the actor must not be. [`check`] judges one attempt against [`STEPS`]; the HTTP tests walk the same table.
//!
//! Order of the checks, following DESIGN.md's 403 → 409: a role that can never take the action is refused (403);
//! then an action the entry's state does not allow (409); then a role the step from this state does not name, or
//! an IT manager's step on an entry that is not low impact (403, with the condition that failed); last,
//! separation of duties (409, whatever the role).

use serde::{Deserialize, Serialize};

use super::EntryState;
use crate::domain::role::Role;

/// A step a person takes on an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Edit a draft.
    Update,
    Submit,
    /// The IT manager adds business context.
    Review,
    /// Back to draft, with a reason.
    Return,
    Approve,
    Reject,
    Revoke,
    /// Start a new review period at review time.
    Renew,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 8] = [
        Action::Update,
        Action::Submit,
        Action::Review,
        Action::Return,
        Action::Approve,
        Action::Reject,
        Action::Revoke,
        Action::Renew,
    ];

    /// The wire name (also the last path segment of the step's endpoint).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Update => "update",
            Action::Submit => "submit",
            Action::Review => "review",
            Action::Return => "return",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Revoke => "revoke",
            Action::Renew => "renew",
        }
    }
}

/// How far a role's say in a step goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    Always,
    /// Only for an entry that is low impact (residual risk low, points at stake within the tenant's limit).
    LowImpactOnly,
}

/// Someone already involved in an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Proposer,
    Reviewer,
}

/// One row of the workflow.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub action: Action,
    pub from: EntryState,
    pub to: EntryState,
    pub roles: &'static [(Role, Authority)],
    /// The actor must not be any of these.
    pub separate_from: &'static [Party],
}

const OPERATORS: &[(Role, Authority)] =
    &[(Role::Engineer, Authority::Always), (Role::ItManager, Authority::Always), (Role::Ciso, Authority::Always)];
const IT_MANAGER: &[(Role, Authority)] = &[(Role::ItManager, Authority::Always)];
const DECIDERS: &[(Role, Authority)] = &[(Role::Ciso, Authority::Always), (Role::ItManager, Authority::LowImpactOnly)];
const INDEPENDENT: &[Party] = &[Party::Proposer, Party::Reviewer];

/// The whole workflow (DESIGN.md, "Roles" and "Risk-acceptance register"). A refused renewal is a revocation.
pub const STEPS: &[Step] = &[
    Step {
        action: Action::Update,
        from: EntryState::Draft,
        to: EntryState::Draft,
        roles: OPERATORS,
        separate_from: &[],
    },
    Step {
        action: Action::Submit,
        from: EntryState::Draft,
        to: EntryState::Submitted,
        roles: OPERATORS,
        separate_from: &[],
    },
    Step {
        action: Action::Review,
        from: EntryState::Submitted,
        to: EntryState::Reviewed,
        roles: IT_MANAGER,
        separate_from: &[Party::Proposer],
    },
    Step {
        action: Action::Return,
        from: EntryState::Submitted,
        to: EntryState::Draft,
        roles: IT_MANAGER,
        separate_from: &[],
    },
    Step {
        action: Action::Return,
        from: EntryState::Reviewed,
        to: EntryState::Draft,
        roles: DECIDERS,
        separate_from: &[],
    },
    Step {
        action: Action::Approve,
        from: EntryState::Reviewed,
        to: EntryState::Approved,
        roles: DECIDERS,
        separate_from: INDEPENDENT,
    },
    Step {
        action: Action::Reject,
        from: EntryState::Reviewed,
        to: EntryState::Rejected,
        roles: DECIDERS,
        separate_from: INDEPENDENT,
    },
    Step {
        action: Action::Revoke,
        from: EntryState::Approved,
        to: EntryState::Revoked,
        roles: DECIDERS,
        separate_from: &[],
    },
    Step {
        action: Action::Revoke,
        from: EntryState::Expired,
        to: EntryState::Revoked,
        roles: DECIDERS,
        separate_from: &[],
    },
    Step {
        action: Action::Renew,
        from: EntryState::Approved,
        to: EntryState::Approved,
        roles: DECIDERS,
        separate_from: INDEPENDENT,
    },
];

/// Why an attempt is refused, and how the API answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 403: the role (or, for an IT manager, the entry's impact) does not allow it.
    Forbidden(String),
    /// 409: the entry's state does not allow it, or the actor is already a party to the entry.
    Conflict(String),
}

/// One attempt to take a step.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub action: Action,
    /// The entry's effective state (expiry already applied).
    pub state: EntryState,
    pub role: Role,
    pub actor: &'a str,
    pub proposer: &'a str,
    pub reviewer: Option<&'a str>,
    /// Whether the entry is low impact, with the failed condition when it is not.
    pub low_impact: Result<(), String>,
}

fn names(roles: impl Iterator<Item = Role>) -> String {
    let mut list: Vec<&str> = roles.map(Role::as_str).collect();
    list.dedup();
    list.join(", ")
}

/// Every role that can take `action` from some state, in `Role::ALL` order.
pub fn roles_for(action: Action) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|role| STEPS.iter().any(|s| s.action == action && s.roles.iter().any(|(r, _)| r == role)))
        .collect()
}

/// Every step judged for one person on one entry, as `attempt` describes them (its `action` is ignored): what the
/// UI offers, so a button the server would refuse is never shown.
pub fn options(attempt: &Attempt<'_>) -> Vec<(Action, Result<EntryState, Refusal>)> {
    Action::ALL.into_iter().map(|action| (action, check(&Attempt { action, ..attempt.clone() }))).collect()
}

/// Judges an attempt; answers the state the entry moves to.
pub fn check(attempt: &Attempt<'_>) -> Result<EntryState, Refusal> {
    let action = attempt.action.as_str();
    let rows: Vec<&Step> = STEPS.iter().filter(|s| s.action == attempt.action).collect();
    let can_ever = roles_for(attempt.action);
    if !can_ever.contains(&attempt.role) {
        let allowed = names(can_ever.into_iter());
        return Err(Refusal::Forbidden(format!("`{action}` is for {allowed}, not {}", attempt.role)));
    }
    let Some(step) = rows.iter().find(|s| s.from == attempt.state) else {
        let from = names_of_states(rows.iter().map(|s| s.from));
        return Err(Refusal::Conflict(format!(
            "an entry in state `{}` cannot take `{action}`; `{action}` applies to {from} entries",
            attempt.state.as_str()
        )));
    };
    let Some((_, authority)) = step.roles.iter().find(|(r, _)| *r == attempt.role) else {
        let allowed = names(step.roles.iter().map(|(r, _)| *r));
        return Err(Refusal::Forbidden(format!(
            "`{action}` on a {} entry is for {allowed}, not {}",
            attempt.state.as_str(),
            attempt.role
        )));
    };
    if *authority == Authority::LowImpactOnly
        && let Err(why) = &attempt.low_impact
    {
        return Err(Refusal::Forbidden(format!(
            "an IT manager may `{action}` only low-impact entries, and this one is not: {why}"
        )));
    }
    for party in step.separate_from {
        let (who, name) = match party {
            Party::Proposer => (Some(attempt.proposer), "proposed"),
            Party::Reviewer => (attempt.reviewer, "reviewed"),
        };
        if who == Some(attempt.actor) {
            return Err(Refusal::Conflict(format!(
                "separation of duties: you {name} this entry, so someone else must {action} it"
            )));
        }
    }
    Ok(step.to)
}

fn names_of_states(states: impl Iterator<Item = EntryState>) -> String {
    let mut list: Vec<&str> = states.map(EntryState::as_str).collect();
    list.dedup();
    list.join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(action: Action, state: EntryState, role: Role, actor: &'static str) -> Attempt<'static> {
        Attempt { action, state, role, actor, proposer: "eng", reviewer: Some("itm"), low_impact: Ok(()) }
    }

    #[test]
    fn the_happy_path_takes_three_people() {
        assert_eq!(
            check(&attempt(Action::Submit, EntryState::Draft, Role::Engineer, "eng")),
            Ok(EntryState::Submitted)
        );
        assert_eq!(
            check(&attempt(Action::Review, EntryState::Submitted, Role::ItManager, "itm")),
            Ok(EntryState::Reviewed)
        );
        assert_eq!(
            check(&attempt(Action::Approve, EntryState::Reviewed, Role::Ciso, "ciso")),
            Ok(EntryState::Approved)
        );
        assert_eq!(check(&attempt(Action::Renew, EntryState::Approved, Role::Ciso, "ciso")), Ok(EntryState::Approved));
        assert_eq!(check(&attempt(Action::Revoke, EntryState::Approved, Role::Ciso, "eng")), Ok(EntryState::Revoked));
    }

    #[test]
    fn every_state_role_and_action_gets_an_answer_that_follows_the_table() {
        // Walks every combination: an allowed one moves to the row's target; every other one is refused with a
        // reason, never a panic or a silent success.
        for action in Action::ALL {
            for state in EntryState::ALL {
                for role in Role::ALL {
                    let row = STEPS.iter().find(|s| s.action == action && s.from == state);
                    let result = check(&attempt(action, state, role, "someone-else"));
                    match (row, row.and_then(|r| r.roles.iter().find(|(r, _)| *r == role))) {
                        (Some(row), Some(_)) => assert_eq!(result, Ok(row.to), "{action:?} {state:?} {role:?}"),
                        _ => assert!(result.is_err(), "{action:?} {state:?} {role:?} should be refused"),
                    }
                }
            }
        }
    }

    #[test]
    fn the_roles_of_each_action_follow_design_md() {
        assert_eq!(roles_for(Action::Submit), [Role::Ciso, Role::ItManager, Role::Engineer]);
        assert_eq!(roles_for(Action::Review), [Role::ItManager]);
        assert_eq!(roles_for(Action::Return), [Role::Ciso, Role::ItManager]);
        for action in [Action::Approve, Action::Reject, Action::Revoke, Action::Renew] {
            assert_eq!(roles_for(action), [Role::Ciso, Role::ItManager], "{action:?}");
        }
    }

    #[test]
    fn auditors_and_admins_take_no_step() {
        for action in Action::ALL {
            for role in [Role::Auditor, Role::Admin] {
                let refused = check(&attempt(action, EntryState::Reviewed, role, "x"));
                assert!(matches!(refused, Err(Refusal::Forbidden(_))), "{action:?} {role:?}");
            }
        }
    }

    #[test]
    fn a_wrong_state_is_a_conflict_and_says_which_states_fit() {
        let refused = check(&attempt(Action::Approve, EntryState::Draft, Role::Ciso, "ciso"));
        assert_eq!(
            refused,
            Err(Refusal::Conflict(
                "an entry in state `draft` cannot take `approve`; `approve` applies to reviewed entries".into()
            ))
        );
        let rejected_is_final = check(&attempt(Action::Submit, EntryState::Rejected, Role::Engineer, "eng"));
        assert!(matches!(rejected_is_final, Err(Refusal::Conflict(_))));
    }

    #[test]
    fn nobody_reviews_or_approves_their_own_proposal_whatever_their_role() {
        let own_review = check(&attempt(Action::Review, EntryState::Submitted, Role::ItManager, "eng"));
        assert!(matches!(own_review, Err(Refusal::Conflict(ref why)) if why.contains("you proposed")));
        let mut ciso_proposed = attempt(Action::Approve, EntryState::Reviewed, Role::Ciso, "ciso");
        ciso_proposed.proposer = "ciso";
        assert!(
            matches!(check(&ciso_proposed), Err(Refusal::Conflict(ref why)) if why.contains("separation of duties"))
        );
        let reviewer_approves = check(&attempt(Action::Approve, EntryState::Reviewed, Role::ItManager, "itm"));
        assert!(matches!(reviewer_approves, Err(Refusal::Conflict(ref why)) if why.contains("you reviewed")));
    }

    #[test]
    fn an_it_manager_decides_only_low_impact_entries_and_hears_why_not() {
        let mut high = attempt(Action::Approve, EntryState::Reviewed, Role::ItManager, "other-itm");
        assert_eq!(check(&high), Ok(EntryState::Approved));
        high.low_impact = Err("residual risk is medium, not low".into());
        assert!(matches!(check(&high), Err(Refusal::Forbidden(ref why)) if why.contains("residual risk is medium")));
        // The CISO is not bound by it.
        let mut ciso = attempt(Action::Approve, EntryState::Reviewed, Role::Ciso, "ciso");
        ciso.low_impact = Err("residual risk is high, not low".into());
        assert_eq!(check(&ciso), Ok(EntryState::Approved));
    }

    #[test]
    fn returning_follows_the_state_a_submitted_entry_by_the_it_manager_a_reviewed_one_by_the_ciso() {
        assert_eq!(
            check(&attempt(Action::Return, EntryState::Submitted, Role::ItManager, "itm")),
            Ok(EntryState::Draft)
        );
        assert!(matches!(
            check(&attempt(Action::Return, EntryState::Submitted, Role::Ciso, "ciso")),
            Err(Refusal::Forbidden(_))
        ));
        assert_eq!(check(&attempt(Action::Return, EntryState::Reviewed, Role::Ciso, "ciso")), Ok(EntryState::Draft));
        assert!(matches!(
            check(&attempt(Action::Return, EntryState::Reviewed, Role::Engineer, "eng")),
            Err(Refusal::Forbidden(_))
        ));
    }

    #[test]
    fn options_offer_exactly_the_steps_check_accepts() {
        let allowed = |a: Attempt<'static>| -> Vec<Action> {
            options(&a).into_iter().filter(|(_, r)| r.is_ok()).map(|(action, _)| action).collect()
        };
        assert_eq!(
            allowed(attempt(Action::Update, EntryState::Reviewed, Role::Ciso, "ciso")),
            [Action::Return, Action::Approve, Action::Reject]
        );
        // The reviewer may not also approve, and an engineer never approves.
        assert!(
            !allowed(attempt(Action::Update, EntryState::Reviewed, Role::ItManager, "itm")).contains(&Action::Approve)
        );
        assert!(allowed(attempt(Action::Update, EntryState::Reviewed, Role::Engineer, "eng2")).is_empty());
        assert_eq!(
            allowed(attempt(Action::Update, EntryState::Submitted, Role::ItManager, "itm2")),
            [Action::Review, Action::Return]
        );
    }
}
