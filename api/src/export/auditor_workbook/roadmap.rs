//! The roadmap sheet: the current quarter's plan, item by item, with its rollout phase and warnings.

use rust_xlsxwriter::Workbook;
use sea_orm::ConnectionTrait;

use super::{ExportError, Tally};
use crate::export::xlsx::{Cells, Column, Styles, data_sheet};
use crate::store::{roadmap, users};

const SHEET: &str = "Roadmap";

const COLUMNS: [Column; 15] = [
    Column::new("Quarter", 9.0),
    Column::new("Position", 8.0),
    Column::wrapped("Title", 44.0),
    Column::new("Secure Score control", 26.0),
    Column::new("Category", 14.0),
    Column::new("Bucket", 9.0),
    Column::new("Points available", 10.0),
    Column::new("Status", 20.0),
    Column::new("Phase", 14.0),
    Column::new("Phase started", 12.0),
    Column::new("Observation ends", 12.0),
    Column::new("Owner", 18.0),
    Column::new("Target date", 12.0),
    Column::new("Done at (UTC)", 18.0),
    Column::wrapped("Warnings", 50.0),
];

/// Writes the sheet.
pub(super) async fn write(
    conn: &impl ConnectionTrait,
    workbook: &mut Workbook,
    styles: &Styles,
    plan: Option<&roadmap::Roadmap>,
    tally: &mut Tally<'_>,
) -> Result<(), ExportError> {
    let items = plan.map(|p| p.items.as_slice()).unwrap_or_default();
    let names = users::display_names(conn, items.iter().filter_map(|i| i.owner.user_id).collect()).await?;
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    data_sheet(sheet, styles, &COLUMNS, items.len() as u32, "Roadmap")?;
    super::actions::status_colours(sheet, items.len() as u32, 7)?;
    let mut cells = Cells { sheet, styles };
    for (i, item) in items.iter().enumerate() {
        let row = i as u32 + 1;
        let owner = item
            .owner
            .user_id
            .map(|u| names.get(&u).cloned().unwrap_or_else(|| u.to_string()))
            .or_else(|| item.owner.team.clone());
        let warnings: Vec<&str> = plan
            .iter()
            .flat_map(|p| &p.warnings)
            .filter(|w| w.item_id == Some(item.id))
            .map(|w| w.message.as_str())
            .collect();
        cells.text(row, 0, &plan.map(|p| p.quarter.to_string()).unwrap_or_default())?;
        cells.integer(row, 1, i64::from(item.position))?;
        cells.wrapped(row, 2, &item.title)?;
        cells.opt_text(row, 3, item.external_id.as_deref())?;
        cells.opt_text(row, 4, item.category.as_deref())?;
        cells.text(row, 5, item.bucket.label())?;
        cells.number(row, 6, item.points_available)?;
        cells.text(row, 7, item.status.label())?;
        cells.text(row, 8, item.phase.phase.as_str())?;
        cells.date(row, 9, item.phase.started_on)?;
        cells.date(row, 10, item.phase.observation_ends)?;
        cells.opt_text(row, 11, owner.as_deref())?;
        cells.opt_date(row, 12, item.target_date)?;
        if let Some(done) = item.done_at {
            cells.date_time(row, 13, done)?;
        }
        cells.wrapped(row, 14, &warnings.join("\n"))?;
    }
    tally.add(SHEET, items.len() as u64);
    Ok(())
}
