//! The risk-acceptance register sheet: the seed article's columns in its order, then scoregrc's own, one row per
//! entry and covered item, every state, with how many steps each entry's history holds.

use rust_xlsxwriter::Workbook;
use sea_orm::ConnectionTrait;

use super::{ExportError, ExportRequest, Tally};
use crate::export::register_csv::HEADER;
use crate::export::xlsx::{Cells, Column, Styles, data_sheet};
use crate::store::register;

const SHEET: &str = "Risk acceptance register";

/// Widths of the columns of [`HEADER`], then the history count.
const WIDTHS: [(f64, bool); 17] = [
    (40.0, true),
    (14.0, false),
    (10.0, false),
    (40.0, true),
    (40.0, true),
    (40.0, true),
    (12.0, false),
    (18.0, false),
    (12.0, false),
    (14.0, false),
    (18.0, false),
    (12.0, false),
    (12.0, false),
    (24.0, false),
    (38.0, false),
    (26.0, false),
    (10.0, false),
];

fn columns() -> Vec<Column> {
    HEADER
        .iter()
        .chain(std::iter::once(&"History steps"))
        .zip(WIDTHS)
        .map(|(header, (width, wrap))| if wrap { Column::wrapped(header, width) } else { Column::new(header, width) })
        .collect()
}

/// Writes the sheet.
pub(super) async fn write(
    conn: &impl ConnectionTrait,
    workbook: &mut Workbook,
    styles: &Styles,
    request: &ExportRequest,
    tally: &mut Tally<'_>,
) -> Result<(), ExportError> {
    let rows = register::every_row(conn, request.tenant, request.now).await?;
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    data_sheet(sheet, styles, &columns(), rows.len() as u32, "RiskAcceptanceRegister")?;
    let mut cells = Cells { sheet, styles };
    for (i, (entry, steps)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        cells.wrapped(row, 0, &entry.recommendation)?;
        cells.opt_text(row, 1, entry.category.as_deref())?;
        cells.number(row, 2, entry.score_impact)?;
        cells.wrapped(row, 3, &entry.risk_description)?;
        cells.wrapped(row, 4, &entry.business_justification)?;
        cells.wrapped(row, 5, &entry.compensating_controls)?;
        cells.opt_date(row, 6, entry.approval_date)?;
        cells.opt_text(row, 7, entry.approver.as_deref())?;
        cells.opt_date(row, 8, entry.review_date)?;
        cells.text(row, 9, &entry.reference)?;
        cells.text(row, 10, entry.decision.as_str())?;
        cells.text(row, 11, entry.state.as_str())?;
        cells.text(row, 12, entry.residual_risk.as_str())?;
        cells.opt_text(row, 13, entry.covered_by.as_deref())?;
        cells.text(row, 14, &entry.recommendation_id.to_string())?;
        cells.opt_text(row, 15, entry.external_id.as_deref())?;
        cells.integer(row, 16, *steps as i64)?;
    }
    tally.add(SHEET, rows.len() as u64);
    Ok(())
}
