//! The score history sheet (daily rows and a native Excel line chart) and the audit trail sheet (every row of
//! the tenant's chain, oldest first, read page by page).

use chrono::NaiveDate;
use rust_xlsxwriter::{Chart, ChartType, Workbook};
use sea_orm::ConnectionTrait;

use super::{ExportError, Tally};
use crate::domain::audit::Chain;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Product;
use crate::export::xlsx::{Cells, Column, Styles, data_sheet, streamed_sheet};
use crate::store::{audit, scores};

const SCORES: &str = "Score history";
const AUDIT: &str = "Audit trail";

const SCORE_COLUMNS: [Column; 5] = [
    Column::new("Day", 12.0),
    Column::new("Points achieved", 12.0),
    Column::new("Points possible", 12.0),
    Column::new("Score", 10.0),
    Column::new("Source", 12.0),
];

const AUDIT_COLUMNS: [Column; 12] = [
    Column::new("Seq", 8.0),
    Column::new("At (UTC)", 19.0),
    Column::new("Actor", 20.0),
    Column::new("Actor kind", 13.0),
    Column::new("Entity", 18.0),
    Column::new("Entity id", 38.0),
    Column::new("Action", 14.0),
    Column::wrapped("Comment", 36.0),
    Column::new("Change (after)", 50.0),
    Column::new("Run id", 38.0),
    Column::new("Change list SHA-256", 66.0),
    Column::new("Hash", 66.0),
];

/// Audit rows read per query.
const AUDIT_PAGE: u64 = 1_000;

/// Writes the score history with its chart.
pub(super) async fn write_scores(
    conn: &impl ConnectionTrait,
    workbook: &mut Workbook,
    styles: &Styles,
    tenant: TenantId,
    tally: &mut Tally<'_>,
) -> Result<(), ExportError> {
    let since = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let days: Vec<scores::Snapshot> =
        scores::history(conn, tenant, Product::M365, since).await?.into_iter().filter(|s| s.scope.is_empty()).collect();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SCORES)?;
    let rows = days.len() as u32;
    data_sheet(sheet, styles, &SCORE_COLUMNS, rows, "ScoreHistory")?;
    let mut cells = Cells { sheet, styles };
    for (i, day) in days.iter().enumerate() {
        let row = i as u32 + 1;
        cells.date(row, 0, day.day)?;
        cells.number(row, 1, day.current)?;
        cells.number(row, 2, day.max)?;
        cells.percent(row, 3, day.percent / 100.0)?;
        cells.text(row, 4, day.source.as_str())?;
    }
    let mut chart = Chart::new(ChartType::Line);
    chart.title().set_name("Secure Score (Microsoft 365)");
    chart.x_axis().set_name("Day");
    chart.y_axis().set_name("Score").set_num_format("0%");
    chart.legend().set_hidden();
    chart.add_series().set_name("Score").set_categories((SCORES, 1, 0, rows.max(1), 0)).set_values((
        SCORES,
        1,
        3,
        rows.max(1),
        3,
    ));
    cells.sheet.insert_chart(1, 6, &chart)?;
    tally.add(SCORES, days.len() as u64);
    Ok(())
}

/// Writes the audit trail, `rows` rows, page by page into a constant-memory sheet.
pub(super) async fn write_audit_trail(
    conn: &impl ConnectionTrait,
    workbook: &mut Workbook,
    styles: &Styles,
    tenant: TenantId,
    rows: u64,
    tally: &mut Tally<'_>,
) -> Result<(), ExportError> {
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(AUDIT)?;
    streamed_sheet(sheet, styles, &AUDIT_COLUMNS, rows as u32)?;
    let mut row = 1;
    let mut after = 0;
    // The count was read in the same transaction, so the pages hold exactly that many rows.
    while u64::from(row) <= rows {
        let page = audit::rows_after(conn, Chain::Tenant(tenant), after, AUDIT_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        let mut cells = Cells { sheet: &mut *sheet, styles };
        for record in &page {
            cells.integer(row, 0, record.seq)?;
            cells.date_time(row, 1, record.at)?;
            cells.text(row, 2, &record.actor_name)?;
            cells.text(row, 3, record.actor_kind.as_str())?;
            cells.text(row, 4, &record.entity)?;
            cells.text(row, 5, &record.entity_id)?;
            cells.text(row, 6, &record.action)?;
            cells.opt_text(row, 7, record.comment.as_deref())?;
            cells.opt_text(row, 8, record.after.as_ref().map(|v| v.to_string()).as_deref())?;
            cells.opt_text(row, 9, record.run_id.as_deref())?;
            cells.opt_text(row, 10, record.change_list_sha256.as_deref())?;
            cells.text(row, 11, &record.hash)?;
            row += 1;
        }
        tally.add(AUDIT, page.len() as u64);
    }
    Ok(())
}
