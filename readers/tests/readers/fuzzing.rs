//! The fuzz targets of `readers::fuzzing` as plain tests: over every fixture and every seed of `fuzz/corpus`,
//! and over each input the fuzzer found (a regression test per fix, with what the reader must say now).
//! `fuzzing_props.rs` runs the same targets under proptest.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use readers::ReadErrorKind;
use readers::fuzzing::TARGETS;
use readers::fuzzing::workbook::{pack, parts};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file below `dir`, in a stable order.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() { pending.push(path) } else { files.push(path) }
        }
    }
    files.sort();
    files
}

#[test]
fn every_target_keeps_its_invariants_on_every_fixture_and_seed() {
    let corpus = crate_dir().join("../fuzz/corpus");
    let mut files = files_below(&crate_dir().join("tests/fixtures"));
    files.extend(files_below(&corpus));
    for (name, _) in TARGETS {
        assert!(!files_below(&corpus.join(name)).is_empty(), "fuzz/corpus/{name} has no seeds");
    }
    let mut failures = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for (name, target) in TARGETS {
            if panic::catch_unwind(AssertUnwindSafe(|| target(&bytes))).is_err() {
                failures.push(format!("{name} on {}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "invariants broken: {failures:#?}");
}

/// The xlsx seeds in `tests/fixtures`, written by a real writer. Run with `cargo test -p readers -- --ignored
/// write_xlsx_seeds` after changing them, then copy them to `fuzz/corpus/portal_xlsx` and `…/triage_workbook`.
///
/// Each comes deflated, as Excel writes it, stored (uncompressed), and as the XML parts the targets pack into a
/// workbook themselves (`readers::fuzzing::workbook`), where every change the fuzzer makes reaches calamine.
#[test]
#[ignore = "writes the seed files; run by hand"]
fn write_xlsx_seeds() {
    let fixtures = crate_dir().join("tests/fixtures");
    for (name, workbook) in [("export", export_workbook()), ("triage", triage_workbook())] {
        std::fs::write(fixtures.join(format!("{name}.xlsx")), &workbook).unwrap();
        std::fs::write(fixtures.join(format!("{name}-stored.xlsx")), stored(&workbook)).unwrap();
        std::fs::write(fixtures.join(format!("{name}-parts.xml")), parts(&workbook).unwrap()).unwrap();
    }
}

/// The same ZIP with every entry stored uncompressed.
fn stored(zip: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        writer.start_file(entry.name().unwrap(), options).unwrap();
        writer.write_all(&content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A portal export in a workbook: typed cells, a percentage, a date, a formula in a text column, shared strings.
fn export_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let headers = ["Rank", "Recommended action", "Score impact", "Points achieved", "Status", "Regressed"];
    for (column, header) in (0u16..).zip(headers.into_iter().chain(["Have license?", "Last synced", "Notes"])) {
        sheet.write_string(0, column, header).unwrap();
    }
    sheet.write_number(1, 0, 1).unwrap();
    sheet.write_string(1, 1, "Require MFA for administrative roles").unwrap();
    sheet.write_number_with_format(1, 2, 0.0324, &Format::new().set_num_format("0.00%")).unwrap();
    sheet.write_string(1, 3, "10/10").unwrap();
    sheet.write_string(1, 4, "Completed").unwrap();
    sheet.write_boolean(1, 5, false).unwrap();
    let synced = ExcelDateTime::from_ymd(2026, 11, 23).unwrap().and_hms(9, 5, 0).unwrap();
    sheet.write_datetime_with_format(1, 7, &synced, &Format::new().set_num_format("yyyy-mm-dd hh:mm")).unwrap();
    sheet.write_formula(1, 8, "=\"done\"").unwrap();
    sheet.write_string(2, 0, "2").unwrap();
    sheet.write_string(2, 1, "Block legacy authentication").unwrap();
    sheet.write_string(2, 2, "0.50 points").unwrap();
    sheet.write_string(2, 3, "4,5 / 9").unwrap();
    sheet.write_string(2, 4, "To address").unwrap();
    sheet.write_string(2, 6, "Yes").unwrap();
    sheet.write_string(2, 7, "11/22/2026 11:40 PM").unwrap();
    workbook.save_to_buffer().unwrap()
}

/// A triage workbook as a person edited it: a title row, the header, rows with text, a number and a gap.
fn triage_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Triage").unwrap();
    sheet.write_string(0, 0, "Q1 triage").unwrap();
    let headers = ["Recommendation ID", "Exported version", "Title", "Risk Reduction", "Implementation Effort"];
    for (column, header) in (0u16..).zip(headers.into_iter().chain(["Regulatory Mapping"])) {
        sheet.write_string(1, column, header).unwrap();
    }
    let rows =
        [["id-1", "v-1", "MFA", "High", "Low", "iso27001:5.17; nis2:21.2.j"], ["id-2", "v-2", "Legacy", "", "", ""]];
    for (row, cells) in (2u32..).zip(rows) {
        for (column, text) in (0u16..).zip(cells) {
            if !text.is_empty() {
                sheet.write_string(row, column, text).unwrap();
            }
        }
    }
    sheet.write_number(4, 0, 3.0).unwrap();
    sheet.write_boolean(4, 3, true).unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn the_xlsx_seeds_read() {
    let fixture = |name: &str| std::fs::read(crate_dir().join("tests/fixtures").join(name)).unwrap();
    for suffix in ["", "-stored"] {
        let export = readers::export::read_xlsx(&fixture(&format!("export{suffix}.xlsx")), None).unwrap();
        assert_eq!(export.rows.len(), 2);
        let triage = readers::triage_workbook::read(&fixture(&format!("triage{suffix}.xlsx"))).unwrap();
        assert_eq!(triage.rows.len(), 3);
    }
    let export = readers::export::read_xlsx(&pack(&fixture("export-parts.xml")).unwrap(), None).unwrap();
    assert_eq!(export.rows.len(), 2, "the parts pack into the same workbook");
    assert_eq!(readers::triage_workbook::read(&pack(&fixture("triage-parts.xml")).unwrap()).unwrap().rows.len(), 3);
    assert_eq!(pack(&fixture("export.xlsx")), None, "a ZIP is read as it is");
    assert_eq!(readers::export::read_xlsx(b"", None).unwrap_err().kind, ReadErrorKind::Empty);
}

/// An input the fuzzer found, saved in `tests/fixtures/fuzz/` (and as a seed in `fuzz/corpus/`).
fn found(name: &str) -> Vec<u8> {
    std::fs::read(crate_dir().join("tests/fixtures/fuzz").join(name)).unwrap()
}

#[test]
fn rows_of_a_csv_with_lone_cr_line_ends_are_numbered_by_line() {
    // UTF-16 text whose header ends in a lone CR: both rows were row 1, like the header, before the fix.
    let sheet = readers::export::read_csv(&found("portal_csv-utf16-lone-cr-line-ends.csv")).unwrap();
    let rows: Vec<u64> = sheet.rows.iter().map(|row| row.row).collect();
    assert_eq!(rows, [2, 3]);
}

#[test]
fn a_damaged_triage_workbook_names_the_file_as_the_place() {
    let error = readers::triage_workbook::read(&found("triage_workbook-damaged-zip-directory.xlsx")).unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::Truncated);
    assert_eq!(error.field.as_deref(), Some("file"), "was None before the fix");
}

#[test]
fn bad_utf8_in_a_skipped_json_string_is_tolerated_but_not_in_a_read_one() {
    // serde_json does not check the UTF-8 of a value it skips (here an `id`); the fields read are checked.
    let page = readers::arm::parse_score_controls(&found("arm_score_controls-bad-utf8-in-skipped-string.json"));
    assert_eq!(page.unwrap().items.len(), 1);
    assert_eq!(
        readers::graph::parse_profiles_page(&found("graph_profiles-bad-utf8-in-skipped-string.json"))
            .unwrap()
            .profiles
            .len(),
        4
    );
    let error =
        readers::arm::parse_secure_scores(b"{\"value\":[{\"name\":\"a\xC4o\",\"properties\":{}}]}").unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::MalformedJson);
}

#[test]
fn calamines_overflow_on_hostile_references_stays_behind_the_panic_boundary() {
    // Cell `ttt…t3` (100 letters) overflows calamine's column arithmetic; the dimension `H1:F5` ends before it
    // starts and overflows its width. With overflow checks (debug builds) calamine panics there and the readers'
    // panic boundary reports a damaged workbook; release builds wrap and read on to an ordinary error. Checking
    // every cell reference before calamine would mean parsing each sheet twice for a debug-only panic, so the
    // fuzz build runs calamine with release arithmetic (fuzz/Cargo.toml) and these stay regression inputs.
    let export = readers::export::read_xlsx(&pack(&found("portal_xlsx-column-letters-overflow.xml")).unwrap(), None);
    let triage = readers::triage_workbook::read(&found("triage_workbook-dimension-ends-before-start.xlsx"));
    let (export, triage) = (export.unwrap_err(), triage.unwrap_err());
    if cfg!(debug_assertions) {
        assert_eq!(export.kind, ReadErrorKind::Truncated, "{export:?}");
    }
    assert_eq!((triage.kind, triage.field.as_deref()), (ReadErrorKind::Truncated, Some("file")), "{triage:?}");
}

#[test]
fn cells_far_apart_found_by_the_fuzzer_are_refused() {
    // The fuzzer gave a cell of the packed export a 100-letter column, which calamine's release arithmetic wraps
    // to a column far from the table: its Range asked for about 49 GB (the out-of-memory reported) before
    // `dense` measured the range. With overflow checks calamine panics on the letters first, behind the panic
    // boundary. `xlsx_limits.rs` builds the far cell with a real writer.
    let error = readers::export::read_xlsx(&pack(&found("portal_xlsx-cells-far-apart.xml")).unwrap(), None);
    let expected = if cfg!(debug_assertions) { ReadErrorKind::Truncated } else { ReadErrorKind::TooLarge };
    assert_eq!(error.unwrap_err().kind, expected);
}
