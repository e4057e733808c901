use super::*;

fn item(n: u128, key: &str) -> ItemRef {
    ItemRef { id: uuid::Uuid::from_u128(n), control_key: Some(key.into()), title: format!("Item {key}") }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn point(d: u32, current: f64, max: f64) -> ScorePoint {
    ScorePoint { day: day(d), current, max, percent: percent(current, max) }
}

fn now(achieved: Option<f64>, max: f64) -> ItemNow {
    ItemNow { achieved, max, diagnosis: None }
}

fn input<'a>(changes: &'a [ItemChange], items: &'a HashMap<uuid::Uuid, ItemNow>) -> ChangeInput<'a> {
    ChangeInput {
        product: Product::M365,
        from: Some(point(22, 30.0, 50.0)),
        to: Some(point(23, 30.0, 60.0)),
        from_scopes: &[],
        to_scopes: &[],
        changes,
        runs: Vec::new(),
        items,
        held_back: &[],
    }
}

#[test]
fn items_microsoft_added_are_drift_and_the_percentage_without_them_is_estimated() {
    let changes =
        [ItemChange::New { item: item(1, "NewCtrl"), status: super::super::recommendation::Status::ToAddress }];
    let items = HashMap::from([(uuid::Uuid::from_u128(1), now(Some(0.0), 10.0))]);
    let e = explain(input(&changes, &items));
    assert_eq!(e.drift.len(), 1);
    assert_eq!(e.drift[0].kind, ChangeKind::Added);
    assert_eq!((e.drift_totals.points, e.drift_totals.max_points), (0.0, 10.0));
    assert!(e.regressions.is_empty());
    assert_eq!(e.percent_change, Some(-10.0));
    assert_eq!(e.percent_without_drift, Some(60.0));
    assert_eq!(e.unexplained_points, Some(0.0));
    assert!(
        e.summary[1].starts_with("Drift (Microsoft changed what counts, not your posture): 1 added"),
        "{:?}",
        e.summary
    );
    assert!(e.summary[2].starts_with("No regression"));
}

#[test]
fn a_real_regression_is_told_apart_from_a_raised_maximum() {
    let regressed = item(1, "Lost");
    let raised = item(2, "Raised");
    let changes = [
        ItemChange::ScoreChanged {
            item: regressed.clone(),
            achieved_from: Some(10.0),
            achieved_to: Some(0.0),
            max_from: 10.0,
            max_to: 10.0,
        },
        ItemChange::Regressed { item: regressed, achieved_from: Some(10.0), achieved_to: Some(0.0), max: 10.0 },
        // At max before, the same points now, but Microsoft raised the maximum: the import flags a regression,
        // yet nothing was lost.
        ItemChange::ScoreChanged {
            item: raised.clone(),
            achieved_from: Some(5.0),
            achieved_to: Some(5.0),
            max_from: 5.0,
            max_to: 8.0,
        },
        ItemChange::Regressed { item: raised, achieved_from: Some(5.0), achieved_to: Some(5.0), max: 8.0 },
    ];
    let items = HashMap::new();
    let e = explain(input(&changes, &items));
    assert_eq!(e.regressions.len(), 1);
    assert_eq!(e.regressions[0].item.title, "Item Lost");
    assert_eq!(e.regression_totals.points, -10.0);
    assert_eq!(e.drift.len(), 1);
    assert_eq!(e.drift[0].kind, ChangeKind::MaxChanged);
    assert_eq!(e.drift[0].max_points, 3.0);
    assert!(e.summary.iter().any(|l| l.starts_with("1 regression(s): Item Lost (-10 points)")), "{:?}", e.summary);
}

#[test]
fn removals_deprecations_and_applicability_are_drift_and_gains_and_losses_are_real() {
    let s = super::super::recommendation::Status::ToAddress;
    let changes = [
        ItemChange::Removed { item: item(1, "Gone") },
        ItemChange::Deprecated { item: item(2, "Old") },
        ItemChange::ScoreChanged {
            item: item(3, "NA"),
            achieved_from: Some(2.0),
            achieved_to: None,
            max_from: 4.0,
            max_to: 4.0,
        },
        ItemChange::ScoreChanged {
            item: item(4, "Up"),
            achieved_from: Some(1.0),
            achieved_to: Some(3.0),
            max_from: 5.0,
            max_to: 5.0,
        },
        ItemChange::ScoreChanged {
            item: item(5, "Down"),
            achieved_from: Some(3.0),
            achieved_to: Some(2.0),
            max_from: 5.0,
            max_to: 5.0,
        },
        ItemChange::StatusChanged {
            item: item(6, "Status"),
            from: s,
            to: super::super::recommendation::Status::Planned,
            reason: super::super::recommendation::StatusReason::NewItem,
        },
    ];
    let items = HashMap::from([
        (uuid::Uuid::from_u128(1), now(Some(1.0), 3.0)),
        (uuid::Uuid::from_u128(2), now(Some(2.0), 2.0)),
    ]);
    let e = explain(input(&changes, &items));
    let kinds: Vec<ChangeKind> = e.drift.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChangeKind::Removed, ChangeKind::Deprecated, ChangeKind::ApplicabilityChanged]);
    assert_eq!((e.drift_totals.points, e.drift_totals.max_points), (-5.0, -9.0));
    let other: Vec<(ChangeKind, f64)> = e.other_changes.iter().map(|c| (c.kind, c.points)).collect();
    assert_eq!(other, [(ChangeKind::Gain, 2.0), (ChangeKind::Loss, -1.0)]);
    assert!(e.summary.iter().any(|l| l.starts_with("1 item(s) gained and 1 lost")), "{:?}", e.summary);
}

#[test]
fn a_new_defender_subscription_is_scope_growth() {
    let s = super::super::recommendation::Status::ToAddress;
    let changes = [
        ItemChange::New { item: item(1, "sub-b/mfa"), status: s },
        ItemChange::New { item: item(2, "sub-a/newCtrl"), status: s },
    ];
    let items = HashMap::from([
        (uuid::Uuid::from_u128(1), now(Some(2.0), 10.0)),
        (uuid::Uuid::from_u128(2), now(Some(0.0), 4.0)),
    ]);
    let (from_scopes, to_scopes) = (vec!["sub-a".to_owned()], vec!["sub-a".to_owned(), "sub-b".to_owned()]);
    let e = explain(ChangeInput {
        product: Product::DefenderCloud,
        from_scopes: &from_scopes,
        to_scopes: &to_scopes,
        ..input(&changes, &items)
    });
    let kinds: Vec<ChangeKind> = e.drift.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChangeKind::ScopeGrown, ChangeKind::Added]);
    assert_eq!(e.scopes_added, ["sub-b"]);
    assert!(e.summary.iter().any(|l| l == "Subscriptions that joined the score: sub-b."));
}

#[test]
fn changes_over_several_runs_fold_into_one_per_item_and_the_rest_is_unexplained() {
    let changes = [
        ItemChange::ScoreChanged {
            item: item(1, "A"),
            achieved_from: Some(1.0),
            achieved_to: Some(2.0),
            max_from: 5.0,
            max_to: 5.0,
        },
        ItemChange::ScoreChanged {
            item: item(1, "A"),
            achieved_from: Some(2.0),
            achieved_to: Some(4.0),
            max_from: 5.0,
            max_to: 5.0,
        },
    ];
    let items = HashMap::new();
    let e = explain(ChangeInput { to: Some(point(23, 35.0, 50.0)), ..input(&changes, &items) });
    assert_eq!(e.other_changes.len(), 1);
    assert_eq!((e.other_changes[0].achieved_from, e.other_changes[0].achieved_to), (Some(1.0), Some(4.0)));
    assert_eq!(e.points_change, Some(5.0));
    assert_eq!(e.unexplained_points, Some(2.0));
    assert!(e.summary.last().unwrap().starts_with("+2 points are not explained"));
}

#[test]
fn without_two_snapshots_the_explanation_says_so() {
    let items = HashMap::new();
    let one = explain(ChangeInput { from: None, ..input(&[], &items) });
    assert_eq!((one.points_change, one.unexplained_points), (None, None));
    assert!(one.summary[0].starts_with("Only one day is recorded so far"));
    let none = explain(ChangeInput { from: None, to: None, ..input(&[], &items) });
    assert_eq!(none.percent_without_drift, None);
    assert!(none.summary[0].starts_with("No score has been recorded yet"));
}

#[test]
fn held_back_points_are_counted_per_class_in_check_order() {
    let counts = held_back(&[
        (Some(DiagnosisClass::PartialRemediation), 4.0),
        (Some(DiagnosisClass::Excluded), 2.5),
        (Some(DiagnosisClass::PartialRemediation), 1.0),
        (None, 0.0),
    ]);
    let got: Vec<(DiagnosisClass, u64, f64)> = counts.iter().map(|c| (c.class, c.items, c.points_available)).collect();
    assert_eq!(got, [(DiagnosisClass::Excluded, 1, 2.5), (DiagnosisClass::PartialRemediation, 2, 5.0)]);
}
