//! The row model CSV and xlsx share: cells in, [`ExportRow`]s or a located error out.

use std::collections::BTreeMap;

use super::cell::{self, CellValue, Place};
use super::columns::{Column, HeaderMap};
use super::dates::{self, SlashOrder};
use super::values;
use super::{ExportRow, ExportSheet, MAX_ROWS, PortalStatus};
use crate::error::{ReadError, ReadErrorKind};

/// A data row before interpretation.
#[derive(Debug, Clone)]
pub(crate) struct RawRow {
    /// 1-based file row.
    pub(crate) row: u64,
    pub(crate) cells: Vec<CellValue>,
    /// Positions (into `cells`) that hold a formula.
    pub(crate) formulas: Vec<usize>,
}

/// A sheet before interpretation: header cells and data rows.
#[derive(Debug, Clone)]
pub(crate) struct RawSheet {
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<RawRow>,
    /// For xlsx, the 0-based sheet column of position 0, so messages can name cells ("C7").
    pub(crate) first_column: Option<u32>,
}

/// Reads every row; the first bad value stops the import with its row and column.
pub(crate) fn build(sheet: RawSheet) -> Result<ExportSheet, ReadError> {
    let map = HeaderMap::match_headers(&sheet.headers)?;
    if sheet.rows.len() > MAX_ROWS {
        return Err(too_many_rows());
    }
    let order = slash_order(&sheet, &map);
    // The header map holds each known column at most once: find their positions once, not per row.
    let known: Vec<(Column, usize)> =
        map.columns.iter().enumerate().filter_map(|(position, column)| Some(((*column)?, position))).collect();
    let rows = sheet
        .rows
        .iter()
        .filter(|row| !row.cells.iter().all(CellValue::is_blank))
        .map(|row| build_row(row, &map, &known, sheet.first_column, order))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ExportSheet { rows, headers: map.headers, language: map.language })
}

pub(crate) fn too_many_rows() -> ReadError {
    ReadError::new(
        ReadErrorKind::TooLarge,
        format!("the file has more than {MAX_ROWS} rows, far more than Secure Score has recommended actions"),
    )
}

fn slash_order(sheet: &RawSheet, map: &HeaderMap) -> SlashOrder {
    let position = map.columns.iter().position(|column| *column == Some(Column::LastSynced));
    let samples = sheet.rows.iter().filter_map(|row| match position.and_then(|at| row.cells.get(at)) {
        Some(CellValue::Text(text)) => Some(text.as_str()),
        _ => None,
    });
    dates::slash_order(samples, map.language)
}

fn build_row(
    raw: &RawRow,
    map: &HeaderMap,
    known: &[(Column, usize)],
    first_column: Option<u32>,
    order: SlashOrder,
) -> Result<ExportRow, ReadError> {
    let place = |position: usize| Place {
        row: raw.row,
        header: map.headers.get(position).map_or("", |header| header.trim()),
        column: first_column.map(|first| first.saturating_add(u32::try_from(position).unwrap_or(u32::MAX))),
    };
    let mut extra = BTreeMap::new();
    for (position, cell) in raw.cells.iter().enumerate() {
        if map.columns.get(position).copied().flatten().is_none() && !cell.is_blank() {
            let header = map.headers.get(position).map(|header| header.trim()).unwrap_or_default();
            let key = if header.is_empty() { format!("(column {})", position + 1) } else { header.to_owned() };
            extra.insert(key, cell.text());
        }
    }
    for &position in &raw.formulas {
        let numeric = matches!(
            map.columns.get(position).copied().flatten(),
            Some(Column::PointsAchieved | Column::Rank | Column::ScoreImpact)
        );
        if numeric {
            let place = place(position);
            return Err(ReadError::new(
                ReadErrorKind::Formula,
                format!(
                    "{} holds a formula; paste values instead (Paste Special → Values) and upload again",
                    place.describe()
                ),
            )
            .at_row(place.row)
            .in_column(place.header));
        }
    }
    // A known column's cell in this row (a short row may lack it), with its place for messages.
    let get = |column: Column| {
        let position = known.iter().find(|(known, _)| *known == column).map(|(_, position)| *position)?;
        raw.cells.get(position).map(|cell| (cell, place(position)))
    };
    let text = |column: Column| get(column).map(|(cell, _)| collapsed_text(cell)).filter(|text| !text.is_empty());

    let title = match get(Column::RecommendedAction) {
        Some((cell, place)) => {
            let title = collapsed_text(cell);
            if title.is_empty() {
                return Err(place.bad("the recommended action is empty; every row needs the action's title"));
            }
            title
        }
        None => return Err(missing_cell(raw.row, map, Column::RecommendedAction)),
    };
    let (achieved, max) = match get(Column::PointsAchieved) {
        Some((value, place)) => cell::points(value, &place)?,
        None => return Err(missing_cell(raw.row, map, Column::PointsAchieved)),
    };
    let status_text = text(Column::Status);
    Ok(ExportRow {
        row: raw.row,
        rank: get(Column::Rank).map(|(value, place)| cell::rank(value, &place)).transpose()?.flatten(),
        title,
        score_impact: get(Column::ScoreImpact)
            .map(|(value, place)| cell::score_impact(value, &place))
            .transpose()?
            .flatten(),
        achieved,
        max,
        status: status_text.as_deref().and_then(PortalStatus::from_text),
        status_text,
        regressed: get(Column::Regressed).map(|(value, place)| cell::yes_no(value, &place)).transpose()?.flatten(),
        have_license: get(Column::HaveLicense).map(|(value, place)| cell::yes_no(value, &place)).transpose()?.flatten(),
        category: text(Column::Category),
        product: text(Column::Product),
        last_synced: get(Column::LastSynced)
            .map(|(value, place)| cell::date(value, &place, order))
            .transpose()?
            .flatten(),
        microsoft_update: text(Column::MicrosoftUpdate),
        notes: get(Column::Notes).map(|(cell, _)| cell.text()).filter(|notes| !notes.is_empty()),
        extra,
    })
}

/// The cell as text with whitespace trimmed and collapsed; text cells without the intermediate copy.
fn collapsed_text(cell: &CellValue) -> String {
    match cell {
        CellValue::Text(text) => values::collapse_whitespace(text),
        other => values::collapse_whitespace(&other.text()),
    }
}

/// A short row (CSV rows may have fewer cells than the header) lacks a required cell.
fn missing_cell(row: u64, map: &HeaderMap, column: Column) -> ReadError {
    let header = map
        .columns
        .iter()
        .position(|known| *known == Some(column))
        .and_then(|position| map.headers.get(position))
        .map_or(column.english(), |header| header.trim());
    Place { row, header, column: None }.bad("the row ends before this column; every row needs it")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::ScoreImpact;

    fn sheet(headers: &[&str], rows: Vec<Vec<CellValue>>) -> RawSheet {
        RawSheet {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: rows
                .into_iter()
                .enumerate()
                .map(|(i, cells)| RawRow { row: i as u64 + 2, cells, formulas: Vec::new() })
                .collect(),
            first_column: None,
        }
    }

    fn text(value: &str) -> CellValue {
        CellValue::Text(value.to_owned())
    }

    #[test]
    fn numbers_and_dates_from_typed_cells() {
        let built = build(sheet(
            &["Recommended action", "Points achieved", "Rank", "Score impact", "Last synced", "Have license?"],
            vec![vec![
                text("  Enable   MFA "),
                text("1/2"),
                CellValue::Number { value: 3.0, percent: false },
                CellValue::Number { value: 0.0324, percent: true },
                CellValue::Number { value: 46349.5, percent: false },
                CellValue::Bool(true),
            ]],
        ))
        .unwrap();
        let row = &built.rows[0];
        assert_eq!(row.title, "Enable MFA");
        assert_eq!(row.rank, Some(3));
        let Some(ScoreImpact::Percent(percent)) = row.score_impact else { panic!("{:?}", row.score_impact) };
        assert!((percent - 3.24).abs() < 1e-9);
        assert_eq!(row.last_synced.unwrap().to_string(), "2026-11-23 12:00:00");
        assert_eq!(row.have_license, Some(true));
    }

    #[test]
    fn an_empty_title_is_a_bad_value_with_its_place() {
        let error =
            build(sheet(&["Recommended action", "Points achieved"], vec![vec![text(" "), text("1/2")]])).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::BadValue);
        assert_eq!(error.row, Some(2));
        assert_eq!(error.column.as_deref(), Some("Recommended action"));
    }

    #[test]
    fn a_short_row_without_points_names_the_column() {
        let error = build(sheet(&["Recommended action", "Points achieved"], vec![vec![text("x")]])).unwrap_err();
        assert_eq!(error.column.as_deref(), Some("Points achieved"));
        assert_eq!(error.row, Some(2));
    }

    #[test]
    fn a_formula_in_a_numeric_column_names_the_cell() {
        let mut raw = sheet(&["Recommended action", "Points achieved"], vec![vec![text("x"), text("1/2")]]);
        raw.first_column = Some(1);
        raw.rows[0].formulas = vec![1];
        let error = build(raw).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::Formula);
        assert!(error.message.starts_with("cell C2 (`Points achieved`) holds a formula"), "{}", error.message);
    }

    #[test]
    fn a_formula_in_a_text_column_is_fine() {
        let mut raw =
            sheet(&["Recommended action", "Points achieved", "Notes"], vec![vec![text("x"), text("1/2"), text("n")]]);
        raw.rows[0].formulas = vec![2];
        assert_eq!(build(raw).unwrap().rows[0].notes.as_deref(), Some("n"));
    }

    #[test]
    fn points_turned_into_a_date_by_excel_are_explained() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 5, 9).unwrap().and_hms_opt(0, 0, 0).unwrap();
        let error =
            build(sheet(&["Recommended action", "Points achieved"], vec![vec![text("x"), CellValue::DateTime(date)]]))
                .unwrap_err();
        assert!(error.message.contains("Excel turns values such as 5/9 into dates"), "{}", error.message);
    }

    #[test]
    fn too_many_rows_are_refused() {
        let rows = vec![vec![text("x"), text("1/2")]; MAX_ROWS + 1];
        assert_eq!(
            build(sheet(&["Recommended action", "Points achieved"], rows)).unwrap_err().kind,
            ReadErrorKind::TooLarge
        );
    }
}
