//! The one error type of this crate: what went wrong, and where in the input.

/// Where in the input a problem is and what it is.
///
/// `message` is a complete sentence that already names the place (row and column, xlsx cell or JSON path),
/// so it can be shown to the person who uploaded the file as it is; the other fields let a caller
/// point at the place programmatically.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ReadError {
    /// What kind of problem this is; callers map it to their own error vocabulary.
    pub kind: ReadErrorKind,
    /// 1-based row of the file (CSV/xlsx: the header is row 1; the first data row is row 2). None for JSON.
    pub row: Option<u64>,
    /// The column header as it appears in the file, trimmed (e.g. "Points achieved"). The xlsx cell
    /// reference ("C7") is in the message.
    pub column: Option<String>,
    /// For JSON: a path such as `value[3].maxScore`. For the triage workbook: the cell or row at fault
    /// (`Triage!K17`, `Triage!1:1`), or `file` for the workbook as a whole.
    pub field: Option<String>,
    /// A sentence a user can act on: "row 17, column `Points achieved`: `ten/10` is not a number …".
    pub message: String,
}

/// The kinds of problem a reader reports. Deliberately exhaustive so that callers can map every kind
/// without a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadErrorKind {
    /// No content at all, or only whitespace.
    Empty,
    /// Not a format this crate reads (old .xls, PDF, image, other binary data, a ZIP that is no workbook).
    UnsupportedFileType,
    /// A required column is absent from the header row.
    MissingColumns,
    /// A value is present but cannot be read (not a number, not a date, achieved above max, …).
    BadValue,
    /// The file ends early or its container is damaged (partial upload or download).
    Truncated,
    /// An xlsx cell holds a formula where a plain number belongs.
    Formula,
    /// The JSON text is not valid JSON or does not have the expected shape.
    MalformedJson,
    /// The input is larger than this crate is willing to read.
    TooLarge,
}

impl ReadError {
    /// An error without a location; add one with the `at_*` builders.
    pub(crate) fn new(kind: ReadErrorKind, message: impl Into<String>) -> Self {
        ReadError { kind, row: None, column: None, field: None, message: message.into() }
    }

    /// Sets the 1-based file row.
    pub(crate) fn at_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }

    /// Sets the column header the problem is in.
    pub(crate) fn in_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// Sets the JSON path the problem is at.
    pub(crate) fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_message_alone() {
        let error = ReadError::new(ReadErrorKind::BadValue, "row 3, column `Rank`: `x` is not a whole number")
            .at_row(3)
            .in_column("Rank");
        assert_eq!(error.to_string(), "row 3, column `Rank`: `x` is not a whole number");
        assert_eq!(error.row, Some(3));
        assert_eq!(error.column.as_deref(), Some("Rank"));
        assert_eq!(error.field, None);
    }

    #[test]
    fn builders_set_only_their_own_field() {
        let error = ReadError::new(ReadErrorKind::MalformedJson, "m").at_field("value[0].id");
        assert_eq!(error.field.as_deref(), Some("value[0].id"));
        assert_eq!(error.row, None);
        assert_eq!(error.column, None);
        assert_eq!(error.kind, ReadErrorKind::MalformedJson);
    }
}
