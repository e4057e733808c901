//! Every illegal step from every state by every role, over HTTP, with the expected answer read from the domain's
//! workflow table and DESIGN.md's order of checks.

use reqwest::StatusCode;

use crate::helpers::json_of;
use crate::register::register;
use scoregrc::domain::register::EntryState;
use scoregrc::domain::register::workflow::{Action, Authority, STEPS, roles_for};
use scoregrc::domain::role::Role;

/// Expected answer to an illegal step, from the workflow table and DESIGN.md's order of checks.
fn expected(action: Action, state: EntryState, role: Role) -> Option<StatusCode> {
    if !roles_for(action).contains(&role) {
        return Some(StatusCode::FORBIDDEN);
    }
    let Some(step) = STEPS.iter().find(|s| s.action == action && s.from == state) else {
        return Some(StatusCode::CONFLICT);
    };
    match step.roles.iter().find(|(r, _)| *r == role) {
        None => Some(StatusCode::FORBIDDEN),
        // Every fixture entry is high impact.
        Some((_, Authority::LowImpactOnly)) => Some(StatusCode::FORBIDDEN),
        Some((_, Authority::Always)) => None,
    }
}

#[tokio::test]
async fn every_illegal_step_from_every_state_by_every_role_is_refused_with_a_reason() {
    let r = register(8, 3).await;
    // One entry per state; the expired one is approved first and left to lapse.
    let expired =
        r.propose(&r.eng.token, &[&r.items[0]], "risk_acceptance", "high").await["id"].as_str().unwrap().to_owned();
    for action in [Action::Submit, Action::Review, Action::Approve] {
        let token = match action {
            Action::Submit => &r.eng.token,
            Action::Review => &r.itm.token,
            _ => &r.ciso.token,
        };
        r.ok(token, &expired, action).await;
    }
    r.app.clock.advance(chrono::TimeDelta::days(365 + 31));
    let mut entries = vec![(EntryState::Expired, expired)];
    let paths: [(EntryState, &[Action]); 6] = [
        (EntryState::Draft, &[]),
        (EntryState::Submitted, &[Action::Submit]),
        (EntryState::Reviewed, &[Action::Submit, Action::Review]),
        (EntryState::Approved, &[Action::Submit, Action::Review, Action::Approve]),
        (EntryState::Rejected, &[Action::Submit, Action::Review, Action::Reject]),
        (EntryState::Revoked, &[Action::Submit, Action::Review, Action::Approve, Action::Revoke]),
    ];
    for (n, (state, path)) in paths.into_iter().enumerate() {
        let entry = r.propose(&r.eng.token, &[&r.items[n + 1]], "risk_acceptance", "high").await;
        let id = entry["id"].as_str().unwrap().to_owned();
        for action in path {
            let token = match action {
                Action::Submit => &r.eng.token,
                Action::Review => &r.itm.token,
                _ => &r.ciso.token,
            };
            r.ok(token, &id, *action).await;
        }
        entries.push((state, id));
    }
    // Callers who are party to nothing, so separation of duties never decides here.
    let mut callers = vec![(Role::Admin, r.app.admin_token.clone()), (Role::Auditor, r.auditor.token.clone())];
    for (role, name) in [(Role::Engineer, "eng-x"), (Role::ItManager, "itm-x"), (Role::Ciso, "ciso-x")] {
        callers.push((role, r.app.member_of(&r.tenant, name, role.as_str()).await.token));
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for (state, id) in &entries {
        assert_eq!(r.entry(id).await["state"], state.as_str().to_owned());
        for action in Action::ALL {
            for (role, token) in &callers {
                // Admins are refused at the door (no register role at all), like any non-operator.
                let want =
                    if *role == Role::Admin { Some(StatusCode::FORBIDDEN) } else { expected(action, *state, *role) };
                let Some(want) = want else { continue };
                let response = r.step(token, id, action).await;
                let status = response.status();
                let detail = json_of(response).await["detail"].as_str().unwrap_or_default().to_owned();
                checked += 1;
                if status != want || detail.is_empty() {
                    failures.push(format!("{action:?} on {state:?} as {role}: {status} (want {want}) {detail}"));
                }
            }
        }
        assert_eq!(r.entry(id).await["state"], state.as_str().to_owned(), "no refused step moved it");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 200, "only {checked} illegal steps checked");
}
