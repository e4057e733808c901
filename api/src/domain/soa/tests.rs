use super::*;
use crate::domain::coverage::control_coverage;

fn item(status: Status) -> CoveredItem {
    CoveredItem { status, status_confirmed: status == Status::Completed, scored: true }
}

fn unscored(status: Status) -> CoveredItem {
    CoveredItem { status, status_confirmed: false, scored: false }
}

fn assessed(items: &[CoveredItem], statement: &Statement<'_>) -> Assessment {
    assess(&control_coverage(items), items, statement)
}

fn attested<'a>(implementation: Implementation, why: Option<&'a str>) -> Statement<'a> {
    Statement { implementation: Some(implementation), implementation_justification: why, ..Statement::UNSTATED }
}

fn not_applicable(why: Option<&str>) -> Statement<'_> {
    Statement { applicable: false, applicability_justification: why, ..Statement::UNSTATED }
}

#[test]
fn a_covered_control_is_implemented_by_computation() {
    let a = assessed(&[item(Status::Completed), item(Status::ThirdParty)], &Statement::UNSTATED);
    assert_eq!(
        a,
        Assessment {
            implementation: Some(Implementation::Implemented),
            basis: Basis::Computed,
            computation: "2 of 2 mapped recommendations resolved".to_owned(),
        }
    );
}

#[test]
fn a_partial_control_is_partially_implemented_and_says_what_is_on_the_roadmap() {
    let items = [item(Status::Completed), item(Status::Completed), item(Status::Completed), item(Status::InProgress)];
    let a = assessed(&items, &Statement::UNSTATED);
    assert_eq!(a.implementation, Some(Implementation::PartiallyImplemented));
    assert_eq!(a.computation, "3 of 4 mapped recommendations resolved; 1 in progress on the roadmap");
}

#[test]
fn a_gap_with_planned_or_in_progress_work_is_planned() {
    for status in [Status::Planned, Status::InProgress] {
        let a = assessed(&[item(status), item(Status::ToAddress)], &Statement::UNSTATED);
        assert_eq!((a.implementation, a.basis), (Some(Implementation::Planned), Basis::Computed));
    }
    let a = assessed(&[item(Status::Planned), item(Status::InProgress), item(Status::Planned)], &Statement::UNSTATED);
    assert_eq!(a.computation, "0 of 3 mapped recommendations resolved; 2 planned and 1 in progress on the roadmap");
}

#[test]
fn a_gap_with_nothing_scheduled_is_not_implemented_and_risk_acceptance_is_counted_apart() {
    let a = assessed(&[item(Status::ToAddress), item(Status::RiskAccepted)], &Statement::UNSTATED);
    assert_eq!(a.implementation, Some(Implementation::NotImplemented));
    assert_eq!(a.computation, "0 of 2 mapped recommendations resolved; 1 risk accepted (counted apart)");
    let one = assessed(&[item(Status::ToAddress)], &Statement::UNSTATED);
    assert_eq!(one.computation, "0 of 1 mapped recommendation resolved");
}

#[test]
fn an_unscored_planned_item_neither_counts_nor_schedules() {
    let a = assessed(&[item(Status::ToAddress), unscored(Status::Planned)], &Statement::UNSTATED);
    assert_eq!(a.implementation, Some(Implementation::NotImplemented));
    assert_eq!(a.computation, "0 of 1 mapped recommendation resolved");
}

#[test]
fn an_unconfirmed_completion_is_not_yet_resolved() {
    let pending = CoveredItem { status: Status::Completed, status_confirmed: false, scored: true };
    assert_eq!(assessed(&[pending], &Statement::UNSTATED).implementation, Some(Implementation::NotImplemented));
}

#[test]
fn an_attestation_overrides_the_computation_only_with_a_justification() {
    let items = [item(Status::ToAddress)];
    let without = assessed(&items, &attested(Implementation::Implemented, None));
    assert_eq!((without.implementation, without.basis), (Some(Implementation::NotImplemented), Basis::Computed));
    let blank = assessed(&items, &attested(Implementation::Implemented, Some("   ")));
    assert_eq!(blank.basis, Basis::Computed);
    let with = assessed(&items, &attested(Implementation::Implemented, Some("third-party IdP")));
    assert_eq!((with.implementation, with.basis), (Some(Implementation::Implemented), Basis::Attested));
    assert_eq!(
        with.computation,
        "Attested over the computed not implemented (0 of 1 mapped recommendation resolved): third-party IdP"
    );
}

#[test]
fn without_technical_mappings_the_attested_value_counts_else_not_assessed() {
    let none = assessed(&[], &Statement::UNSTATED);
    assert_eq!(
        none,
        Assessment {
            implementation: None,
            basis: Basis::NotAssessed,
            computation: "No technical mapping; not attested yet".to_owned()
        }
    );
    let bare = assessed(&[], &attested(Implementation::Planned, None));
    assert_eq!((bare.implementation, bare.basis), (Some(Implementation::Planned), Basis::Attested));
    assert_eq!(bare.computation, "No technical mapping; attested");
    let why = assessed(&[unscored(Status::Completed)], &attested(Implementation::Implemented, Some("policy signed")));
    assert_eq!(why.computation, "No technical mapping; attested: policy signed");
}

#[test]
fn a_control_that_does_not_apply_has_no_implementation_and_shows_why() {
    let a = assessed(&[item(Status::Completed)], &not_applicable(Some(" no physical offices ")));
    assert_eq!(
        a,
        Assessment {
            implementation: None,
            basis: Basis::Attested,
            computation: "Not applicable: no physical offices".to_owned()
        }
    );
}

#[test]
fn not_applicable_needs_a_justification_and_no_implementation() {
    let fields = |r: Result<(), ValidationError>| -> Vec<String> {
        r.err().map(|e| e.errors.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    };
    assert_eq!(fields(check(&not_applicable(None), None)), ["applicability_justification"]);
    assert_eq!(fields(check(&not_applicable(Some(" ")), None)), ["applicability_justification"]);
    assert!(check(&not_applicable(Some("no offices")), None).is_ok());
    let both = Statement { implementation: Some(Implementation::Planned), ..not_applicable(None) };
    assert_eq!(fields(check(&both, None)), ["applicability_justification", "implementation"]);
}

#[test]
fn an_override_of_a_computed_value_needs_a_justification_and_an_unmapped_attestation_does_not() {
    let fields = |r: Result<(), ValidationError>| -> Vec<String> {
        r.err().map(|e| e.errors.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    };
    let bare = attested(Implementation::Implemented, None);
    assert_eq!(fields(check(&bare, Some(Implementation::Planned))), ["implementation_justification"]);
    assert!(check(&bare, None).is_ok());
    assert!(check(&attested(Implementation::Implemented, Some("why")), Some(Implementation::Planned)).is_ok());
    let justified_applicability =
        Statement { applicability_justification: Some("risk treatment: R-12"), ..Statement::UNSTATED };
    assert!(check(&justified_applicability, Some(Implementation::Planned)).is_ok());
    let long = "x".repeat(MAX_JUSTIFICATION + 1);
    assert_eq!(fields(check(&attested(Implementation::Planned, Some(&long)), None)), ["implementation_justification"]);
}

#[test]
fn implementation_names_round_trip_and_unknown_ones_name_the_field() {
    for value in Implementation::ALL {
        assert_eq!(value.as_str().parse::<Implementation>(), Ok(value));
    }
    let err = "done".parse::<Implementation>().unwrap_err();
    assert_eq!(err.errors[0].field, "implementation");
}

#[test]
fn the_summary_counts_applicability_implementation_and_basis() {
    let rows = [
        (true, assessed(&[item(Status::Completed)], &Statement::UNSTATED)),
        (true, assessed(&[item(Status::Planned)], &Statement::UNSTATED)),
        (true, assessed(&[], &Statement::UNSTATED)),
        (true, assessed(&[], &attested(Implementation::PartiallyImplemented, None))),
        (false, assessed(&[], &not_applicable(Some("none")))),
    ];
    let summary = summarise(rows.iter().map(|(applicable, a)| (*applicable, a)));
    assert_eq!(
        summary,
        SoaSummary {
            controls: 5,
            applicable: 4,
            not_applicable: 1,
            implemented: 1,
            partially_implemented: 1,
            planned: 1,
            not_implemented: 0,
            not_assessed: 1,
            computed: 2,
            attested: 2,
        }
    );
}
