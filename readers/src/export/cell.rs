//! One cell of an export: its value as the file type delivers it, where it is (for messages), and how each
//! kind of column reads it.

use chrono::NaiveDateTime;

use super::ScoreImpact;
use super::dates::{self, SlashOrder};
use super::values::{self, PointsProblem};
use crate::error::{ReadError, ReadErrorKind};

/// One cell as the file type delivers it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CellValue {
    Empty,
    Text(String),
    /// A number cell; `percent` when its number format shows it as a percentage (0.0324 shown as 3.24 %).
    Number {
        value: f64,
        percent: bool,
    },
    DateTime(NaiveDateTime),
    Bool(bool),
    /// An Excel error value such as `#N/A`.
    Error(String),
}

impl CellValue {
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, for columns that hold text.
    pub(crate) fn text(&self) -> String {
        match self {
            CellValue::Empty => String::new(),
            CellValue::Text(text) => text.trim().to_owned(),
            CellValue::Number { value, .. } => format_number(*value),
            CellValue::DateTime(value) => value.format("%Y-%m-%d %H:%M:%S").to_string(),
            CellValue::Bool(value) => value.to_string(),
            CellValue::Error(code) => code.clone(),
        }
    }
}

pub(crate) fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { value.to_string() }
}

/// Where a value is, for messages: "row 17, column `Points achieved`" or "cell C7 (`Points achieved`)".
pub(crate) struct Place<'a> {
    pub(crate) row: u64,
    pub(crate) header: &'a str,
    /// For xlsx, the 0-based sheet column, so the cell can be named; named only when a message needs it.
    pub(crate) column: Option<u32>,
}

impl Place<'_> {
    /// "row 17, column `Points achieved`" for CSV, "cell C7 (`Points achieved`)" for xlsx.
    pub(crate) fn describe(&self) -> String {
        match self.column {
            Some(column) => format!("cell {}{} (`{}`)", column_letters(column), self.row, self.header),
            None => format!("row {}, column `{}`", self.row, self.header),
        }
    }

    /// An error of this kind at this place; `problem` completes the sentence after the place and a colon.
    pub(crate) fn error(&self, kind: ReadErrorKind, problem: &str) -> ReadError {
        ReadError::new(kind, format!("{}: {problem}", self.describe())).at_row(self.row).in_column(self.header)
    }

    /// A [`ReadErrorKind::BadValue`] at this place.
    pub(crate) fn bad(&self, problem: &str) -> ReadError {
        self.error(ReadErrorKind::BadValue, problem)
    }
}

/// `A`, `B`, …, `Z`, `AA`, … for a 0-based column index.
pub(crate) fn column_letters(index: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(index) + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(char::from(b'A' + rest as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

const POINTS_HINT: &str = "(expected achieved/max such as 5/9)";

pub(crate) fn points(cell: &CellValue, place: &Place<'_>) -> Result<(f64, f64), ReadError> {
    match cell {
        CellValue::Text(text) if !text.trim().is_empty() => values::parse_points(text).map_err(|problem| {
            let text = text.trim();
            place.bad(&match problem {
                PointsProblem::NotAFraction | PointsProblem::NotANumber => {
                    format!("`{text}` is not a number of points {POINTS_HINT}")
                }
                PointsProblem::Negative => format!("`{text}` has negative points"),
                PointsProblem::AboveMax => format!("`{text}` achieves more points than the maximum"),
            })
        }),
        CellValue::Empty | CellValue::Text(_) => Err(place.bad(&format!("no points are given {POINTS_HINT}"))),
        CellValue::Number { value, .. } => Err(place.bad(&format!(
            "`{}` has no maximum {POINTS_HINT}; format the column as Text so Excel keeps the slash",
            format_number(*value)
        ))),
        CellValue::DateTime(value) => Err(place.bad(&format!(
            "holds the date {}, not points {POINTS_HINT}: Excel turns values such as 5/9 into dates when it \
             opens a CSV; upload the CSV itself, or format the column as Text before pasting",
            value.format("%Y-%m-%d")
        ))),
        CellValue::Bool(_) | CellValue::Error(_) => {
            Err(place.bad(&format!("`{}` is not a number of points {POINTS_HINT}", cell.text())))
        }
    }
}

pub(crate) fn rank(cell: &CellValue, place: &Place<'_>) -> Result<Option<i32>, ReadError> {
    let parsed = match cell {
        CellValue::Empty => return Ok(None),
        CellValue::Text(text) if text.trim().is_empty() => return Ok(None),
        CellValue::Text(text) => values::parse_whole(text),
        CellValue::Number { value, .. } => values::whole_from_f64(*value),
        _ => None,
    };
    parsed.map(Some).ok_or_else(|| place.bad(&format!("`{}` is not a whole number", cell.text())))
}

pub(crate) fn score_impact(cell: &CellValue, place: &Place<'_>) -> Result<Option<ScoreImpact>, ReadError> {
    let refused = || place.bad(&format!("`{}` is not a score impact (expected +3.24 % or 0.50 points)", cell.text()));
    match cell {
        CellValue::Empty => Ok(None),
        CellValue::Text(text) => values::parse_score_impact(text).map_err(|()| refused()),
        // A percent-formatted cell holds the fraction (0.0324 is shown as 3.24 %).
        CellValue::Number { value, percent: true } => Ok(Some(ScoreImpact::Percent(value * 100.0))),
        CellValue::Number { value, percent: false } => Ok(Some(ScoreImpact::Points(*value))),
        _ => Err(refused()),
    }
}

pub(crate) fn yes_no(cell: &CellValue, place: &Place<'_>) -> Result<Option<bool>, ReadError> {
    match cell {
        CellValue::Bool(value) => Ok(Some(*value)),
        _ => values::parse_yes_no(&cell.text())
            .map_err(|()| place.bad(&format!("`{}` is neither yes nor no", cell.text()))),
    }
}

pub(crate) fn date(cell: &CellValue, place: &Place<'_>, order: SlashOrder) -> Result<Option<NaiveDateTime>, ReadError> {
    let parsed = match cell {
        CellValue::Empty => return Ok(None),
        CellValue::Text(text) if text.trim().is_empty() => return Ok(None),
        CellValue::DateTime(value) => Some(*value),
        CellValue::Text(text) => dates::parse_date_time(text, order),
        CellValue::Number { value, .. } => dates::from_excel_serial(*value),
        CellValue::Bool(_) | CellValue::Error(_) => None,
    };
    parsed.map(Some).ok_or_else(|| {
        place.bad(&format!(
            "`{}` is not a date (expected e.g. 2026-11-23 09:05, 11/23/2026 9:05 AM or 23.11.2026 09:05)",
            cell.text()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_run_like_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
        assert_eq!(column_letters(16_383), "XFD");
    }
}
