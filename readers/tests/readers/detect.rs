//! File kind detection on the fixture files.

use readers::{FileKind, ReadErrorKind, detect};

#[test]
fn every_csv_fixture_is_csv() {
    for bytes in [
        &include_bytes!("../fixtures/export-en-bom-crlf.csv")[..],
        include_bytes!("../fixtures/export-de-semicolon.csv"),
        include_bytes!("../fixtures/export-de-cp1252.csv"),
        include_bytes!("../fixtures/export-fr.csv"),
        include_bytes!("../fixtures/export-utf16le-tab.csv"),
        include_bytes!("../fixtures/export-garbage.csv"),
    ] {
        assert_eq!(detect(bytes), Ok(FileKind::Csv));
    }
}

#[test]
fn the_empty_file_is_empty() {
    assert_eq!(detect(include_bytes!("../fixtures/empty.csv")).unwrap_err().kind, ReadErrorKind::Empty);
}

#[test]
fn binary_garbage_is_unsupported() {
    assert_eq!(detect(include_bytes!("../fixtures/garbage.bin")).unwrap_err().kind, ReadErrorKind::UnsupportedFileType);
}

#[test]
fn an_old_xls_is_unsupported_with_advice() {
    let error = detect(include_bytes!("../fixtures/old-excel.xls")).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::UnsupportedFileType);
    assert!(error.message.contains("save it as .xlsx"), "{}", error.message);
}

#[test]
fn a_generated_workbook_is_xlsx() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.add_worksheet().write_string(0, 0, "Rank").unwrap();
    assert_eq!(detect(&workbook.save_to_buffer().unwrap()), Ok(FileKind::Xlsx));
}
