//! The export as delimited text: any of the encodings in [`crate::text`], `,` `;` or tab, CRLF or LF.

use super::ExportSheet;
use super::cell::CellValue;
use super::rows::{self, RawRow, RawSheet};
use crate::error::{ReadError, ReadErrorKind};

/// Reads a portal export saved as CSV.
///
/// Handles a UTF-8 BOM, UTF-16 LE/BE with BOM (Excel "Unicode text"), Windows-1252 (Excel's plain CSV),
/// CRLF and LF, quoted fields with embedded delimiters, quotes and line breaks, the delimiter `,`, `;`
/// (German Excel) or tab as found in the header line, and Excel's `sep=;` first line. Blank lines and
/// rows of empty cells are skipped; rows shorter than the header just lack their optional values.
///
/// Row numbers count records as a spreadsheet shows them: a quoted line break does not start a new row,
/// a blank line does count.
pub fn read_csv(bytes: &[u8]) -> Result<ExportSheet, ReadError> {
    let text = crate::text::decode(bytes)?;
    if text.trim().is_empty() {
        return Err(crate::detect::empty_file());
    }
    let (body, delimiter, lines_before) = split_off_separator_hint(&text);
    let mut reader =
        ::csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(body.as_bytes());

    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(body.as_bytes(), lines_before);
    // Line breaks inside quoted fields so far: they are lines of the file but not rows of a spreadsheet.
    let mut quoted_line_breaks = 0u64;
    // One record buffer for the whole file; cells are copied out of it once, into their row.
    let mut record = ::csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|error| ReadError::new(ReadErrorKind::BadValue, format!("the file is not readable as CSV: {error}")))?
    {
        let line = lines.line_of(record.position().map_or(0, ::csv::Position::byte));
        let row = line.saturating_sub(quoted_line_breaks);
        quoted_line_breaks += record.iter().map(|cell| line_breaks(cell.as_bytes())).sum::<u64>();
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if headers.is_none() {
            headers = Some(record.iter().map(str::to_owned).collect());
            continue;
        }
        if rows.len() == super::MAX_ROWS {
            return Err(rows::too_many_rows());
        }
        let cells = record
            .iter()
            .map(|cell| if cell.trim().is_empty() { CellValue::Empty } else { CellValue::Text(cell.to_owned()) })
            .collect();
        rows.push(RawRow { row, cells, formulas: Vec::new() });
    }
    let headers = headers.ok_or_else(crate::detect::empty_file)?;
    rows::build(RawSheet { headers, rows, first_column: None })
}

/// Line numbers of records. The csv reader's own positions point at the end of the previous record (before
/// its line break and any blank lines), so the start of a record is found by skipping line breaks from there.
struct LineCounter<'a> {
    text: &'a [u8],
    counted_to: usize,
    line_breaks: u64,
    lines_before: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8], lines_before: u64) -> Self {
        LineCounter { text, counted_to: 0, line_breaks: 0, lines_before }
    }

    /// The 1-based line of the record whose reader position is `byte`.
    fn line_of(&mut self, byte: u64) -> u64 {
        let from = usize::try_from(byte).unwrap_or(usize::MAX).max(self.counted_to).min(self.text.len());
        let skipped =
            self.text.get(from..).unwrap_or_default().iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        let start = from + skipped;
        let counted = self.text.get(self.counted_to..start).unwrap_or_default();
        self.line_breaks += line_breaks(counted);
        self.counted_to = start;
        self.line_breaks + 1 + self.lines_before
    }
}

/// Line breaks in `bytes`: CRLF, LF, and a lone CR, which the csv reader also ends a record with (old Mac
/// Excel writes "CSV (Macintosh)" that way). Counting only LF would give every row of such a file row 1.
fn line_breaks(bytes: &[u8]) -> u64 {
    let lone_cr = bytes.windows(2).filter(|pair| pair[0] == b'\r' && pair[1] != b'\n').count();
    let last_cr = bytes.last() == Some(&b'\r');
    (bytes.iter().filter(|&&byte| byte == b'\n').count() + lone_cr + usize::from(last_cr)) as u64
}

/// Excel writes and reads a first line `sep=;` naming the delimiter; otherwise guess from the header line.
/// Returns the text to parse, its delimiter and how many lines were cut off before it.
fn split_off_separator_hint(text: &str) -> (&str, u8, u64) {
    let first_line = text.lines().next().unwrap_or_default().trim();
    if let Some(separator) = first_line.to_ascii_lowercase().strip_prefix("sep=")
        && let [delimiter] = separator.as_bytes()
    {
        let body = text.split_once('\n').map_or("", |(_, rest)| rest);
        return (body, *delimiter, 1);
    }
    (text, guess_delimiter(text), 0)
}

/// The most frequent of `,` `;` tab outside quotes in the first non-blank line; `,` on a tie.
fn guess_delimiter(text: &str) -> u8 {
    let header = text.lines().find(|line| !line.trim().is_empty()).unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for byte in header.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some((_, count)) = counts.iter_mut().find(|(delimiter, _)| *delimiter == byte) {
            *count += 1;
        }
    }
    // max_by_key keeps the last maximum; reverse so the earlier (preferred) delimiter wins a tie.
    counts.iter().rev().max_by_key(|(_, count)| *count).map_or(b',', |(delimiter, _)| *delimiter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_guessed_from_the_header_line() {
        assert_eq!(guess_delimiter("Rank,Recommended action,Points achieved\n1;2;3;4;5\n"), b',');
        assert_eq!(guess_delimiter("\n\nRang;Empfohlene Maßnahme;Erzielte Punkte\n"), b';');
        assert_eq!(guess_delimiter("Rank\tRecommended action\tPoints achieved"), b'\t');
        assert_eq!(guess_delimiter("\"a;b;c\",x,y"), b',');
        assert_eq!(guess_delimiter("single"), b',');
    }

    #[test]
    fn excels_sep_line_sets_the_delimiter_and_counts_as_a_row() {
        let sheet = read_csv(b"sep=;\r\nRecommended action;Points achieved\r\nA, with comma;1/2\r\n").unwrap();
        assert_eq!(sheet.rows[0].title, "A, with comma");
        assert_eq!(sheet.rows[0].row, 3);
    }

    #[test]
    fn rows_count_blank_lines_but_not_quoted_line_breaks() {
        let csv =
            "Recommended action,Points achieved,Notes\n\"multi\nline\",1/2,\"a\r\nb\"\n\nSecond,2/2,\nThird,ten/10,\n";
        let error = read_csv(csv.as_bytes()).unwrap_err();
        assert_eq!(error.row, Some(5), "{}", error.message);
    }

    #[test]
    fn rows_are_counted_in_files_with_lone_cr_line_ends() {
        let error = read_csv(b"Recommended action,Points achieved\rx,1/2\r\r\"a\rb\",bad\ry,2/2\r").unwrap_err();
        assert_eq!(error.row, Some(4), "{}", error.message);
        assert_eq!(line_breaks(b"a\r\nb\rc\n\r"), 4);
    }

    #[test]
    fn rows_are_right_with_crlf_and_leading_blank_lines() {
        let error = read_csv(b"\r\n\r\nRecommended action,Points achieved\r\n\r\nx,1/2\r\ny,bad\r\n").unwrap_err();
        assert_eq!(error.row, Some(6), "{}", error.message);
    }

    #[test]
    fn a_header_without_rows_gives_no_rows() {
        let sheet = read_csv(b"Recommended action,Points achieved\r\n\r\n,\r\n").unwrap();
        assert!(sheet.rows.is_empty());
    }

    #[test]
    fn too_many_rows_stop_reading_early() {
        let mut csv = String::from("Recommended action,Points achieved\n");
        for _ in 0..=super::super::MAX_ROWS {
            csv.push_str("x,1/2\n");
        }
        assert_eq!(read_csv(csv.as_bytes()).unwrap_err().kind, ReadErrorKind::TooLarge);
    }
}
