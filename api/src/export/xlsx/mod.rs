//! What every workbook scoregrc writes shares: one set of cell styles, text cells that no spreadsheet evaluates,
//! Excel's cell-length limit met with a visible marker, sheet names Excel accepts, and a header row that is bold,
//! frozen and carries filter buttons (a table on small sheets, a filter and banding on large ones).

use rust_xlsxwriter::{
    ColNum, Color, ConditionalFormatCell, ConditionalFormatCellRule, ConditionalFormatFormula, Format, FormatAlign,
    FormatBorder, RowNum, Table, TableColumn, TableStyle, Worksheet, XlsxError,
};

use super::cells::starts_like_formula;

/// The media type of an `.xlsx` file.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Excel refuses a cell longer than this many characters.
pub const MAX_CELL_CHARS: usize = 32_767;

/// `text` cut to fit one Excel cell, ending with a marker that says how much was cut.
pub fn fit_cell(text: &str) -> std::borrow::Cow<'_, str> {
    let total = text.chars().count();
    if total <= MAX_CELL_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    let marker = format!(" … [cut by scoregrc: {total} characters in full]");
    let keep = MAX_CELL_CHARS - marker.chars().count();
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(&marker);
    std::borrow::Cow::Owned(cut)
}

/// A sheet name Excel accepts: none of `[]:*?/\`, not starting or ending with `'`, not empty, at most 31
/// characters, and not `History` (Excel reserves it).
pub fn sheet_name(wanted: &str) -> String {
    let cleaned: String =
        wanted.chars().map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { ' ' } else { c }).collect();
    let trimmed = cleaned.trim().trim_matches('\'').trim();
    let mut name: String = trimmed.chars().take(31).collect();
    name = name.trim_end().trim_end_matches('\'').to_owned();
    if name.is_empty() || name.eq_ignore_ascii_case("history") {
        name = format!("Sheet {}", name).trim().to_owned();
    }
    name
}

/// A sheet name Excel accepts that none of `taken` has (Excel compares names case-insensitively).
pub fn unique_sheet_name(wanted: &str, taken: &[String]) -> String {
    let base = sheet_name(wanted);
    let clashes = |n: &str| taken.iter().any(|t| t.eq_ignore_ascii_case(n));
    if !clashes(&base) {
        return base;
    }
    (2..)
        .map(|i| {
            let suffix = format!(" ({i})");
            let stem: String = base.chars().take(31 - suffix.chars().count()).collect();
            format!("{}{suffix}", stem.trim_end())
        })
        .find(|n| !clashes(n))
        .unwrap_or(base)
}

/// The formats a workbook's cells use, each also in a quote-prefixed form for text that looks like a formula.
/// The quote prefix is Excel's own "this is text" mark: the cell shows the text unchanged and stays text when a
/// person edits it.
#[derive(Clone)]
pub struct Styles {
    pub header: Format,
    text: Format,
    text_quoted: Format,
    wrap: Format,
    wrap_quoted: Format,
    pub date: Format,
    pub date_time: Format,
    pub number: Format,
    pub percent: Format,
    pub integer: Format,
    pub label: Format,
    pub title: Format,
}

impl Default for Styles {
    fn default() -> Self {
        let text = Format::new().set_align(FormatAlign::Top);
        let wrap = text.clone().set_text_wrap();
        Self {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_background_color(Color::RGB(0x1F3864))
                .set_font_color(Color::White)
                .set_border_bottom(FormatBorder::Thin),
            text_quoted: text.clone().set_quote_prefix(),
            wrap_quoted: wrap.clone().set_quote_prefix(),
            text,
            wrap,
            date: Format::new().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Top),
            date_time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss").set_align(FormatAlign::Top),
            number: Format::new().set_num_format("0.00").set_align(FormatAlign::Top),
            percent: Format::new().set_num_format("0.0%").set_align(FormatAlign::Top),
            integer: Format::new().set_num_format("0").set_align(FormatAlign::Top),
            label: Format::new().set_bold().set_align(FormatAlign::Top),
            title: Format::new().set_bold().set_font_size(14),
        }
    }
}

/// How a column of a data sheet is written: header text, width in characters, and whether long text wraps.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub width: f64,
    pub wrap: bool,
}

impl Column {
    /// A column whose text stays on one line.
    pub const fn new(header: &'static str, width: f64) -> Self {
        Self { header, width, wrap: false }
    }

    /// A column of long text that wraps.
    pub const fn wrapped(header: &'static str, width: f64) -> Self {
        Self { header, width, wrap: true }
    }
}

/// Writes the cells of one sheet with the shared styles.
pub struct Cells<'a> {
    pub sheet: &'a mut Worksheet,
    pub styles: &'a Styles,
}

impl Cells<'_> {
    /// A text cell: cut to Excel's limit, quote-prefixed when it starts like a formula. Empty text leaves the cell
    /// blank.
    pub fn text(&mut self, row: RowNum, col: ColNum, text: &str) -> Result<(), XlsxError> {
        self.text_as(row, col, text, false)
    }

    /// A text cell whose long text wraps.
    pub fn wrapped(&mut self, row: RowNum, col: ColNum, text: &str) -> Result<(), XlsxError> {
        self.text_as(row, col, text, true)
    }

    fn text_as(&mut self, row: RowNum, col: ColNum, text: &str, wrap: bool) -> Result<(), XlsxError> {
        if text.is_empty() {
            return Ok(());
        }
        let fitted = fit_cell(text);
        let format = match (wrap, starts_like_formula(&fitted)) {
            (false, false) => &self.styles.text,
            (false, true) => &self.styles.text_quoted,
            (true, false) => &self.styles.wrap,
            (true, true) => &self.styles.wrap_quoted,
        };
        self.sheet.write_string_with_format(row, col, fitted.as_ref(), format)?;
        Ok(())
    }

    /// A text cell in a format of the caller's (an editable column's fill, say), cut and quote-prefixed like
    /// [`Cells::text`]. Empty text writes a blank cell in that format, so the whole column looks the same.
    pub fn text_in(&mut self, row: RowNum, col: ColNum, text: &str, format: &Format) -> Result<(), XlsxError> {
        if text.is_empty() {
            self.sheet.write_blank(row, col, format)?;
            return Ok(());
        }
        let fitted = fit_cell(text);
        if starts_like_formula(&fitted) {
            self.sheet.write_string_with_format(row, col, fitted.as_ref(), &format.clone().set_quote_prefix())?;
        } else {
            self.sheet.write_string_with_format(row, col, fitted.as_ref(), format)?;
        }
        Ok(())
    }

    /// An optional text cell.
    pub fn opt_text(&mut self, row: RowNum, col: ColNum, text: Option<&str>) -> Result<(), XlsxError> {
        text.map_or(Ok(()), |t| self.text(row, col, t))
    }

    /// A number with two decimals.
    pub fn number(&mut self, row: RowNum, col: ColNum, value: f64) -> Result<(), XlsxError> {
        self.sheet.write_number_with_format(row, col, value, &self.styles.number)?;
        Ok(())
    }

    /// An optional number with two decimals.
    pub fn opt_number(&mut self, row: RowNum, col: ColNum, value: Option<f64>) -> Result<(), XlsxError> {
        value.map_or(Ok(()), |v| self.number(row, col, v))
    }

    /// A whole number.
    pub fn integer(&mut self, row: RowNum, col: ColNum, value: i64) -> Result<(), XlsxError> {
        self.sheet.write_number_with_format(row, col, value as f64, &self.styles.integer)?;
        Ok(())
    }

    /// A fraction shown as a percentage.
    pub fn percent(&mut self, row: RowNum, col: ColNum, fraction: f64) -> Result<(), XlsxError> {
        self.sheet.write_number_with_format(row, col, fraction, &self.styles.percent)?;
        Ok(())
    }

    /// A date cell (an Excel serial date with a date format, so it sorts and filters as a date).
    pub fn date(&mut self, row: RowNum, col: ColNum, date: chrono::NaiveDate) -> Result<(), XlsxError> {
        self.sheet.write_datetime_with_format(row, col, date, &self.styles.date)?;
        Ok(())
    }

    /// An optional date cell.
    pub fn opt_date(&mut self, row: RowNum, col: ColNum, date: Option<chrono::NaiveDate>) -> Result<(), XlsxError> {
        date.map_or(Ok(()), |d| self.date(row, col, d))
    }

    /// A UTC timestamp as a date-time cell (Excel has no zones: the header says UTC).
    pub fn date_time(&mut self, row: RowNum, col: ColNum, at: chrono::DateTime<chrono::Utc>) -> Result<(), XlsxError> {
        let naive = at.naive_utc();
        self.sheet.write_datetime_with_format(row, col, naive, &self.styles.date_time)?;
        Ok(())
    }

    /// A yes/no cell.
    pub fn yes_no(&mut self, row: RowNum, col: ColNum, value: bool) -> Result<(), XlsxError> {
        self.text(row, col, if value { "yes" } else { "no" })
    }
}

/// Sets up a data sheet whose header is row 0 and whose `rows` data rows follow: column widths, wrapped columns,
/// the header frozen, and a table over the whole range (bold header, banded rows, filter buttons). Call before
/// writing any data row: constant-memory sheets are written top to bottom only.
pub fn data_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    columns: &[Column],
    rows: u32,
    table_name: &str,
) -> Result<(), XlsxError> {
    sheet.set_row_height(0, 30)?;
    for (i, column) in columns.iter().enumerate() {
        sheet.set_column_width(i as ColNum, column.width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_col = columns.len().saturating_sub(1) as ColNum;
    // A table needs a data row; an empty sheet gets one blank row under the header.
    let last_row = rows.max(1);
    let table_columns: Vec<TableColumn> =
        columns.iter().map(|c| TableColumn::new().set_header(c.header).set_header_format(&styles.header)).collect();
    let table = Table::new().set_name(table_name).set_style(TableStyle::Medium2).set_columns(&table_columns);
    sheet.add_table(0, 0, last_row, last_col, &table)?;
    Ok(())
}

/// Sets up a sheet that grows with the tenant (thousands to hundreds of thousands of rows): column widths, the
/// header written bold and frozen, filter buttons over the whole range, and banded rows. An Excel table would
/// look the same, but rust_xlsxwriter tracks every cell a table covers (about 50 bytes each: 100 MB for 100 000
/// rows of 20 columns), so these sheets use a filter and a banding rule, which cost nothing per row. Call before
/// writing any data row.
pub fn streamed_sheet(sheet: &mut Worksheet, styles: &Styles, columns: &[Column], rows: u32) -> Result<(), XlsxError> {
    sheet.set_row_height(0, 30)?;
    for (i, column) in columns.iter().enumerate() {
        sheet.set_column_width(i as ColNum, column.width)?;
        sheet.write_string_with_format(0, i as ColNum, column.header, &styles.header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_col = columns.len().saturating_sub(1) as ColNum;
    let last_row = rows.max(1);
    sheet.autofilter(0, 0, last_row, last_col)?;
    let banding = ConditionalFormatFormula::new()
        .set_rule("=MOD(ROW(),2)=0")
        .set_format(Format::new().set_background_color(Color::RGB(0xDDEBF7)));
    sheet.add_conditional_format(1, 0, last_row, last_col, &banding)?;
    Ok(())
}

/// Fills the cells of column `col` in data rows 1..=`rows` whose text is `value` with the colour `rgb`, so a
/// sheet reads at a glance (the words stay, for colour-blind readers and black-and-white prints).
pub fn colour_when(sheet: &mut Worksheet, col: ColNum, rows: u32, value: &str, rgb: u32) -> Result<(), XlsxError> {
    let rule = ConditionalFormatCell::new()
        .set_rule(ConditionalFormatCellRule::EqualTo(value))
        .set_format(Format::new().set_background_color(Color::RGB(rgb)));
    sheet.add_conditional_format(1, col, rows.max(1), col, &rule)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_the_cell_limit_with_a_marker() {
        let long = "x".repeat(40_000);
        let fitted = fit_cell(&long);
        assert_eq!(fitted.chars().count(), MAX_CELL_CHARS);
        assert!(fitted.ends_with("[cut by scoregrc: 40000 characters in full]"));
        let exact = "é".repeat(MAX_CELL_CHARS);
        assert_eq!(fit_cell(&exact), exact.as_str());
    }

    #[test]
    fn sheet_names_are_made_acceptable_to_excel() {
        assert_eq!(sheet_name("ISO 27001 coverage"), "ISO 27001 coverage");
        assert_eq!(sheet_name("a/b:c*d?e[f]g\\h"), "a b c d e f g h");
        assert_eq!(sheet_name("'quoted'"), "quoted");
        assert_eq!(sheet_name(&"n".repeat(40)).chars().count(), 31);
        assert_eq!(sheet_name("[]"), "Sheet");
        assert_eq!(sheet_name("history"), "Sheet history");
        let taken = vec!["Summary".to_owned(), "summary (2)".to_owned()];
        assert_eq!(unique_sheet_name("SUMMARY", &taken), "SUMMARY (3)");
        let long_taken = vec!["x".repeat(31)];
        let unique = unique_sheet_name(&"x".repeat(35), &long_taken);
        assert_eq!(unique.chars().count(), 31);
        assert!(unique.ends_with(" (2)"));
    }
}
