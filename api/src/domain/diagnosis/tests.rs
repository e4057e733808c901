use super::*;
use chrono::TimeZone;

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
}

/// An M365 item with 2 of 8 points, imported and synced an hour before "now" (23 Nov, 09:00).
fn item() -> ItemFacts<'static> {
    ItemFacts {
        product: Product::M365,
        control_key: Some("AdminMFAV2"),
        status: Status::ToAddress,
        status_confirmed: false,
        unmanaged_acceptance: false,
        ms_state: Some("Default"),
        achieved: Some(2.0),
        max: 8.0,
        deprecated: false,
        licensed: Some(true),
        removed_at: None,
        healthy_count: None,
        unhealthy_count: None,
        not_applicable_count: None,
        last_synced: Some(at(23, 8)),
        last_seen: at(23, 8),
        marked_done_at: None,
        register_reference: None,
    }
}

fn ctx() -> Context<'static> {
    Context { now: at(23, 9), defender_subscriptions: None }
}

fn class(item: &ItemFacts<'_>) -> Option<DiagnosisClass> {
    diagnose(item, &ctx()).map(|d| d.class)
}

#[test]
fn a_fully_achieved_item_has_no_diagnosis() {
    let done = ItemFacts { achieved: Some(8.0), status: Status::Completed, status_confirmed: true, ..item() };
    assert_eq!(diagnose(&done, &ctx()), None);
    let third_party_with_points = ItemFacts { achieved: Some(8.0), status: Status::ThirdParty, ..item() };
    assert_eq!(class(&third_party_with_points), None, "counted in full: nothing holds the score back");
}

#[test]
fn points_still_available_are_partial_remediation_with_the_points() {
    let d = diagnose(&item(), &ctx()).unwrap();
    assert_eq!(d.class, DiagnosisClass::PartialRemediation);
    assert_eq!(d.evidence, ["2 of 8 points achieved; 6 still available"]);
}

#[test]
fn a_defender_control_shows_its_unhealthy_resource_count() {
    let control = ItemFacts {
        product: Product::DefenderCloud,
        control_key: Some("sub-a/enableMFA"),
        healthy_count: Some(15),
        unhealthy_count: Some(5),
        not_applicable_count: Some(2),
        achieved: Some(7.5),
        max: 10.0,
        ..item()
    };
    let d = diagnose(&control, &ctx()).unwrap();
    assert_eq!(d.class, DiagnosisClass::PartialRemediation);
    assert!(d.evidence[1].starts_with("5 of 20 resources unhealthy (15 healthy, 2 not applicable)"), "{d:?}");
}

#[test]
fn a_completion_marked_shortly_before_the_last_sync_is_pending_refresh() {
    let pending = ItemFacts { status: Status::Completed, marked_done_at: Some(at(22, 9)), ..item() };
    let d = diagnose(&pending, &ctx()).unwrap();
    assert_eq!(d.class, DiagnosisClass::PendingRefresh);
    assert_eq!(
        d.evidence[0],
        "marked completed 2026-11-22 09:00 UTC, 23 h before Microsoft's last sync at 2026-11-23 08:00 UTC"
    );
    assert!(d.evidence[1].contains("2 of 8 points"), "{d:?}");
    let after_sync = ItemFacts { marked_done_at: Some(at(23, 8) + TimeDelta::minutes(30)), ..pending.clone() };
    assert_eq!(class(&after_sync), Some(DiagnosisClass::PendingRefresh));
}

#[test]
fn a_completion_older_than_the_refresh_window_is_partial_not_pending() {
    let old = ItemFacts { status: Status::Completed, marked_done_at: Some(at(20, 8)), ..item() };
    let d = diagnose(&old, &ctx()).unwrap();
    assert_eq!(d.class, DiagnosisClass::PartialRemediation);
    assert!(d.evidence.last().unwrap().contains("more than 48 h before"), "{d:?}");
    // Exactly the window is no longer pending: Microsoft has had its full refresh time.
    let edge = ItemFacts { marked_done_at: Some(at(21, 8)), ..old.clone() };
    assert_eq!(class(&edge), Some(DiagnosisClass::PartialRemediation));
    let inside = ItemFacts { marked_done_at: Some(at(21, 9)), ..old };
    assert_eq!(class(&inside), Some(DiagnosisClass::PendingRefresh));
}

#[test]
fn a_confirmed_completion_or_one_without_a_mark_is_never_pending() {
    let unknown = ItemFacts { status: Status::Completed, marked_done_at: None, ..item() };
    let d = diagnose(&unknown, &ctx()).unwrap();
    assert_eq!(d.class, DiagnosisClass::PartialRemediation);
    assert!(d.evidence.last().unwrap().starts_with("marked completed, not confirmed"));
    let in_progress = ItemFacts { status: Status::InProgress, marked_done_at: Some(at(23, 7)), ..item() };
    assert_eq!(class(&in_progress), Some(DiagnosisClass::PartialRemediation));
}

#[test]
fn risk_accepted_third_party_and_alternate_mitigation_are_excluded() {
    let accepted = ItemFacts { status: Status::RiskAccepted, register_reference: Some("RA-0001"), ..item() };
    let d = diagnose(&accepted, &ctx()).unwrap();
    assert_eq!(d.class, DiagnosisClass::Excluded);
    assert_eq!(d.evidence[0], "risk accepted under the approved register entry RA-0001");
    assert!(d.evidence[1].starts_with("Microsoft awards no points"));
    let third = ItemFacts { status: Status::ThirdParty, ..item() };
    let d = diagnose(&third, &ctx()).unwrap();
    assert_eq!(d.class, DiagnosisClass::Excluded);
    assert!(d.evidence[0].ends_with("no approved register entry documents it yet"), "{d:?}");
    assert!(d.evidence[1].contains("shows `Default`"), "{d:?}");
    assert_eq!(class(&ItemFacts { status: Status::AlternateMitigation, ..item() }), Some(DiagnosisClass::Excluded));
}

#[test]
fn microsofts_own_acceptance_outside_the_register_is_excluded() {
    let ignored = ItemFacts { unmanaged_acceptance: true, ms_state: Some("Ignored"), ..item() };
    let d = diagnose(&ignored, &ctx()).unwrap();
    assert_eq!(d.class, DiagnosisClass::Excluded);
    assert!(d.evidence[0].starts_with("Microsoft's state is `Ignored`"), "{d:?}");
}

#[test]
fn deprecated_zero_point_not_applicable_unlicensed_and_removed_items_are_not_scored() {
    for (facts, fragment) in [
        (ItemFacts { deprecated: true, ..item() }, "deprecated"),
        (ItemFacts { max: 0.0, achieved: Some(0.0), ..item() }, "worth 0 points"),
        (ItemFacts { achieved: None, ..item() }, "not applicable"),
        (ItemFacts { licensed: Some(false), ..item() }, "no licence"),
        (ItemFacts { removed_at: Some(at(20, 9)), ..item() }, "no longer lists it (since 2026-11-20)"),
    ] {
        let d = diagnose(&facts, &ctx()).unwrap();
        assert_eq!(d.class, DiagnosisClass::NotScored);
        assert!(d.evidence.iter().any(|e| e.contains(fragment)), "{fragment}: {d:?}");
    }
    // Not scored wins over everything, even a full score and an acceptance.
    let both = ItemFacts { deprecated: true, achieved: Some(8.0), status: Status::RiskAccepted, ..item() };
    assert_eq!(class(&both), Some(DiagnosisClass::NotScored));
    assert_eq!(class(&ItemFacts { licensed: None, ..item() }), Some(DiagnosisClass::PartialRemediation));
}

#[test]
fn data_older_than_the_refresh_window_is_stale() {
    let old = ItemFacts { last_synced: Some(at(20, 8)), ..item() };
    let d = diagnose(&old, &ctx()).unwrap();
    assert_eq!(d.class, DiagnosisClass::StaleData);
    assert_eq!(
        d.evidence[0],
        "Microsoft last synced it 2026-11-20 08:00 UTC (3 days ago), longer ago than Microsoft's 48 h refresh"
    );
    // Without Microsoft's own time, the last import counts.
    let imported = ItemFacts { last_synced: None, last_seen: at(21, 8), ..item() };
    assert!(diagnose(&imported, &ctx()).unwrap().evidence[0].starts_with("it was last imported"));
    // Stale data outranks a pending mark: nothing moves until Microsoft's data is read again.
    let pending = ItemFacts { status: Status::Completed, marked_done_at: Some(at(23, 7)), ..old };
    assert_eq!(class(&pending), Some(DiagnosisClass::StaleData));
    let fresh = ItemFacts { last_synced: Some(at(21, 9)), ..item() };
    assert_eq!(class(&fresh), Some(DiagnosisClass::PartialRemediation), "exactly 48 h is still fresh");
}

#[test]
fn a_defender_subscription_the_connector_no_longer_reads_is_out_of_scope() {
    let subscriptions = vec!["sub-a".to_owned()];
    let with = Context { defender_subscriptions: Some(&subscriptions), ..ctx() };
    let control = ItemFacts { product: Product::DefenderCloud, control_key: Some("sub-b/enableMFA"), ..item() };
    let d = diagnose(&control, &with).unwrap();
    assert_eq!(d.class, DiagnosisClass::Scope);
    assert_eq!(d.evidence[0], "subscription sub-b is not in the Defender for Cloud connector (it reads sub-a)");
    // Out of scope even at full points: the figure is frozen, not fine.
    let full = ItemFacts { achieved: Some(8.0), ..control.clone() };
    assert_eq!(diagnose(&full, &with).map(|d| d.class), Some(DiagnosisClass::Scope));
    let read = ItemFacts { control_key: Some("SUB-A/enableMFA"), ..control.clone() };
    assert_eq!(diagnose(&read, &with).map(|d| d.class), Some(DiagnosisClass::PartialRemediation));
    assert_eq!(class(&control), Some(DiagnosisClass::PartialRemediation), "no connector: no scope judgement");
    let m365 = ItemFacts { control_key: Some("sub-b/x"), ..item() };
    assert_eq!(diagnose(&m365, &with).map(|d| d.class), Some(DiagnosisClass::PartialRemediation));
}

#[test]
fn the_order_of_checks_is_the_documented_one() {
    let subscriptions: Vec<String> = Vec::new();
    let with = Context { defender_subscriptions: Some(&subscriptions), ..ctx() };
    let everything = ItemFacts {
        product: Product::DefenderCloud,
        control_key: Some("sub-b/c"),
        status: Status::RiskAccepted,
        last_synced: Some(at(1, 0)),
        ..item()
    };
    assert_eq!(diagnose(&everything, &with).map(|d| d.class), Some(DiagnosisClass::Scope));
    let m365 = ItemFacts { product: Product::M365, ..everything };
    assert_eq!(diagnose(&m365, &with).map(|d| d.class), Some(DiagnosisClass::Excluded), "excluded before stale");
    let names: Vec<&str> = DiagnosisClass::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(names, ["not_scored", "scope", "excluded", "stale_data", "pending_refresh", "partial_remediation"]);
    for class in DiagnosisClass::ALL {
        assert_eq!(serde_json::to_value(class).unwrap(), class.as_str());
        assert!(!class.advice().is_empty());
    }
}

#[test]
fn points_print_like_microsofts() {
    assert_eq!(points(4.5), "4.5");
    assert_eq!(points(8.0), "8");
    assert_eq!(points(1.234), "1.23");
    assert_eq!(points(0.0), "0");
}
