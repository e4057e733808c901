//! Workbooks built to make the xlsx readers hold more than a file can need: each is refused before calamine
//! reads it, by both xlsx readers (the portal export and the triage workbook).

use std::io::{Cursor, Read, Write};

use readers::{ReadError, ReadErrorKind};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

/// Both readers' errors for `bytes`; they share the checks before calamine.
fn both(bytes: &[u8]) -> [ReadError; 2] {
    let export = readers::export::read_xlsx(bytes, None).unwrap_err();
    let triage = readers::triage_workbook::read(bytes).unwrap_err();
    [export, triage]
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// An end-of-directory record: `entries`, the directory's size and offset, and a comment length.
fn end_record(entries: u16, size: usize, offset: usize, comment_len: u16) -> Vec<u8> {
    let mut record = b"PK\x05\x06\0\0\0\0".to_vec();
    record.extend_from_slice(&entries.to_le_bytes());
    record.extend_from_slice(&entries.to_le_bytes());
    record.extend_from_slice(&u32::try_from(size).unwrap().to_le_bytes());
    record.extend_from_slice(&u32::try_from(offset).unwrap().to_le_bytes());
    record.extend_from_slice(&comment_len.to_le_bytes());
    record
}

#[test]
fn a_second_directory_the_zip_reader_would_use_is_checked_too() {
    // The workbook's directory, once declaring 2 GiB per entry and followed by its end record, then an honest
    // copy with an end record whose comment runs past the end of the file. A walk from the last end record sees
    // the honest copy; the ZIP reader skips that record as broken and uses the first directory, whose sizes
    // are all that bounds what it inflates. Before the fix the workbook was read with a 2 GiB allowance per part.
    let workbook = fixture("export.xlsx");
    let end = workbook.len() - 22;
    let entries = u16::from_le_bytes([workbook[end + 10], workbook[end + 11]]);
    let (size, offset) = (u32_at(&workbook, end + 12) as usize, u32_at(&workbook, end + 16) as usize);
    let honest = &workbook[offset..offset + size];
    let mut large = honest.to_vec();
    let mut at = 0;
    while at < large.len() {
        large[at + 24..at + 28].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
        let lengths =
            [28, 30, 32].map(|field| usize::from(u16::from_le_bytes([large[at + field], large[at + field + 1]])));
        at += 46 + lengths.iter().sum::<usize>();
    }
    let mut bytes = workbook[..offset].to_vec();
    bytes.extend_from_slice(&large);
    bytes.extend_from_slice(&end_record(entries, size, offset, 0));
    let second = bytes.len();
    bytes.extend_from_slice(honest);
    bytes.extend_from_slice(&end_record(entries, size, second, u16::MAX));
    for error in both(&bytes) {
        assert_eq!(error.kind, ReadErrorKind::TooLarge, "{error:?}");
    }
}

/// `workbook` with the text `from` replaced by `to` in its shared strings part, rewritten with valid checksums.
fn with_shared_strings_replaced(workbook: &[u8], from: &str, to: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(workbook)).unwrap();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut content = String::new();
        entry.read_to_string(&mut content).unwrap();
        if name == "xl/sharedStrings.xml" {
            assert!(content.contains(from), "{content}");
            content = content.replace(from, to);
        }
        writer.start_file(name, options).unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn a_shared_string_count_beyond_the_workbook_is_refused() {
    // calamine reserves `uniqueCount` strings up front: 40 billion of them is 960 GB in one allocation, whose
    // failure aborts the process (no panic to catch). Found reading calamine; before the fix this test aborted.
    let workbook = fixture("export.xlsx");
    let bytes = with_shared_strings_replaced(&workbook, "uniqueCount=\"", "uniqueCount=\"400000000");
    for error in both(&bytes) {
        assert_eq!(error.kind, ReadErrorKind::Truncated, "{error:?}");
        assert!(error.message.contains("shared strings claim"), "{}", error.message);
    }
    // The same count in the XML parts the fuzz targets pack (a seed of theirs, so they keep passing this check).
    let packed = readers::fuzzing::workbook::pack(&fixture("triage-parts-count-too-large.xml")).unwrap();
    assert_eq!(readers::triage_workbook::read(&packed).unwrap_err().kind, ReadErrorKind::Truncated);
    // The count a real workbook writes passes, however it is spaced.
    let spaced = with_shared_strings_replaced(&workbook, "uniqueCount=", "uniqueCount = ");
    assert_eq!(readers::export::read_xlsx(&spaced, None).unwrap().rows.len(), 2);
}

/// A sheet with a two-column table in A1:B2 and one more cell at (`row`, `column`), 0-based.
fn table_and_one_cell(row: u32, column: u16) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "Recommended action").unwrap();
    sheet.write_string(0, 1, "Points achieved").unwrap();
    sheet.write_string(1, 0, "MFA").unwrap();
    sheet.write_string(1, 1, "1/2").unwrap();
    sheet.write_string(row, column, "far away").unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn cells_far_apart_are_refused_before_they_are_laid_out() {
    // calamine's Range holds every position between the first and the last cell: a cell at XFD200000 made it
    // allocate 3.3 billion cells (about 100 GB) and abort the process before the fix.
    let error = readers::export::read_xlsx(&table_and_one_cell(199_999, 16_383), None).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::TooLarge, "{error:?}");
    assert!(error.message.contains("200000 rows and 16384 columns"), "{}", error.message);
    let error = readers::export::read_xlsx(&table_and_one_cell(1_048_575, 16_383), None).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::TooLarge, "{error:?}");
    // A wide but short sheet is still read, and a tall narrow one gets as far as its rows.
    assert_eq!(readers::export::read_xlsx(&table_and_one_cell(0, 16_383), None).unwrap().rows.len(), 1);
    let error = readers::export::read_xlsx(&table_and_one_cell(200_000, 2), None).unwrap_err();
    assert_eq!((error.kind, error.row), (ReadErrorKind::BadValue, Some(200_001)), "{error:?}");
}
