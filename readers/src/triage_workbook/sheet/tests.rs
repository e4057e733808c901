use rust_xlsxwriter::Workbook;

use super::*;

/// A workbook with one sheet named `sheet` holding `rows` (row 0 first); `""` leaves a cell blank.
fn workbook(sheet: &str, rows: &[&[&str]]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).unwrap();
    for (r, cells) in rows.iter().enumerate() {
        for (c, text) in cells.iter().enumerate() {
            if !text.is_empty() {
                worksheet.write_string(r as u32, c as u16, *text).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

const HEADER: &[&str] = &[
    "Recommendation ID",
    "Exported version",
    "Title",
    "Risk Reduction",
    "Implementation Effort",
    "Regulatory Mapping",
];

#[test]
fn rows_come_with_raw_values_and_cell_references() {
    let bytes = workbook(
        "Triage",
        &[
            HEADER,
            &["id-1", "v-1", "MFA for admins", "High", "low", "iso27001:5.17; nis2:21.2.j"],
            &["", "", "", "", "", ""],
            &["id-2", "v-2", "Block legacy auth", "", "Hgh", ""],
        ],
    );
    let sheet = read(&bytes).unwrap();
    assert_eq!(sheet.sheet, "Triage");
    assert_eq!(sheet.columns, EditableColumns { risk: true, effort: true, mapping: true });
    assert_eq!(sheet.rows.len(), 2, "the blank row 3 is skipped");
    let first = &sheet.rows[0];
    assert_eq!(first.row, 2);
    assert_eq!(first.id, RawCell { reference: "Triage!A2".into(), value: RawValue::Text("id-1".into()) });
    assert_eq!(first.version.reference, "Triage!B2");
    assert_eq!(first.risk.as_ref().unwrap().value, RawValue::Text("High".into()));
    assert_eq!(first.mapping.as_ref().unwrap().reference, "Triage!F2");
    let second = &sheet.rows[1];
    assert_eq!(second.row, 4);
    assert_eq!(second.risk.as_ref().unwrap(), &RawCell { reference: "Triage!D4".into(), value: RawValue::Empty });
    assert_eq!(second.effort.as_ref().unwrap().reference, "Triage!E4");
    assert_eq!(second.effort.as_ref().unwrap().value.text(), "Hgh");
}

#[test]
fn columns_are_found_by_header_text_wherever_a_person_moved_them() {
    let bytes = workbook(
        "triage",
        &[
            &[],
            &["Notes", "  regulatory   MAPPING ", "Title", "risk reduction", "RECOMMENDATION ID", "Exported Version"],
            &["mine", "A.5.17", "t", "Medium", "id-1", "v-1"],
        ],
    );
    let sheet = read(&bytes).unwrap();
    assert_eq!(sheet.sheet, "triage", "the sheet is found ignoring case and named as the workbook spells it");
    assert_eq!(sheet.columns, EditableColumns { risk: true, effort: false, mapping: true });
    let row = &sheet.rows[0];
    assert_eq!((row.row, row.id.reference.as_str(), row.version.reference.as_str()), (3, "triage!E3", "triage!F3"));
    assert_eq!(row.mapping.as_ref().unwrap().value.text(), "A.5.17");
    assert_eq!(row.effort, None, "no effort column: nothing to read");
}

#[test]
fn a_title_row_above_the_header_is_not_the_header() {
    let bytes = workbook("Triage", &[&["Q1 triage, Contoso"], &[], HEADER, &["id-1", "v-1", "t", "Low"]]);
    let sheet = read(&bytes).unwrap();
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(sheet.rows[0].risk.as_ref().unwrap().reference, "Triage!D4");
    let error = read(&workbook("Triage", &[&["Q1 triage"], &["Title", "Exported version"]])).unwrap_err();
    assert_eq!(error.field.as_deref(), Some("Triage!1:1"), "without an id column the first row is named");
}

#[test]
fn a_row_with_values_only_in_columns_not_read_is_not_a_row() {
    let bytes = workbook("Triage", &[HEADER, &["", "", "A note under the table", "", "", ""]]);
    assert!(read(&bytes).unwrap().rows.is_empty());
}

#[test]
fn numbers_booleans_and_errors_stay_what_they_are() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Triage").unwrap();
    for (c, text) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *text).unwrap();
    }
    sheet.write_string(1, 0, "id").unwrap();
    sheet.write_number(1, 3, 3.0).unwrap();
    sheet.write_boolean(1, 4, true).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let row = &read(&bytes).unwrap().rows[0];
    assert_eq!(row.risk.as_ref().unwrap().value, RawValue::Number(3.0));
    assert_eq!(row.effort.as_ref().unwrap().value, RawValue::Bool(true));
    assert_eq!(row.version.value, RawValue::Empty);
}

#[test]
fn a_workbook_without_the_triage_sheet_names_the_sheets_it_has() {
    let error = read(&workbook("Sheet1", &[HEADER])).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::BadValue);
    assert!(error.message.contains("no sheet `Triage`") && error.message.contains("`Sheet1`"), "{}", error.message);
    assert_eq!(error.field.as_deref(), Some("file"));
}

#[test]
fn a_missing_id_or_version_column_is_refused_naming_the_header_row() {
    let no_id = workbook("Triage", &[&["", "Title", "Exported version"], &["", "t", "v"]]);
    let error = read(&no_id).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::MissingColumns);
    assert_eq!(error.field.as_deref(), Some("Triage!1:1"));
    assert!(error.message.starts_with("Triage!1:1: no column is headed `Recommendation ID`"), "{}", error.message);
    let no_version = workbook("Triage", &[&["Recommendation ID"], &["x"]]);
    assert_eq!(read(&no_version).unwrap_err().column.as_deref(), Some("Exported version"));
}

#[test]
fn a_header_that_appears_twice_is_refused() {
    let bytes = workbook("Triage", &[&["Recommendation ID", "Exported version", "Risk Reduction", "risk reduction"]]);
    let error = read(&bytes).unwrap_err();
    assert!(error.message.starts_with("Triage!C1 and Triage!D1 are both headed"), "{}", error.message);
}

#[test]
fn an_empty_sheet_is_refused() {
    assert_eq!(read(&workbook("Triage", &[])).unwrap_err().kind, ReadErrorKind::Empty);
}

#[test]
fn bytes_that_are_no_workbook_are_refused_as_such() {
    for bytes in [&b""[..], b"Recommendation ID,Exported version\n", b"%PDF-1.7", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"] {
        let error = read(bytes).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::UnsupportedFileType, "{bytes:?}");
        assert!(error.message.contains("not an .xlsx workbook"), "{}", error.message);
    }
}

#[test]
fn more_rows_than_the_limit_are_refused_before_they_are_all_kept() {
    let bytes = workbook("Triage", &[HEADER, &["a", "v"], &["b", "v"], &["c", "v"]]);
    assert_eq!(read_at_most(&bytes, 3).unwrap().rows.len(), 3);
    let error = read_at_most(&bytes, 2).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::TooLarge);
    assert!(error.message.contains("more than 2 rows"), "{}", error.message);
}

#[test]
fn a_far_away_cell_costs_nothing() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Triage").unwrap();
    sheet.write_string(0, 0, "Recommendation ID").unwrap();
    sheet.write_string(0, 1, "Exported version").unwrap();
    sheet.write_string(1_048_575, 16_383, "far away").unwrap();
    sheet.write_string(1_048_575, 0, "id").unwrap();
    let sheet = read(&workbook.save_to_buffer().unwrap()).unwrap();
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(sheet.rows[0].id.reference, "Triage!A1048576");
}

#[test]
fn cut_off_or_damaged_workbooks_are_errors_never_panics() {
    let bytes = workbook("Triage", &[HEADER, &["id-1", "v-1", "t", "High", "Low", "iso27001:5.17"]]);
    for cut in (0..bytes.len()).step_by(97) {
        assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..300 {
        let mut damaged = bytes.clone();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed as usize) % damaged.len();
            damaged[at] = (seed >> 32) as u8;
        }
        if let Err(error) = read(&damaged) {
            assert!(!error.message.is_empty());
        }
    }
}
