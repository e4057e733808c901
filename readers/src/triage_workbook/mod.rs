//! The triage workbook scoregrc exports (`GET …/exports/triage.xlsx`), as a person edited it: its `Triage`
//! sheet's rows with the raw values of the columns the import reads, each with its cell reference
//! (`Triage!K17`), so every problem found later can point at the cell.
//!
//! Columns are found by their header text (trimmed, case and inner spacing ignored), never by position, so a
//! person who inserts, hides or reorders columns still imports. The id and version columns must be there; the
//! three editable columns may be missing (a missing one reads as "left as exported"). Nothing here judges the
//! values: that is the service's job, which knows levels, controls and items.

mod sheet;

use std::fmt;

pub use sheet::read;

/// The sheet the rows are on.
pub const SHEET: &str = "Triage";
/// The hidden column holding each row's scoregrc id.
pub const ID_HEADER: &str = "Recommendation ID";
/// The hidden column recording what was exported, so the import can tell edits and changes since.
pub const VERSION_HEADER: &str = "Exported version";
/// The editable risk column (High, Medium, Low or blank).
pub const RISK_HEADER: &str = "Risk Reduction";
/// The editable effort column (High, Medium, Low or blank).
pub const EFFORT_HEADER: &str = "Implementation Effort";
/// The editable mapping column (`;`-separated framework-qualified control ids).
pub const MAPPING_HEADER: &str = "Regulatory Mapping";

/// Far more rows than a tenant has recommended actions (a few hundred); beyond this the workbook is refused as
/// [`crate::ReadErrorKind::TooLarge`] instead of being held in memory.
pub const MAX_ROWS: usize = 200_000;

/// Text kept from the columns read, all rows together: a shared string repeated in many cells would otherwise
/// be copied into each of them.
pub const MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;

/// The rows of an edited triage workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageSheet {
    /// The sheet's name as the workbook spells it (`Triage`, or `triage` after a rename).
    pub sheet: String,
    /// Which editable columns the sheet has.
    pub columns: EditableColumns,
    /// Rows below the header with a value in at least one column read, in sheet order.
    pub rows: Vec<TriageRow>,
}

/// Which of the editable columns the sheet has; a missing one leaves its values as exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditableColumns {
    pub risk: bool,
    pub effort: bool,
    pub mapping: bool,
}

/// One row as the workbook holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageRow {
    /// 1-based sheet row.
    pub row: u64,
    /// `Recommendation ID`.
    pub id: RawCell,
    /// `Exported version`.
    pub version: RawCell,
    /// `Risk Reduction`; `None` when the sheet has no such column.
    pub risk: Option<RawCell>,
    /// `Implementation Effort`; `None` when the sheet has no such column.
    pub effort: Option<RawCell>,
    /// `Regulatory Mapping`; `None` when the sheet has no such column.
    pub mapping: Option<RawCell>,
}

/// A cell's value and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCell {
    /// `Triage!K17` (the sheet name quoted when it needs it: `'My triage'!K17`).
    pub reference: String,
    pub value: RawValue,
}

/// A cell's value as the workbook stores it, before any interpretation.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// No value, or only spaces.
    Empty,
    /// Text as written (not trimmed).
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date or time cell, as ISO 8601 text.
    DateTime(String),
    /// An Excel error value such as `#N/A`.
    Error(String),
}

impl RawValue {
    /// Empty, or text of spaces only.
    pub fn is_blank(&self) -> bool {
        match self {
            RawValue::Empty => true,
            RawValue::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The value as a person would read it, trimmed; empty for a blank cell.
    pub fn text(&self) -> String {
        match self {
            RawValue::Empty => String::new(),
            RawValue::Text(text) => text.trim().to_owned(),
            RawValue::Number(value) if value.fract() == 0.0 && value.abs() < 1e15 => format!("{value:.0}"),
            RawValue::Number(value) => value.to_string(),
            RawValue::Bool(value) => if *value { "TRUE" } else { "FALSE" }.to_owned(),
            RawValue::DateTime(text) | RawValue::Error(text) => text.clone(),
        }
    }
}

impl fmt::Display for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// `sheet!C7`, quoting the sheet name as Excel does when it is not a plain word.
pub fn cell_reference(sheet: &str, column: u32, row: u64) -> String {
    format!("{}!{}{row}", sheet_prefix(sheet), crate::export::column_letters(column))
}

/// `sheet!7:7`, a whole row.
pub fn row_reference(sheet: &str, row: u64) -> String {
    format!("{}!{row}:{row}", sheet_prefix(sheet))
}

fn sheet_prefix(sheet: &str) -> String {
    let plain = !sheet.is_empty() && sheet.chars().all(|c| c.is_alphanumeric() || c == '_');
    if plain { sheet.to_owned() } else { format!("'{}'", sheet.replace('\'', "''")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_quote_sheet_names_that_need_it() {
        assert_eq!(cell_reference("Triage", 3, 17), "Triage!D17");
        assert_eq!(cell_reference("My triage", 27, 2), "'My triage'!AB2");
        assert_eq!(cell_reference("Bob's", 0, 1), "'Bob''s'!A1");
        assert_eq!(row_reference("Triage", 1), "Triage!1:1");
    }

    #[test]
    fn values_read_as_people_see_them() {
        assert_eq!(RawValue::Text("  High ".into()).text(), "High");
        assert_eq!(RawValue::Number(3.0).text(), "3");
        assert_eq!(RawValue::Number(2.5).text(), "2.5");
        assert_eq!(RawValue::Bool(true).text(), "TRUE");
        assert!(RawValue::Text("   ".into()).is_blank());
        assert!(RawValue::Empty.is_blank());
        assert!(!RawValue::Number(0.0).is_blank());
    }
}
