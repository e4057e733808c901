//! Reading the `Triage` sheet cell by cell in two streaming passes, keeping only what the import needs: the
//! header row (pass one), then the five columns it names (pass two). Nothing is laid out densely, so a hostile
//! sheet with a far-away cell (XFD1048576) costs no more memory than a tidy one.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::panic::{self, AssertUnwindSafe};

use calamine::{DataRef, Reader, Xlsx, XlsxError};

use super::{
    EFFORT_HEADER, EditableColumns, ID_HEADER, MAPPING_HEADER, MAX_ROWS, MAX_TEXT_BYTES, RISK_HEADER, RawCell,
    RawValue, SHEET, TriageRow, TriageSheet, VERSION_HEADER, cell_reference, row_reference,
};
use crate::detect::{self, Sniff};
use crate::error::{ReadError, ReadErrorKind};
use crate::export::zip_check;

/// Excel's widest row; a header row with more cells than this is not a worksheet Excel wrote.
const MAX_HEADER_CELLS: usize = 16_384;

/// The columns read, in [`TriageRow`] order.
const HEADERS: [&str; 5] = [ID_HEADER, VERSION_HEADER, RISK_HEADER, EFFORT_HEADER, MAPPING_HEADER];

/// Where the columns read are (0-based sheet columns).
struct Located {
    id: u32,
    version: u32,
    /// Risk, effort, mapping, when present.
    editable: [Option<u32>; 3],
}

impl Located {
    /// The 0-based sheet column of each of [`HEADERS`].
    fn all(&self) -> [Option<u32>; 5] {
        let [risk, effort, mapping] = self.editable;
        [Some(self.id), Some(self.version), risk, effort, mapping]
    }
}

type Workbook<'a> = Xlsx<Cursor<&'a [u8]>>;

/// Reads an edited triage workbook: the `Triage` sheet (exact name, else ignoring case), its header row (the
/// first row with a `Recommendation ID` cell, so a title row above the table is fine) and every later row with a
/// value in a column read.
///
/// Refuses, with a message naming the place: bytes that are not an xlsx workbook, a damaged or cut-off file,
/// a workbook without a `Triage` sheet, a header row without `Recommendation ID` or `Exported version`, a header
/// that appears twice, more than [`MAX_ROWS`] rows. Never panics: the workbook parser runs behind a panic
/// boundary, so even a parser bug on a hostile file becomes an error (this relies on `panic = "unwind"`).
pub fn read(bytes: &[u8]) -> Result<TriageSheet, ReadError> {
    read_at_most(bytes, MAX_ROWS)
}

fn read_at_most(bytes: &[u8], max_rows: usize) -> Result<TriageSheet, ReadError> {
    match detect::sniff(bytes) {
        Sniff::Zip => {}
        Sniff::Empty => return Err(not_a_workbook("the file is empty")),
        Sniff::Ole2 => {
            return Err(not_a_workbook("this is an old Excel 97-2003 (.xls) or password-protected workbook"));
        }
        Sniff::Binary(what) => return Err(not_a_workbook(&format!("this file is {what}"))),
        Sniff::Text(_) => return Err(not_a_workbook("this file is text (CSV or similar)")),
    }
    // Errors about the file as a whole name `file`, as the fields of this reader's errors promise.
    zip_check::check(bytes).map_err(|error| match error.kind {
        ReadErrorKind::UnsupportedFileType => not_a_workbook("this ZIP file is no .xlsx workbook"),
        _ => error.at_field("file"),
    })?;
    panic::catch_unwind(AssertUnwindSafe(|| read_workbook(bytes, max_rows)))
        .map_err(|_| zip_check::damaged().at_field("file"))?
}

fn not_a_workbook(what: &str) -> ReadError {
    ReadError::new(
        ReadErrorKind::UnsupportedFileType,
        format!(
            "{what}, not an .xlsx workbook; upload the triage workbook scoregrc exported (kept as .xlsx when \
             you save it)"
        ),
    )
    .at_field("file")
}

fn read_workbook(bytes: &[u8], max_rows: usize) -> Result<TriageSheet, ReadError> {
    let mut workbook: Workbook<'_> = Xlsx::new(Cursor::new(bytes)).map_err(|error| workbook_error(&error))?;
    let sheet = choose_sheet(&workbook.sheet_names())?;
    let (header_row, header) = header_row(&mut workbook, &sheet)?;
    let columns = locate(&sheet, header_row, &header)?;
    let rows = data_rows(&mut workbook, &sheet, header_row, &columns, max_rows)?;
    let [risk, effort, mapping] = columns.editable.map(|column| column.is_some());
    Ok(TriageSheet { sheet, columns: EditableColumns { risk, effort, mapping }, rows })
}

fn choose_sheet(names: &[String]) -> Result<String, ReadError> {
    names
        .iter()
        .find(|name| name.as_str() == SHEET)
        .or_else(|| names.iter().find(|name| name.trim().eq_ignore_ascii_case(SHEET)))
        .cloned()
        .ok_or_else(|| {
            let listed: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
            ReadError::new(
                ReadErrorKind::BadValue,
                format!(
                    "the workbook has no sheet `{SHEET}` (its sheets are {}); upload the triage workbook scoregrc \
                     exported, keeping its `{SHEET}` sheet",
                    listed.join(", ")
                ),
            )
            .at_field("file")
        })
}

/// Rows (with a value) searched for the header: a person may put a title or a note above the table.
const HEADER_SEARCH_ROWS: usize = 20;

/// One row's cells: its 0-based row and (0-based column, text) pairs.
type HeaderCells = (u32, Vec<(u32, String)>);

/// Pass one: the header row (0-based) and its cells (0-based column, text): the first row with a value that has
/// a `Recommendation ID` cell among the first [`HEADER_SEARCH_ROWS`], else the first row with a value (whose
/// missing id column is then the error).
fn header_row(workbook: &mut Workbook<'_>, sheet: &str) -> Result<HeaderCells, ReadError> {
    let mut cells = workbook.worksheet_cells_reader(sheet).map_err(|error| sheet_error(sheet, &error))?;
    let is_header = |row: &HeaderCells| row.1.iter().any(|(_, text)| header_key(text) == header_key(ID_HEADER));
    let mut first: Option<HeaderCells> = None;
    let mut current: Option<HeaderCells> = None;
    let mut rows_seen = 0usize;
    let mut text_bytes = 0usize;
    while let Some(cell) = cells.next_cell().map_err(|error| workbook_error(&error))? {
        let Some(value) = raw_value(cell.get_value()) else { continue };
        let (row, column) = cell.get_position();
        if current.as_ref().is_none_or(|(at, _)| *at != row) {
            match current.take() {
                Some(done) if is_header(&done) => return Ok(done),
                Some(done) if first.is_none() => first = Some(done),
                _ => {}
            }
            rows_seen += 1;
            if rows_seen > HEADER_SEARCH_ROWS {
                break;
            }
            current = Some((row, Vec::new()));
        }
        text_bytes += value.text().len();
        let Some((_, row_cells)) = current.as_mut() else { continue };
        if row_cells.len() >= MAX_HEADER_CELLS || text_bytes > MAX_TEXT_BYTES {
            return Err(zip_check::damaged().at_field("file"));
        }
        row_cells.push((column, value.text()));
    }
    match current {
        Some(done) if is_header(&done) => Ok(done),
        last => first.or(last).ok_or_else(|| {
            ReadError::new(ReadErrorKind::Empty, format!("the sheet `{sheet}` is empty; export the workbook again"))
                .at_field(row_reference(sheet, 1))
        }),
    }
}

/// Header text as compared: trimmed, lower case, inner spaces collapsed.
fn header_key(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Where each of [`HEADERS`] is; the id and version columns must be there.
fn locate(sheet: &str, header_row: u32, header: &[(u32, String)]) -> Result<Located, ReadError> {
    let row = u64::from(header_row) + 1;
    let mut columns = [None; 5];
    for (at, wanted) in HEADERS.iter().enumerate() {
        let mut matches = header.iter().filter(|(_, text)| header_key(text) == header_key(wanted));
        columns[at] = matches.next().map(|(column, _)| *column);
        if let (Some(first), Some((second, _))) = (columns[at], matches.next()) {
            return Err(ReadError::new(
                ReadErrorKind::BadValue,
                format!(
                    "{} and {} are both headed `{wanted}`; keep one of the two columns",
                    cell_reference(sheet, first, row),
                    cell_reference(sheet, *second, row)
                ),
            )
            .at_row(row)
            .in_column(*wanted)
            .at_field(cell_reference(sheet, *second, row)));
        }
    }
    let required = |at: usize| {
        columns[at].ok_or_else(|| {
            let reference = row_reference(sheet, row);
            ReadError::new(
                ReadErrorKind::MissingColumns,
                format!(
                    "{reference}: no column is headed `{}`; the import matches rows by the hidden `{ID_HEADER}` \
                     and `{VERSION_HEADER}` columns: unhide them if you renamed or deleted one, or export the \
                     workbook again",
                    HEADERS[at]
                ),
            )
            .at_row(row)
            .in_column(HEADERS[at])
            .at_field(reference)
        })
    };
    Ok(Located { id: required(0)?, version: required(1)?, editable: [columns[2], columns[3], columns[4]] })
}

/// Pass two: the values of the located columns in every row below the header, by 0-based row.
fn data_rows(
    workbook: &mut Workbook<'_>,
    sheet: &str,
    header_row: u32,
    located: &Located,
    max_rows: usize,
) -> Result<Vec<TriageRow>, ReadError> {
    let columns = located.all();
    let mut cells = workbook.worksheet_cells_reader(sheet).map_err(|error| sheet_error(sheet, &error))?;
    let mut rows: BTreeMap<u32, [Option<RawValue>; 5]> = BTreeMap::new();
    let mut text_bytes = 0usize;
    while let Some(cell) = cells.next_cell().map_err(|error| workbook_error(&error))? {
        let (row, column) = cell.get_position();
        if row <= header_row {
            continue;
        }
        let Some(at) = columns.iter().position(|c| *c == Some(column)) else { continue };
        let Some(value) = raw_value(cell.get_value()) else { continue };
        text_bytes += value.text().len();
        if text_bytes > MAX_TEXT_BYTES {
            return Err(too_large("holds more text than a triage workbook can"));
        }
        if !rows.contains_key(&row) && rows.len() >= max_rows {
            return Err(too_large(&format!("has more than {max_rows} rows")));
        }
        rows.entry(row).or_default()[at] = Some(value);
    }
    let cell = |column: u32, row: u64, value: Option<RawValue>| RawCell {
        reference: cell_reference(sheet, column, row),
        value: value.unwrap_or(RawValue::Empty),
    };
    let [risk_at, effort_at, mapping_at] = located.editable;
    Ok(rows
        .into_iter()
        .map(|(row, [id, version, risk, effort, mapping])| {
            let row = u64::from(row) + 1;
            TriageRow {
                row,
                id: cell(located.id, row, id),
                version: cell(located.version, row, version),
                risk: risk_at.map(|column| cell(column, row, risk)),
                effort: effort_at.map(|column| cell(column, row, effort)),
                mapping: mapping_at.map(|column| cell(column, row, mapping)),
            }
        })
        .collect())
}

/// A cell's value; `None` for a blank one.
fn raw_value(data: &DataRef<'_>) -> Option<RawValue> {
    let value = match data {
        DataRef::Empty => return None,
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => RawValue::Text(text.clone()),
        DataRef::SharedString(text) => RawValue::Text((*text).to_owned()),
        // i64 to f64 can round above 2^53; no cell the import reads holds such a number.
        DataRef::Int(value) => RawValue::Number(*value as f64),
        DataRef::Float(value) => RawValue::Number(*value),
        DataRef::Bool(value) => RawValue::Bool(*value),
        DataRef::DateTime(value) => match value.as_datetime() {
            Some(at) if value.is_datetime() => RawValue::DateTime(at.format("%Y-%m-%dT%H:%M:%S").to_string()),
            _ => RawValue::Number(value.as_f64()),
        },
        DataRef::Error(error) => RawValue::Error(error.to_string()),
    };
    (!value.is_blank()).then_some(value)
}

fn too_large(what: &str) -> ReadError {
    ReadError::new(
        ReadErrorKind::TooLarge,
        format!("the `{SHEET}` sheet {what}; export the workbook again and edit that copy"),
    )
    .at_field("file")
}

fn sheet_error(sheet: &str, error: &XlsxError) -> ReadError {
    match error {
        XlsxError::NotAWorksheet(_) => ReadError::new(
            ReadErrorKind::BadValue,
            format!("`{sheet}` is a chart or macro sheet, not a worksheet; export the workbook again"),
        )
        .at_field("file"),
        other => workbook_error(other),
    }
}

fn workbook_error(error: &XlsxError) -> ReadError {
    match error {
        XlsxError::FileNotFound(part) => not_a_workbook(&format!("this ZIP file has no `{part}`")),
        XlsxError::Zip(_) | XlsxError::Io(_) => zip_check::damaged().at_field("file"),
        other => ReadError::new(
            ReadErrorKind::Truncated,
            format!(
                "the workbook is damaged and cannot be read ({other}); open it in Excel, save it again and upload \
                 that copy"
            ),
        )
        .at_field("file"),
    }
}

#[cfg(test)]
mod tests;
