//! Fuzz target bodies: each feeds arbitrary bytes to one reader and checks what must hold for any input.
//!
//! The cargo-fuzz targets in `fuzz/fuzz_targets/` are one-line calls of these functions, and the crate's
//! tests run the same functions over every fixture and seed file and under proptest, so an input the fuzzer
//! finds is replayed by a plain `cargo test` once it is saved as a fixture.
//!
//! Every function panics, with the broken rule in the message, when a reader's result breaks an invariant:
//! that is how libFuzzer and proptest notice. Panics, hangs and unbounded allocation inside a reader are
//! caught by the fuzzer itself (`-timeout`, `-rss_limit_mb`). Under libFuzzer any panic aborts, even one the
//! xlsx readers' panic boundary around calamine would turn into an error, so the fuzzer reports calamine's
//! panics too; under `cargo test` that boundary catches them. The invariants are those a caller relies on for
//! any upload: an error says what is wrong and where (a row and column, a cell, a JSON path), and data that
//! reads successfully has finite numbers, trimmed non-empty names and ordered rows.
//!
//! Not an API for the service: nothing here is called outside fuzzing and tests.

mod checks;
pub mod workbook;

use crate::FileKind;

/// The portal export as CSV ([`crate::export::read_csv`]), with [`crate::detect`] alongside.
///
/// A successful read must also be detected as CSV; a bad value names its row (within the file's lines) and
/// column.
pub fn portal_csv(data: &[u8]) {
    let kind = crate::detect(data);
    match crate::export::read_csv(data) {
        Ok(sheet) => {
            assert_eq!(kind, Ok(FileKind::Csv), "read as CSV but detected otherwise");
            checks::export_sheet(&sheet);
        }
        Err(error) => checks::export_error(&error, checks::Source::Csv { lines: line_count(data) }),
    }
}

/// The portal export as xlsx ([`crate::export::read_xlsx`], first sheet): `data` as it is, and when it is no
/// ZIP, also the workbook [`workbook::pack`] makes of it.
///
/// A successful read must also be detected as xlsx; a bad value names its cell.
pub fn portal_xlsx(data: &[u8]) {
    for bytes in std::iter::once(data.to_vec()).chain(workbook::pack(data)) {
        let kind = crate::detect(&bytes);
        match crate::export::read_xlsx(&bytes, None) {
            Ok(sheet) => {
                assert_eq!(kind, Ok(FileKind::Xlsx), "read as xlsx but detected otherwise");
                checks::export_sheet(&sheet);
            }
            Err(error) => checks::export_error(&error, checks::Source::Xlsx),
        }
    }
}

/// One page of Graph `secureScores` ([`crate::graph::parse_scores_page`]), and the same bytes as an error body
/// ([`crate::graph::parse_error`]), which the client tries on every failed answer.
pub fn graph_scores(data: &[u8]) {
    let _ = crate::graph::parse_error(data);
    match crate::graph::parse_scores_page(data) {
        Ok(page) => {
            checks::valid_json(data);
            checks::link(page.next_link.as_deref());
            page.days.iter().for_each(checks::score_day);
        }
        Err(error) => checks::json_error(&error),
    }
}

/// One page of Graph `secureScoreControlProfiles` ([`crate::graph::parse_profiles_page`]).
pub fn graph_profiles(data: &[u8]) {
    match crate::graph::parse_profiles_page(data) {
        Ok(page) => {
            checks::valid_json(data);
            checks::link(page.next_link.as_deref());
            page.profiles.iter().for_each(checks::profile);
        }
        Err(error) => checks::json_error(&error),
    }
}

/// One page of ARM (Defender for Cloud) subscription secure scores ([`crate::arm::parse_secure_scores`]).
pub fn arm_secure_scores(data: &[u8]) {
    match crate::arm::parse_secure_scores(data) {
        Ok(page) => {
            checks::valid_json(data);
            checks::link(page.next_link.as_deref());
            for score in &page.items {
                checks::name(&score.name);
                checks::finite(&[score.current, score.max, score.percentage]);
            }
        }
        Err(error) => checks::json_error(&error),
    }
}

/// One page of ARM (Defender for Cloud) score controls ([`crate::arm::parse_score_controls`]).
pub fn arm_score_controls(data: &[u8]) {
    match crate::arm::parse_score_controls(data) {
        Ok(page) => {
            checks::valid_json(data);
            checks::link(page.next_link.as_deref());
            for control in &page.items {
                checks::name(&control.name);
                checks::name(&control.display_name);
                checks::finite(&[control.current, control.max, control.percentage]);
            }
        }
        Err(error) => checks::json_error(&error),
    }
}

/// The triage workbook as a person edited it ([`crate::triage_workbook::read`]): `data` as it is, and when it
/// is no ZIP, also the workbook [`workbook::pack`] makes of it.
///
/// Every error names a cell, a row or `file`; rows are in sheet order below the header, and each cell's
/// reference points at its own row on the sheet read.
pub fn triage_workbook(data: &[u8]) {
    for bytes in std::iter::once(data.to_vec()).chain(workbook::pack(data)) {
        match crate::triage_workbook::read(&bytes) {
            Ok(sheet) => checks::triage_sheet(&sheet),
            Err(error) => checks::triage_error(&error),
        }
    }
}

/// A fuzz target body.
pub type Target = fn(&[u8]);

/// Every target with its name, as `fuzz/fuzz_targets/` names them, so tests can run each over every seed.
pub const TARGETS: [(&str, Target); 7] = [
    ("portal_csv", portal_csv),
    ("portal_xlsx", portal_xlsx),
    ("graph_scores", graph_scores),
    ("graph_profiles", graph_profiles),
    ("arm_secure_scores", arm_secure_scores),
    ("arm_score_controls", arm_score_controls),
    ("triage_workbook", triage_workbook),
];

/// Lines of a text file as an upper bound for row numbers: every line break holds a 0x0A byte in UTF-8,
/// Windows-1252 and UTF-16 alike, and a lone CR counts too (old Mac files end lines with it).
fn line_count(data: &[u8]) -> u64 {
    1 + data.iter().filter(|&&byte| byte == b'\n' || byte == b'\r').count() as u64
}
