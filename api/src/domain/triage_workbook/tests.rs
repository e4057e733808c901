use chrono::TimeZone;

use super::cells::tests::catalog;
use super::*;
use crate::domain::rating::Level;

fn id(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

fn refs(list: &[&str]) -> BTreeSet<ControlRef> {
    list.iter()
        .map(|r| {
            let (framework, control) = r.split_once(':').unwrap();
            ControlRef::new(framework, control)
        })
        .collect()
}

fn rating(risk: Option<Level>, effort: Option<Level>) -> Rating {
    Rating { risk_reduction: risk, implementation_effort: effort }
}

/// Item 1: rated high/low at version 2, mapped to ISO 5.17. Item 2: never rated, mapped to nothing.
fn items() -> HashMap<uuid::Uuid, CurrentItem> {
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
    [
        (
            id(1),
            CurrentItem {
                rating_version: 2,
                rating: rating(Some(Level::High), Some(Level::Low)),
                mappings: refs(&["iso27001:5.17"]),
                rating_changed: Some(ChangedBy { by: "alice".into(), at }),
                mappings_changed: None,
            },
        ),
        (
            id(2),
            CurrentItem {
                rating_version: 0,
                rating: Rating::default(),
                mappings: BTreeSet::new(),
                rating_changed: None,
                mappings_changed: None,
            },
        ),
    ]
    .into()
}

/// A row as exported for `item`, with `edit` applied to its editable texts (risk, effort, mapping).
fn row(n: u64, item: u128, current: &CurrentItem, edit: [Option<&str>; 3]) -> RowInput {
    let exported = Exported {
        item: id(item),
        rating_version: current.rating_version,
        rating: current.rating,
        mappings: current.mappings.clone(),
    };
    let cell = |column: &str, text: String| CellInput { reference: format!("Triage!{column}{n}"), text };
    let level = |l: Option<Level>| l.map(level_label).unwrap_or_default().to_owned();
    let mapping: Vec<String> = current.mappings.iter().map(ControlRef::to_string).collect();
    let [risk, effort, mappings] = edit;
    RowInput {
        id: cell("A", id(item).to_string()),
        version: cell("B", exported.encode()),
        risk: Some(cell("K", risk.map_or_else(|| level(current.rating.risk_reduction), str::to_owned))),
        effort: Some(cell("L", effort.map_or_else(|| level(current.rating.implementation_effort), str::to_owned))),
        mapping: Some(cell("M", mappings.map_or_else(|| mapping.join("; "), str::to_owned))),
    }
}

#[test]
fn rows_left_as_exported_change_nothing() {
    let items = items();
    let rows = [row(2, 1, &items[&id(1)], [None; 3]), row(3, 2, &items[&id(2)], [None; 3])];
    assert_eq!(check(&rows, &items, &catalog()), Ok(Checked { rows: 2, unchanged: 2, changes: vec![] }));
}

#[test]
fn an_edited_row_changes_the_rating_and_the_mappings_as_written() {
    let items = items();
    let rows = [
        row(2, 1, &items[&id(1)], [Some("medium"), None, Some("A.5.17; nis2:Art. 21(2)(j)")]),
        row(3, 2, &items[&id(2)], [Some("High"), Some("Low"), None]),
    ];
    let checked = check(&rows, &items, &catalog()).unwrap();
    assert_eq!(checked.unchanged, 0);
    assert_eq!(
        checked.changes[0],
        RowChange {
            item: id(1),
            rating_version: 2,
            rating: Some((rating(Some(Level::High), Some(Level::Low)), rating(Some(Level::Medium), Some(Level::Low)))),
            add: vec![ControlRef::new("nis2", "21.2.j")],
            remove: vec![],
        }
    );
    assert_eq!(checked.changes[1].rating, Some((Rating::default(), rating(Some(Level::High), Some(Level::Low)))));
}

#[test]
fn clearing_cells_clears_the_rating_and_removes_the_mappings() {
    let items = items();
    let checked = check(&[row(2, 1, &items[&id(1)], [Some(""), None, Some("")])], &items, &catalog()).unwrap();
    let change = &checked.changes[0];
    assert_eq!(change.rating.map(|(_, to)| to), Some(rating(None, Some(Level::Low))));
    assert_eq!(change.remove, vec![ControlRef::new("iso27001", "5.17")]);
}

#[test]
fn a_display_form_of_the_same_mappings_is_not_an_edit() {
    let items = items();
    let rows = [row(2, 1, &items[&id(1)], [Some("HIGH"), Some("low"), Some("A.5.17")])];
    assert_eq!(check(&rows, &items, &catalog()).unwrap().unchanged, 1);
}

#[test]
fn a_missing_editable_column_keeps_what_was_exported() {
    let items = items();
    let mut only_risk = row(2, 1, &items[&id(1)], [Some("Low"), None, None]);
    only_risk.effort = None;
    only_risk.mapping = None;
    let checked = check(&[only_risk], &items, &catalog()).unwrap();
    assert_eq!(checked.changes[0].rating.map(|(_, to)| to), Some(rating(Some(Level::Low), Some(Level::Low))));
    assert!(checked.changes[0].add.is_empty() && checked.changes[0].remove.is_empty());
}

#[test]
fn every_bad_cell_is_reported_with_its_reference() {
    let items = items();
    let mut foreign = row(5, 9, &items[&id(2)], [None; 3]);
    foreign.id.text = id(9).to_string();
    let mut no_id = row(6, 2, &items[&id(2)], [Some("High"), None, None]);
    no_id.id.text.clear();
    let rows = [
        row(2, 1, &items[&id(1)], [Some("Hgh"), Some("Lo"), Some("iso27001:9.99; A.5.17")]),
        row(3, 2, &items[&id(2)], [None; 3]),
        row(4, 2, &items[&id(2)], [None; 3]),
        foreign,
        no_id,
    ];
    let problems = check(&rows, &items, &catalog()).unwrap_err();
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages[0], "Triage!K2: \"Hgh\" is not High, Medium or Low");
    assert_eq!(messages[1], "Triage!L2: \"Lo\" is not High, Medium or Low");
    assert_eq!(messages[2], "Triage!M2: \"iso27001:9.99\" is not a control of ISO/IEC 27001:2022 Annex A");
    assert_eq!(messages[3], "Triage!A4: the same item as Triage!A3; keep one row per item");
    assert!(messages[4].starts_with("Triage!A5: no recommendation of this tenant has this id"), "{}", messages[4]);
    assert!(messages[5].starts_with("Triage!A6: this row has no Recommendation ID"), "{}", messages[5]);
    assert_eq!(problems.len(), 6);
    assert_eq!(problems[0].cell, "Triage!K2");
    assert!(problems.iter().all(|p| !p.conflict));
}

#[test]
fn a_version_cell_that_is_blank_foreign_or_of_another_item_is_refused() {
    let items = items();
    let mut blank = row(2, 1, &items[&id(1)], [None; 3]);
    blank.version.text.clear();
    let mut swapped = row(3, 2, &items[&id(2)], [None; 3]);
    swapped.version.text = row(9, 1, &items[&id(1)], [None; 3]).version.text;
    let problems = check(&[blank, swapped], &items, &catalog()).unwrap_err();
    assert!(problems[0].message.starts_with("Triage!B2: the hidden version cell is empty"));
    assert!(problems[1].message.starts_with("Triage!B3: the hidden version cell belongs to another row's item"));
}

#[test]
fn an_edited_row_whose_item_changed_since_is_a_conflict_naming_who_and_when() {
    let mut items = items();
    let exported_as = items[&id(1)].clone();
    let edited = row(2, 1, &exported_as, [Some("Medium"), None, None]);
    let untouched = row(2, 1, &exported_as, [None; 3]);
    let item = items.get_mut(&id(1)).unwrap();
    item.rating_version = 3;
    item.rating_changed =
        Some(ChangedBy { by: "bob".into(), at: Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap() });
    let problems = check(std::slice::from_ref(&edited), &items, &catalog()).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].conflict);
    assert_eq!(problems[0].cell, "Triage!A2");
    assert!(
        problems[0].message.starts_with("Triage!A2: changed by bob at 2026-11-24T08:00:00Z"),
        "{}",
        problems[0].message
    );
    assert_eq!(check(&[untouched], &items, &catalog()).unwrap().unchanged, 1, "an old untouched row is no conflict");
}

#[test]
fn a_mapping_change_since_the_export_is_a_conflict_too() {
    let mut items = items();
    let edited = row(2, 2, &items[&id(2)], [Some("Low"), None, None]);
    items.get_mut(&id(2)).unwrap().mappings = refs(&["nis2:21.2.j"]);
    let problems = check(&[edited], &items, &catalog()).unwrap_err();
    assert_eq!(
        problems[0].message.split(',').next(),
        Some("Triage!A2: changed since the export (its mappings differ)")
    );
}

#[test]
fn a_retired_control_or_archived_framework_cannot_be_added() {
    let items = items();
    let rows = [row(2, 2, &items[&id(2)], [None, None, Some("iso27001:5.99; old:1")])];
    let problems = check(&rows, &items, &catalog()).unwrap_err();
    assert_eq!(problems.len(), 2);
    assert!(problems[0].message.starts_with("Triage!M2: \"iso27001:5.99\" is retired"));
    assert!(problems[1].message.starts_with("Triage!M2: \"old:1\" belongs to an archived framework"));
}

#[test]
fn a_row_asking_for_what_the_item_already_is_changes_nothing_even_after_a_change() {
    let mut items = items();
    let exported_as = items[&id(2)].clone();
    let edited = row(2, 2, &exported_as, [Some("High"), Some("Low"), Some("A.5.17")]);
    let item = items.get_mut(&id(2)).unwrap();
    item.rating_version = 1;
    item.rating = rating(Some(Level::High), Some(Level::Low));
    item.mappings = refs(&["iso27001:5.17"]);
    assert_eq!(check(&[edited], &items, &catalog()).unwrap().unchanged, 1, "the same workbook uploaded twice");
}
