//! The portal export as CSV, from fixture files in the encodings and locales it comes in.

use chrono::{NaiveDate, NaiveDateTime};
use readers::ReadErrorKind;
use readers::export::{HeaderLanguage, PortalStatus, ScoreImpact, read_csv};

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
}

#[test]
fn english_export_with_bom_crlf_and_quoted_fields() {
    let sheet = read_csv(include_bytes!("../fixtures/export-en-bom-crlf.csv")).unwrap();
    assert_eq!(sheet.language, HeaderLanguage::En);
    assert_eq!(sheet.headers[0], "Rank", "the BOM is not part of the first header");
    assert_eq!(sheet.headers[9], "Last synced ", "headers are kept as found");
    assert_eq!(sheet.rows.len(), 5, "the blank line and the row of empty cells are skipped");

    let first = &sheet.rows[0];
    assert_eq!(first.row, 2);
    assert_eq!(first.rank, Some(1));
    assert_eq!(first.title, "Ensure multifactor authentication is enabled for all users in administrative roles");
    assert_eq!(first.score_impact, Some(ScoreImpact::Percent(3.24)));
    assert_eq!((first.achieved, first.max), (10.0, 10.0));
    assert_eq!(first.status, Some(PortalStatus::Completed));
    assert_eq!(first.regressed, Some(false));
    assert_eq!(first.have_license, Some(true));
    assert_eq!(first.category.as_deref(), Some("Identity"));
    assert_eq!(first.product.as_deref(), Some("Microsoft Entra ID"));
    assert_eq!(first.last_synced, Some(at(2026, 11, 23, 9, 5)), "`Last synced ` with its trailing space is matched");
    assert_eq!(first.microsoft_update, None);
    assert_eq!(first.notes.as_deref(), Some("Done in Q1, verified by J. Doe"));
    assert!(first.extra.is_empty());

    let second = &sheet.rows[1];
    assert_eq!(second.row, 3);
    assert_eq!(second.status, Some(PortalStatus::ToAddress));
    assert_eq!(second.regressed, Some(true));
    assert_eq!(second.microsoft_update.as_deref(), Some("11/20/2026"));
    assert_eq!(second.notes.as_deref(), Some("Blocked by \"legacy\" printers;\r\nsee ticket CHG-1042"));
    assert_eq!(second.extra.get("Tags").map(String::as_str), Some("legacy"));

    let third = &sheet.rows[2];
    assert_eq!(third.row, 5, "the quoted line break is not a row, the blank line is");
    assert_eq!(third.title, "Don\u{2019}t add allowed IP addresses in the connection filter policy");
    assert_eq!(third.status, Some(PortalStatus::RiskAccepted));
    assert_eq!(third.last_synced, Some(at(2026, 11, 22, 23, 40)));

    let fourth = &sheet.rows[3];
    assert_eq!(fourth.title, "Review mailbox access by non-owners, bi-weekly");
    assert_eq!(fourth.score_impact, Some(ScoreImpact::Points(0.5)));
    assert_eq!((fourth.achieved, fourth.max), (4.5, 9.0));
    assert_eq!(fourth.status, Some(PortalStatus::ResolvedThirdParty));
    assert_eq!(fourth.regressed, None);
    assert_eq!(fourth.have_license, Some(false));
    assert_eq!(fourth.last_synced, None);

    let short = &sheet.rows[4];
    assert_eq!(short.status, None, "unknown status text is not an error");
    assert_eq!(short.status_text.as_deref(), Some("In progress"));
    assert_eq!((short.score_impact, short.category.as_deref(), short.last_synced), (None, None, None));
}

#[test]
fn german_semicolon_export_with_decimal_commas_and_german_dates() {
    let sheet = read_csv(include_bytes!("../fixtures/export-de-semicolon.csv")).unwrap();
    assert_eq!(sheet.language, HeaderLanguage::De);
    assert_eq!(sheet.rows.len(), 3);
    let first = &sheet.rows[0];
    assert_eq!(
        first.title,
        "Stellen Sie sicher, dass \"Phishing-resistente MFA-Stärke\" für Administratoren erforderlich ist."
    );
    assert_eq!(first.score_impact, Some(ScoreImpact::Percent(3.24)));
    assert_eq!((first.achieved, first.max), (4.5, 9.0));
    assert_eq!(first.status, Some(PortalStatus::Planned));
    assert_eq!(first.regressed, Some(false));
    assert_eq!(first.category.as_deref(), Some("Identität"));
    assert_eq!(first.last_synced, Some(at(2026, 11, 23, 9, 5)));
    let second = &sheet.rows[1];
    assert_eq!((second.achieved, second.max), (0.0, 5.0));
    assert_eq!(second.status, None);
    assert_eq!(second.status_text.as_deref(), Some("Zu adressieren"));
    assert_eq!(second.regressed, Some(true));
    assert_eq!(second.last_synced, Some(at(2026, 12, 1, 17, 45)));
    let third = &sheet.rows[2];
    assert_eq!(third.score_impact, Some(ScoreImpact::Percent(-0.5)));
    assert_eq!((third.achieved, third.max), (2.25, 2.25));
    assert_eq!(third.status, Some(PortalStatus::Completed));
    assert_eq!(third.last_synced, Some(at(2026, 12, 2, 0, 0)));
}

#[test]
fn windows_1252_reads_the_same_as_utf8() {
    let utf8 = read_csv(include_bytes!("../fixtures/export-de-semicolon.csv")).unwrap();
    let ansi = read_csv(include_bytes!("../fixtures/export-de-cp1252.csv")).unwrap();
    assert_eq!(utf8, ansi);
}

#[test]
fn french_headers_and_day_first_dates() {
    let sheet = read_csv(include_bytes!("../fixtures/export-fr.csv")).unwrap();
    assert_eq!(sheet.language, HeaderLanguage::Fr);
    let first = &sheet.rows[0];
    assert_eq!(first.score_impact, Some(ScoreImpact::Percent(3.24)));
    assert_eq!((first.achieved, first.max), (4.5, 9.0));
    assert_eq!(first.status, Some(PortalStatus::RiskAccepted));
    assert_eq!(first.regressed, Some(false));
    assert_eq!(first.last_synced, Some(at(2026, 11, 23, 9, 5)));
    let second = &sheet.rows[1];
    assert_eq!(second.status, Some(PortalStatus::Planned));
    assert_eq!(second.regressed, Some(true));
    assert_eq!(second.last_synced, Some(at(2026, 4, 3, 10, 0)), "03/04 is the 3rd of April in a French file");
}

#[test]
fn utf16le_tab_separated_unicode_text() {
    let sheet = read_csv(include_bytes!("../fixtures/export-utf16le-tab.csv")).unwrap();
    assert_eq!(sheet.rows.len(), 2);
    assert_eq!(sheet.rows[0].title, "Ensure \u{2018}LinkedIn account connections\u{2019} is disabled");
    assert_eq!(sheet.rows[0].rank, Some(7));
    assert_eq!(sheet.rows[0].last_synced, Some(at(2026, 11, 23, 9, 5)));
    assert_eq!(sheet.rows[1].title, "Désactiver l\u{2019}accès anonyme — test");
    assert_eq!(sheet.rows[1].score_impact, None);
    assert_eq!(sheet.rows[1].last_synced, Some(at(2026, 11, 23, 0, 0)));
}

#[test]
fn a_missing_required_column_is_named_with_the_headers_found() {
    let error = read_csv(include_bytes!("../fixtures/export-missing-points.csv")).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::MissingColumns);
    assert_eq!(error.column.as_deref(), Some("Points achieved"));
    assert!(error.message.contains("no `Points achieved`"), "{}", error.message);
    assert!(error.message.contains("`Rank`, `Recommended action`, `Score impact`, `Status`"), "{}", error.message);
}

#[test]
fn non_numeric_points_name_row_and_column() {
    let error = read_csv(include_bytes!("../fixtures/export-bad-points.csv")).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::BadValue);
    assert_eq!(error.row, Some(4));
    assert_eq!(error.column.as_deref(), Some("Points achieved"));
    assert_eq!(
        error.message,
        "row 4, column `Points achieved`: `ten/10` is not a number of points (expected achieved/max such as 5/9)"
    );
}

#[test]
fn points_above_the_maximum_or_negative_are_refused() {
    let above = read_csv(b"Recommended action,Points achieved\nx,10/9\n").unwrap_err();
    assert_eq!((above.kind, above.row), (ReadErrorKind::BadValue, Some(2)));
    let negative = read_csv(b"Recommended action,Points achieved\nx,-1/9\n").unwrap_err();
    assert_eq!(negative.kind, ReadErrorKind::BadValue);
}

#[test]
fn an_unreadable_date_names_row_and_column() {
    let error = read_csv(b"Recommended action,Points achieved,Last synced \nx,1/2,last Tuesday\n").unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::BadValue);
    assert_eq!(error.row, Some(2));
    assert_eq!(error.column.as_deref(), Some("Last synced"));
    assert!(error.message.contains("`last Tuesday` is not a date"), "{}", error.message);
}

#[test]
fn an_empty_title_is_refused() {
    let error = read_csv(b"Recommended action,Points achieved\n ,1/2\n").unwrap_err();
    assert_eq!((error.kind, error.row), (ReadErrorKind::BadValue, Some(2)));
}

#[test]
fn a_header_without_data_rows_is_fine() {
    let sheet = read_csv(b"Rank,Recommended action,Points achieved\r\n").unwrap();
    assert!(sheet.rows.is_empty());
    assert_eq!(sheet.headers.len(), 3);
}

#[test]
fn text_without_a_recognisable_header_is_missing_columns() {
    let error = read_csv(include_bytes!("../fixtures/export-garbage.csv")).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::MissingColumns);
}

#[test]
fn empty_binary_and_old_excel_files_are_refused() {
    assert_eq!(read_csv(include_bytes!("../fixtures/empty.csv")).unwrap_err().kind, ReadErrorKind::Empty);
    assert_eq!(read_csv(b" \r\n\t").unwrap_err().kind, ReadErrorKind::Empty);
    assert_eq!(
        read_csv(include_bytes!("../fixtures/garbage.bin")).unwrap_err().kind,
        ReadErrorKind::UnsupportedFileType
    );
    assert_eq!(
        read_csv(include_bytes!("../fixtures/old-excel.xls")).unwrap_err().kind,
        ReadErrorKind::UnsupportedFileType
    );
}

#[test]
fn column_order_does_not_matter() {
    let a = read_csv(b"Recommended action,Points achieved,Rank\nx,1/2,3\n").unwrap();
    let b = read_csv(b"Rank;Points achieved;Recommended action\n3;1/2;x\n").unwrap();
    assert_eq!(a.rows, b.rows);
}
