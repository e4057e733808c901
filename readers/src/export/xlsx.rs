//! The export as an xlsx workbook, read with calamine.

use std::collections::HashSet;
use std::io::Cursor;
use std::panic::{self, AssertUnwindSafe};

use calamine::{Cell, Data, DataRef, Range, Reader, StyleRange, Xlsx, XlsxError, XlsxFormulaMetadata};

use super::ExportSheet;
use super::cell::CellValue;
use super::rows::{self, RawRow, RawSheet};
use super::zip_check;
use crate::detect::{self, Sniff};
use crate::error::{ReadError, ReadErrorKind};

/// Reads a portal export saved as an xlsx workbook: the first sheet when `sheet` is `None`, else the sheet
/// of that name (exact, then case-insensitive, as Excel treats sheet names).
///
/// The header row is the first row with a non-empty cell. Numbers may be number cells or text; a formula
/// in `Points achieved`, `Rank` or `Score impact` is [`ReadErrorKind::Formula`] naming the cell; date cells
/// become date-times; a cut-off or damaged file is [`ReadErrorKind::Truncated`]. Never panics: the
/// workbook parser runs behind a panic boundary, so even a parser bug on a hostile file becomes an error
/// (this relies on the default `panic = "unwind"`).
pub fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<ExportSheet, ReadError> {
    match detect::sniff(bytes) {
        Sniff::Zip => {}
        Sniff::Empty => return Err(detect::empty_file()),
        Sniff::Ole2 => return Err(detect::old_excel_file()),
        Sniff::Binary(what) => return Err(detect::binary_file(what)),
        Sniff::Text(_) => {
            return Err(ReadError::new(
                ReadErrorKind::UnsupportedFileType,
                "this file is text (CSV), not an .xlsx workbook; read it as CSV",
            ));
        }
    }
    zip_check::check(bytes)?;
    let raw = panic::catch_unwind(AssertUnwindSafe(|| read_raw(bytes, sheet))).map_err(|_| zip_check::damaged())??;
    rows::build(raw)
}

fn read_raw(bytes: &[u8], sheet: Option<&str>) -> Result<RawSheet, ReadError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|error| workbook_error(&error))?;
    let name = choose_sheet(&workbook.sheet_names(), sheet)?;
    let (cells, formulas) = cells_and_formulas(&mut workbook, &name).map_err(|error| workbook_error(&error))?;
    let values = dense(cells)?;
    // Styles only tell percent-formatted numbers apart; a workbook whose styles cannot be read is still read.
    let styles = workbook.worksheet_style(&name).unwrap_or_default();
    raw_sheet(&name, &values, &formulas, &styles)
}

/// Sheet positions (0-based row, column) that hold a formula.
type FormulaCells = HashSet<(u32, u32)>;

/// The sheet's non-empty cells (as `worksheet_range` reads them) and the positions (0-based row, column) of its
/// formulas (the non-empty ones `worksheet_formula` reads), in one pass over the sheet instead of two.
fn cells_and_formulas(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
) -> Result<(Vec<Cell<Data>>, FormulaCells), XlsxError> {
    let mut reader = match workbook.worksheet_cells_reader(name) {
        Ok(reader) => reader,
        // As `worksheet_range` does: a sheet that is not a worksheet (a chart) reads as empty.
        Err(XlsxError::NotAWorksheet(_)) => return Ok((Vec::new(), HashSet::new())),
        Err(error) => return Err(error),
    };
    let mut cells = Vec::new();
    let mut formulas = HashSet::new();
    // Shared formulas whose anchor has text: the cells deriving from them hold a formula too.
    let mut shared_with_text = HashSet::new();
    while let Some(record) = reader.next_cell_with_formula_metadata()? {
        let has_formula = match &record.formula {
            None => false,
            Some(XlsxFormulaMetadata::Normal { formula }) => !formula.is_empty(),
            Some(XlsxFormulaMetadata::Shared { shared_index, formula, .. }) => {
                if !formula.is_empty() {
                    shared_with_text.insert(*shared_index);
                }
                !formula.is_empty()
            }
            Some(XlsxFormulaMetadata::SharedDerived { shared_index }) => shared_with_text.contains(shared_index),
            // A kind of formula this calamine does not know yet: a formula all the same.
            Some(_) => true,
        };
        if has_formula {
            formulas.insert(record.pos);
        }
        if !matches!(record.value, DataRef::Empty) {
            cells.push(Cell::new(record.pos, Data::from(record.value)));
        }
    }
    Ok((cells, formulas))
}

/// Cells the range from a sheet's first to its last cell may span: a full-height export ([`super::MAX_ROWS`])
/// 16 columns wide (an export has 12), about 128 MiB once laid out.
const MAX_CELLS: u64 = 4 * 1024 * 1024;

/// The cells laid out as calamine's `Range`, which holds every position from the first cell to the last, empty
/// or not: one cell in A1 and one in XFD1048576 would take 17 billion of them (an allocation whose failure
/// aborts the process). So the range is measured first, and a tall or wide one refused.
fn dense(cells: Vec<Cell<Data>>) -> Result<Range<Data>, ReadError> {
    let span = |of: fn(&Cell<Data>) -> u32| {
        let first = cells.iter().map(of).min().unwrap_or_default();
        cells.iter().map(of).max().map_or(0, |last| u64::from(last - first) + 1)
    };
    let (height, width) = (span(|cell| cell.get_position().0), span(|cell| cell.get_position().1));
    if height > super::MAX_ROWS as u64 + 1 {
        return Err(rows::too_many_rows());
    }
    if height.saturating_mul(width) > MAX_CELLS {
        return Err(ReadError::new(
            ReadErrorKind::TooLarge,
            format!(
                "the sheet's cells spread over {height} rows and {width} columns, far more than a Secure Score \
                 export; delete the cells outside the table (Ctrl+End shows the last one) and save again"
            ),
        ));
    }
    Ok(Range::from_sparse(cells))
}

fn choose_sheet(names: &[String], wanted: Option<&str>) -> Result<String, ReadError> {
    let Some(wanted) = wanted else {
        return names
            .first()
            .cloned()
            .ok_or_else(|| ReadError::new(ReadErrorKind::Empty, "the workbook has no worksheet"));
    };
    names
        .iter()
        .find(|name| name.as_str() == wanted)
        .or_else(|| names.iter().find(|name| name.to_lowercase() == wanted.to_lowercase()))
        .cloned()
        .ok_or_else(|| {
            let listed: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
            ReadError::new(
                ReadErrorKind::BadValue,
                format!("the workbook has no sheet `{wanted}`; its sheets are {}", listed.join(", ")),
            )
        })
}

fn raw_sheet(
    name: &str,
    values: &Range<Data>,
    formula_cells: &FormulaCells,
    styles: &StyleRange,
) -> Result<RawSheet, ReadError> {
    let sheet_is_empty = || ReadError::new(ReadErrorKind::Empty, format!("the sheet `{name}` is empty"));
    let (first_row, first_column) = values.start().ok_or_else(sheet_is_empty)?;
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (offset, cells) in values.rows().enumerate() {
        let sheet_row = first_row.saturating_add(u32::try_from(offset).unwrap_or(u32::MAX));
        let cells: Vec<CellValue> = cells
            .iter()
            .enumerate()
            .map(|(position, data)| {
                let sheet_column = first_column.saturating_add(u32::try_from(position).unwrap_or(u32::MAX));
                cell_value(data, styles, (sheet_row, sheet_column))
            })
            .collect();
        if headers.is_none() {
            if cells.iter().any(|cell| *cell != CellValue::Empty) {
                headers = Some(cells.iter().map(header_text).collect());
            }
            continue;
        }
        let formulas = (0..cells.len())
            .filter(|&position| {
                let sheet_column = first_column.saturating_add(u32::try_from(position).unwrap_or(u32::MAX));
                formula_cells.contains(&(sheet_row, sheet_column))
            })
            .collect();
        rows.push(RawRow { row: u64::from(sheet_row) + 1, cells, formulas });
    }
    let headers = headers.ok_or_else(sheet_is_empty)?;
    Ok(RawSheet { headers, rows, first_column: Some(first_column) })
}

fn cell_value(data: &Data, styles: &StyleRange, position: (u32, u32)) -> CellValue {
    let number = |value: f64| {
        let percent = styles
            .get(position)
            .and_then(|style| style.number_format.as_ref())
            .is_some_and(|format| format.format_code.contains('%'));
        CellValue::Number { value, percent }
    };
    match data {
        Data::Empty => CellValue::Empty,
        Data::String(text) if text.trim().is_empty() => CellValue::Empty,
        Data::String(text) | Data::DurationIso(text) => CellValue::Text(text.clone()),
        // i64 to f64 can round above 2^53; no cell of an export holds such a number.
        Data::Int(value) => number(*value as f64),
        Data::Float(value) => number(*value),
        Data::Bool(value) => CellValue::Bool(*value),
        Data::DateTime(value) if value.is_datetime() => {
            value.as_datetime().map_or_else(|| number(value.as_f64()), CellValue::DateTime)
        }
        Data::DateTime(value) => number(value.as_f64()),
        Data::DateTimeIso(text) => CellValue::Text(text.clone()),
        Data::Error(error) => CellValue::Error(error.to_string()),
    }
}

fn header_text(cell: &CellValue) -> String {
    match cell {
        CellValue::Text(text) => text.clone(),
        CellValue::Empty => String::new(),
        CellValue::Number { value, .. } => value.to_string(),
        CellValue::DateTime(value) => value.to_string(),
        CellValue::Bool(value) => value.to_string(),
        CellValue::Error(code) => code.clone(),
    }
}

fn workbook_error(error: &XlsxError) -> ReadError {
    match error {
        XlsxError::FileNotFound(part) => ReadError::new(
            ReadErrorKind::UnsupportedFileType,
            format!(
                "this ZIP file is not a complete .xlsx workbook (it has no `{part}`); save the export as .xlsx or CSV"
            ),
        ),
        XlsxError::Zip(_) | XlsxError::Io(_) => zip_check::damaged(),
        other => ReadError::new(
            ReadErrorKind::Truncated,
            format!(
                "the workbook is damaged and cannot be read ({other}); open it in Excel, save it again and upload that copy"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheets_are_chosen_exactly_then_ignoring_case() {
        let names = vec!["Export".to_owned(), "Recommended actions".to_owned()];
        assert_eq!(choose_sheet(&names, None).unwrap(), "Export");
        assert_eq!(choose_sheet(&names, Some("recommended ACTIONS")).unwrap(), "Recommended actions");
        let error = choose_sheet(&names, Some("Other")).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::BadValue);
        assert!(error.message.contains("`Export`, `Recommended actions`"), "{}", error.message);
    }

    #[test]
    fn a_workbook_without_sheets_is_empty() {
        assert_eq!(choose_sheet(&[], None).unwrap_err().kind, ReadErrorKind::Empty);
    }

    #[test]
    fn text_is_not_a_workbook() {
        assert_eq!(read_xlsx(b"Rank,Recommended action", None).unwrap_err().kind, ReadErrorKind::UnsupportedFileType);
        assert_eq!(read_xlsx(b"", None).unwrap_err().kind, ReadErrorKind::Empty);
    }
}
