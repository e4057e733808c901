//! The portal export as xlsx, with workbooks written by a real writer (rust_xlsxwriter) in each test.

use chrono::NaiveDate;
use readers::ReadErrorKind;
use readers::export::{HeaderLanguage, PortalStatus, ScoreImpact, read_csv, read_xlsx};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

const HEADERS: [&str; 8] = [
    "Rank",
    "Recommended action",
    "Score impact",
    "Points achieved",
    "Status",
    "Regressed",
    "Category",
    "Last synced ",
];

fn write_headers(sheet: &mut Worksheet, row: u32, first_column: u16) {
    for (offset, header) in (0u16..).zip(HEADERS) {
        sheet.write_string(row, first_column + offset, header).unwrap();
    }
}

/// A sheet as Excel would hold an export after a user opened and saved it.
fn export_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let percent = Format::new().set_num_format("0.00%");
    let date = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let sheet = workbook.add_worksheet();
    write_headers(sheet, 0, 0);
    sheet.write_number(1, 0, 1).unwrap();
    sheet
        .write_string(1, 1, "Ensure multifactor authentication is enabled for all users in administrative roles")
        .unwrap();
    sheet.write_number_with_format(1, 2, 0.0324, &percent).unwrap();
    sheet.write_string(1, 3, "10/10").unwrap();
    sheet.write_string(1, 4, "Completed").unwrap();
    sheet.write_boolean(1, 5, false).unwrap();
    sheet.write_string(1, 6, "Identity").unwrap();
    let synced = ExcelDateTime::from_ymd(2026, 11, 23).unwrap().and_hms(9, 5, 0).unwrap();
    sheet.write_datetime_with_format(1, 7, &synced, &date).unwrap();
    sheet.write_string(2, 0, "2").unwrap();
    sheet.write_string(2, 1, "  Enable Conditional Access policies to block legacy authentication ").unwrap();
    sheet.write_string(2, 2, "+2.59 %").unwrap();
    sheet.write_string(2, 3, "4,5 / 9").unwrap();
    sheet.write_string(2, 4, "Risk accepted").unwrap();
    sheet.write_string(2, 5, "Yes").unwrap();
    sheet.write_string(2, 7, "11/22/2026 11:40 PM").unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn a_normal_sheet_reads_numbers_percentages_booleans_and_date_cells() {
    let sheet = read_xlsx(&export_workbook(), None).unwrap();
    assert_eq!(sheet.language, HeaderLanguage::En);
    assert_eq!(sheet.headers[7], "Last synced ");
    assert_eq!(sheet.rows.len(), 2);
    let first = &sheet.rows[0];
    assert_eq!(first.row, 2);
    assert_eq!(first.rank, Some(1));
    let Some(ScoreImpact::Percent(percent)) = first.score_impact else { panic!("{:?}", first.score_impact) };
    assert!((percent - 3.24).abs() < 1e-9, "a percent-formatted 0.0324 is 3.24 %");
    assert_eq!((first.achieved, first.max), (10.0, 10.0));
    assert_eq!(first.status, Some(PortalStatus::Completed));
    assert_eq!(first.regressed, Some(false));
    let nine_oh_five = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 5, 0).unwrap();
    assert_eq!(first.last_synced, Some(nine_oh_five));
    let second = &sheet.rows[1];
    assert_eq!(second.rank, Some(2), "a rank stored as text");
    assert_eq!(second.title, "Enable Conditional Access policies to block legacy authentication");
    assert_eq!(second.score_impact, Some(ScoreImpact::Percent(2.59)));
    assert_eq!((second.achieved, second.max), (4.5, 9.0));
    assert_eq!(second.regressed, Some(true));
    assert_eq!(second.category, None);
    assert_eq!(
        second.last_synced,
        Some(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap().and_hms_opt(23, 40, 0).unwrap())
    );
}

#[test]
fn csv_and_xlsx_of_the_same_data_give_the_same_rows() {
    let csv = b"Rank,Recommended action,Points achieved,Status,Notes\r\n3,Enable MFA,5/9,Planned,\"a, b\"\r\n";
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in (0u16..).zip(["Rank", "Recommended action", "Points achieved", "Status", "Notes"]) {
        sheet.write_string(0, column, header).unwrap();
    }
    sheet.write_number(1, 0, 3).unwrap();
    for (column, value) in (1u16..).zip(["Enable MFA", "5/9", "Planned", "a, b"]) {
        sheet.write_string(1, column, value).unwrap();
    }
    assert_eq!(read_xlsx(&workbook.save_to_buffer().unwrap(), None).unwrap().rows, read_csv(csv).unwrap().rows);
}

fn two_sheets() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let summary = workbook.add_worksheet();
    summary.set_name("Summary").unwrap();
    summary.write_string(0, 0, "Secure Score: 61.2 %").unwrap();
    let actions = workbook.add_worksheet();
    actions.set_name("Recommended actions").unwrap();
    write_headers(actions, 0, 0);
    actions.write_string(1, 1, "Turn on Safe Attachments in block mode").unwrap();
    actions.write_string(1, 3, "2/2").unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn a_named_second_sheet_is_read_by_name() {
    let bytes = two_sheets();
    let sheet = read_xlsx(&bytes, Some("Recommended actions")).unwrap();
    assert_eq!(sheet.rows[0].title, "Turn on Safe Attachments in block mode");
    assert_eq!(read_xlsx(&bytes, Some("recommended actions")).unwrap(), sheet, "sheet names ignore case");
}

#[test]
fn without_a_name_the_first_sheet_is_read() {
    assert_eq!(read_xlsx(&two_sheets(), None).unwrap_err().kind, ReadErrorKind::MissingColumns);
}

#[test]
fn an_unknown_sheet_name_lists_the_sheets() {
    let error = read_xlsx(&two_sheets(), Some("Export")).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::BadValue);
    assert!(error.message.contains("`Summary`, `Recommended actions`"), "{}", error.message);
}

#[test]
fn a_formula_in_points_achieved_names_the_cell() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_headers(sheet, 0, 0);
    sheet.write_string(1, 1, "Enable MFA").unwrap();
    sheet.write_formula(1, 3, "=\"5\"&\"/9\"").unwrap();
    let error = read_xlsx(&workbook.save_to_buffer().unwrap(), None).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::Formula);
    assert_eq!(error.row, Some(2));
    assert_eq!(error.column.as_deref(), Some("Points achieved"));
    assert!(
        error.message.starts_with("cell D2 (`Points achieved`) holds a formula; paste values instead"),
        "{}",
        error.message
    );
}

#[test]
fn a_formula_in_rank_is_refused_too() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_headers(sheet, 0, 0);
    sheet.write_formula(1, 0, "=1+1").unwrap();
    sheet.write_string(1, 1, "Enable MFA").unwrap();
    sheet.write_string(1, 3, "1/2").unwrap();
    let error = read_xlsx(&workbook.save_to_buffer().unwrap(), None).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::Formula);
    assert!(error.message.starts_with("cell A2 (`Rank`)"), "{}", error.message);
}

#[test]
fn the_header_is_the_first_non_empty_row_and_cells_are_named_from_it() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_headers(sheet, 2, 1);
    sheet.write_string(3, 2, "Enable MFA").unwrap();
    sheet.write_string(3, 4, "ten/10").unwrap();
    let error = read_xlsx(&workbook.save_to_buffer().unwrap(), None).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::BadValue);
    assert_eq!(error.row, Some(4));
    assert_eq!(
        error.message,
        "cell E4 (`Points achieved`): `ten/10` is not a number of points (expected achieved/max such as 5/9)"
    );
}

#[test]
fn points_as_a_bare_number_or_a_date_are_explained() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_headers(sheet, 0, 0);
    sheet.write_string(1, 1, "Enable MFA").unwrap();
    sheet.write_number(1, 3, 5).unwrap();
    let error = read_xlsx(&workbook.save_to_buffer().unwrap(), None).unwrap_err();
    assert!(error.message.contains("`5` has no maximum"), "{}", error.message);

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_headers(sheet, 0, 0);
    sheet.write_string(1, 1, "Enable MFA").unwrap();
    let may_ninth = ExcelDateTime::from_ymd(2026, 5, 9).unwrap();
    sheet.write_datetime_with_format(1, 3, &may_ninth, &Format::new().set_num_format("d-mmm")).unwrap();
    let error = read_xlsx(&workbook.save_to_buffer().unwrap(), None).unwrap_err();
    assert!(error.message.contains("into dates"), "{}", error.message);
}

#[test]
fn an_empty_sheet_is_empty() {
    let mut workbook = Workbook::new();
    workbook.add_worksheet();
    assert_eq!(read_xlsx(&workbook.save_to_buffer().unwrap(), None).unwrap_err().kind, ReadErrorKind::Empty);
}

#[test]
fn the_first_half_of_a_workbook_is_truncated() {
    let bytes = export_workbook();
    let error = read_xlsx(&bytes[..bytes.len() / 2], None).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::Truncated);
    assert!(error.message.contains("incomplete"), "{}", error.message);
}

#[test]
fn no_cut_or_damage_makes_the_reader_panic() {
    let bytes = export_workbook();
    for len in (0..bytes.len()).step_by(97) {
        assert!(read_xlsx(&bytes[..len], None).is_err(), "a workbook cut at {len} bytes must not read");
    }
    // Damage inside the compressed parts, keeping the ZIP directory intact: an error or (rarely) a
    // readable sheet, never a panic.
    for start in (30..bytes.len().saturating_sub(400)).step_by(211) {
        let mut damaged = bytes.clone();
        for byte in &mut damaged[start..start + 16] {
            *byte ^= 0x5A;
        }
        let _ = read_xlsx(&damaged, None);
    }
}

#[test]
fn other_files_are_not_workbooks() {
    assert_eq!(
        read_xlsx(include_bytes!("../fixtures/old-excel.xls"), None).unwrap_err().kind,
        ReadErrorKind::UnsupportedFileType
    );
    assert_eq!(
        read_xlsx(include_bytes!("../fixtures/garbage.bin"), None).unwrap_err().kind,
        ReadErrorKind::UnsupportedFileType
    );
    assert_eq!(
        read_xlsx(include_bytes!("../fixtures/export-en-bom-crlf.csv"), None).unwrap_err().kind,
        ReadErrorKind::UnsupportedFileType
    );
}
