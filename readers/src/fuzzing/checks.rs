//! The invariants the fuzz targets check, one function per kind of result. Each panics naming the broken rule.

use crate::error::{ReadError, ReadErrorKind};
use crate::export::{ExportSheet, PortalStatus, ScoreImpact};
use crate::graph::{ControlProfile, ScoreDay};
use crate::triage_workbook::{RawValue, TriageSheet};

/// Where an export came from, for what its error locations may say.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    /// CSV with this many lines at most (an upper bound for row numbers).
    Csv {
        lines: u64,
    },
    Xlsx,
}

/// The last 1-based row a workbook reader can name: calamine keeps rows as 0-based `u32`.
const LAST_SHEET_ROW: u64 = u32::MAX as u64 + 1;

/// Every error says something a person can read.
fn message(error: &ReadError) {
    assert!(!error.message.trim().is_empty(), "an error without message: {error:?}");
    assert_eq!(error.message.trim(), error.message, "an error message with surrounding space: {error:?}");
}

pub(super) fn export_error(error: &ReadError, source: Source) {
    message(error);
    assert_eq!(error.field, None, "export errors have no JSON path: {error:?}");
    let last_row = match source {
        Source::Csv { lines } => lines,
        Source::Xlsx => LAST_SHEET_ROW,
    };
    if let Some(row) = error.row {
        assert!((1..=last_row).contains(&row), "row {row} is outside the file (1..={last_row}): {error:?}");
    }
    if let Some(column) = &error.column {
        assert_eq!(column.trim(), column, "a column name with surrounding space: {error:?}");
    }
    match error.kind {
        // A value is named by its place: the row and column, also at the start of the sentence.
        ReadErrorKind::BadValue | ReadErrorKind::Formula => {
            let (Some(row), Some(column)) = (error.row, error.column.as_deref()) else {
                panic!("a bad value without row and column: {error:?}");
            };
            let place = match source {
                Source::Csv { .. } => format!("row {row}, column `{column}`: "),
                Source::Xlsx => format!("{row} (`{column}`)"),
            };
            let named = match source {
                Source::Csv { .. } => error.message.starts_with(&place),
                Source::Xlsx => error.message.starts_with("cell ") && error.message.contains(&place),
            };
            assert!(named, "the message does not start with the place `{place}`: {error:?}");
        }
        ReadErrorKind::MissingColumns => assert!(error.row.is_some(), "missing columns without the header row"),
        ReadErrorKind::Empty
        | ReadErrorKind::UnsupportedFileType
        | ReadErrorKind::Truncated
        | ReadErrorKind::TooLarge
        | ReadErrorKind::MalformedJson => {
            assert_ne!(error.kind, ReadErrorKind::MalformedJson, "an export is no JSON: {error:?}");
            assert_eq!((error.row, &error.column), (None, &None), "a whole-file error with a place: {error:?}");
        }
    }
}

pub(super) fn export_sheet(sheet: &ExportSheet) {
    assert!(!sheet.headers.is_empty(), "a sheet without headers");
    let mut previous_row = 1;
    for row in &sheet.rows {
        assert!(
            row.row > previous_row,
            "row {} does not follow row {previous_row} (header is row 1 or later)",
            row.row
        );
        previous_row = row.row;
        assert!(!row.title.is_empty(), "row {}: an empty title", row.row);
        assert_eq!(row.title.split_whitespace().collect::<Vec<_>>().join(" "), row.title, "title not collapsed");
        finite(&[row.achieved, row.max]);
        assert!(
            row.achieved >= 0.0 && row.achieved <= row.max + 1e-9,
            "row {}: points {}/{}",
            row.row,
            row.achieved,
            row.max
        );
        if let Some(ScoreImpact::Points(value) | ScoreImpact::Percent(value)) = row.score_impact {
            finite(&[value]);
        }
        assert_eq!(
            row.status,
            row.status_text.as_deref().and_then(PortalStatus::from_text),
            "status and its text disagree"
        );
        for text in
            [&row.status_text, &row.category, &row.product, &row.microsoft_update, &row.notes].into_iter().flatten()
        {
            assert!(!text.is_empty() && text.trim() == text, "row {}: untrimmed or empty text {text:?}", row.row);
        }
        for (header, value) in &row.extra {
            assert!(!header.is_empty() && !value.is_empty(), "row {}: an empty extra cell {header:?}", row.row);
        }
    }
}

/// JSON readers: the error says where in the document, never a row or column of a sheet.
pub(super) fn json_error(error: &ReadError) {
    message(error);
    assert_eq!((error.row, &error.column), (None, &None), "a JSON error with a sheet place: {error:?}");
    // The path is made of the document's own keys, which may be anything (`""`, `.x`): the message must name it.
    if let Some(field) = &error.field {
        assert!(error.message.contains(&format!("`{field}`")), "the message does not name the path: {error:?}");
    }
    match error.kind {
        ReadErrorKind::Empty | ReadErrorKind::MalformedJson => {}
        ReadErrorKind::BadValue => assert!(error.field.is_some(), "a bad JSON value without its path: {error:?}"),
        other => panic!("a JSON reader reported {other:?}: {error:?}"),
    }
}

/// What a JSON reader accepted is JSON in its structure (after an optional BOM): nothing cut off, nothing
/// trailing. serde_json does not check the UTF-8 or escapes of a string it skips (an unknown key's value), so
/// neither does this: such bytes are replaced first and values are skipped as the readers skip them.
pub(super) fn valid_json(data: &[u8]) {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let text = String::from_utf8_lossy(data);
    let parsed = serde_json::from_str::<serde::de::IgnoredAny>(&text);
    assert!(parsed.is_ok(), "a page was read from bytes that are no JSON: {parsed:?}");
}

/// A next-page link is trimmed and not empty.
pub(super) fn link(link: Option<&str>) {
    if let Some(link) = link {
        name(link);
    }
}

/// Names and ids are trimmed and not empty.
pub(super) fn name(text: &str) {
    assert!(!text.is_empty() && text.trim() == text, "an empty or untrimmed name {text:?}");
}

pub(super) fn finite(values: &[f64]) {
    assert!(values.iter().all(|value| value.is_finite()), "a number that is not finite: {values:?}");
}

fn finite_opt(values: &[Option<f64>]) {
    finite(&values.iter().flatten().copied().collect::<Vec<_>>());
}

pub(super) fn score_day(day: &ScoreDay) {
    finite(&[day.current_score, day.max_score]);
    for average in &day.averages {
        finite_opt(&[average.average_score]);
        for (category, score, max) in &average.per_category {
            name(category);
            finite_opt(&[*score, *max]);
        }
    }
    for service in &day.enabled_services {
        name(service);
    }
    for control in &day.controls {
        name(&control.name);
        finite_opt(&[control.score, control.score_in_percentage, control.count, control.total]);
    }
}

pub(super) fn profile(profile: &ControlProfile) {
    name(&profile.id);
    finite_opt(&[profile.max_score]);
    for (at, threat) in profile.threats.iter().enumerate() {
        name(threat);
        let twice = profile.threats[..at].iter().any(|earlier| earlier.to_lowercase() == threat.to_lowercase());
        assert!(!twice, "threat {threat:?} listed twice");
    }
    if let Some(state) = &profile.state {
        assert_eq!(state.state, crate::graph::MsState::from_text(&state.raw), "state and its text disagree");
    }
}

/// The triage workbook: every error names a cell, a row or `file`.
pub(super) fn triage_error(error: &ReadError) {
    message(error);
    let Some(field) = &error.field else { panic!("a triage workbook error without a place: {error:?}") };
    assert!(field == "file" || field.contains('!'), "`{field}` is neither a cell, a row nor `file`: {error:?}");
    if let Some(row) = error.row {
        assert!((1..=LAST_SHEET_ROW).contains(&row), "row {row} is outside a sheet: {error:?}");
    }
}

pub(super) fn triage_sheet(sheet: &TriageSheet) {
    assert!(sheet.sheet.trim().eq_ignore_ascii_case(crate::triage_workbook::SHEET), "read sheet `{}`", sheet.sheet);
    let prefix = crate::triage_workbook::row_reference(&sheet.sheet, 1);
    let prefix = prefix.trim_end_matches("1:1");
    let mut previous_row = 1;
    for row in &sheet.rows {
        assert!(row.row > previous_row && row.row <= LAST_SHEET_ROW, "row {} after row {previous_row}", row.row);
        previous_row = row.row;
        let editable = [(&row.risk, sheet.columns.risk), (&row.effort, sheet.columns.effort)];
        for (cell, present) in editable.into_iter().chain([(&row.mapping, sheet.columns.mapping)]) {
            assert_eq!(
                cell.is_some(),
                present,
                "row {}: a cell of a column the sheet has not, or the reverse",
                row.row
            );
        }
        let cells = [Some(&row.id), Some(&row.version), row.risk.as_ref(), row.effort.as_ref(), row.mapping.as_ref()];
        let mut any_value = false;
        for cell in cells.into_iter().flatten() {
            let own_row = cell.reference.strip_prefix(prefix).and_then(|cell| cell.strip_suffix(&row.row.to_string()));
            let letters =
                own_row.is_some_and(|letters| !letters.is_empty() && letters.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(
                letters,
                "row {}: reference `{}` is not a cell of that row on `{}`",
                row.row, cell.reference, sheet.sheet
            );
            assert!(!matches!(&cell.value, RawValue::Text(text) if text.trim().is_empty()), "blank text kept as text");
            any_value |= cell.value != RawValue::Empty;
        }
        assert!(any_value, "row {} has no value in any column read", row.row);
    }
}
