//! The prioritised actions sheet: every current item in priority order, one row each, read from the store in
//! that order chunk by chunk as the rows are written.

use rust_xlsxwriter::{Workbook, Worksheet};
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

use super::{ExportError, ExportRequest, Tally};
use crate::domain::bucket::Bucket;
use crate::domain::rating::Level;
use crate::domain::recommendation::Status;
use crate::export::xlsx::{Cells, Column, Styles, colour_when, streamed_sheet};
use crate::store::priority_order::{ActionRow, CHUNK, Placing, RankedItem, action_rows};
use crate::store::{roadmap, users};

pub(super) const SHEET: &str = "Prioritised actions";

const COLUMNS: [Column; 20] = [
    Column::new("Rank", 7.0),
    Column::wrapped("Title", 48.0),
    Column::new("Category", 14.0),
    Column::new("Product", 10.0),
    Column::new("Score impact", 10.0),
    Column::new("Points achieved", 10.0),
    Column::new("Points max", 10.0),
    Column::new("Points available", 10.0),
    Column::new("Status", 20.0),
    Column::new("Risk reduction", 11.0),
    Column::new("Implementation effort", 13.0),
    Column::wrapped("ISO 27001 controls", 22.0),
    Column::wrapped("NIS2 controls", 22.0),
    Column::new("Bucket", 9.0),
    Column::wrapped("Bucket rule", 30.0),
    Column::new("Quick win", 9.0),
    Column::new("Owner", 18.0),
    Column::new("Target date", 12.0),
    Column::new("Secure Score control", 28.0),
    Column::new("Recommendation ID", 38.0),
];

const STATUS_COL: u16 = 8;
const BUCKET_COL: u16 = 13;

/// The words a person reads for a level (blank while unrated), as the triage workbook writes them.
fn level_label(level: Option<Level>) -> &'static str {
    level.map_or("", crate::domain::triage_workbook::level_label)
}

/// Writes the sheet.
pub(super) async fn write(
    conn: &impl ConnectionTrait,
    workbook: &mut Workbook,
    styles: &Styles,
    request: &ExportRequest,
    ranked: &[RankedItem],
    plan: Option<&roadmap::Roadmap>,
    tally: &mut Tally<'_>,
) -> Result<(), ExportError> {
    // The current quarter's plan gives an item its target date (and an owner when the item has none).
    let planned: HashMap<uuid::Uuid, &roadmap::RoadmapItem> =
        plan.iter().flat_map(|p| &p.items).map(|i| (i.recommendation_id, i)).collect();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(SHEET)?;
    streamed_sheet(sheet, styles, &COLUMNS, ranked.len() as u32)?;
    colour_rules(sheet, ranked.len() as u32)?;
    let placing = Placing::of(conn, request.tenant).await?;
    let mut row = 1;
    for chunk in ranked.chunks(CHUNK) {
        let ids: Vec<uuid::Uuid> = chunk.iter().map(|i| i.id).collect();
        let views = action_rows(conn, request.tenant, &placing, &ids).await?;
        let owners = views.iter().filter_map(|v| v.ownership.owner_user_id);
        let planned_owners = views.iter().filter_map(|v| planned.get(&v.id).and_then(|p| p.owner.user_id));
        let names = users::display_names(conn, owners.chain(planned_owners).collect()).await?;
        let mut cells = Cells { sheet: &mut *sheet, styles };
        for view in &views {
            let plan_item = planned.get(&view.id).copied();
            write_row(&mut cells, row, view, plan_item, &names)?;
            row += 1;
        }
        tally.add(SHEET, views.len() as u64);
    }
    Ok(())
}

fn write_row(
    cells: &mut Cells<'_>,
    row: u32,
    item: &ActionRow,
    plan_item: Option<&roadmap::RoadmapItem>,
    names: &HashMap<uuid::Uuid, String>,
) -> Result<(), ExportError> {
    let controls = |framework: &str| {
        item.mappings.iter().filter(|m| m.framework == framework).map(|m| m.display_id.as_str()).collect::<Vec<_>>()
    };
    let owner_of = |user: Option<uuid::Uuid>, team: Option<&String>| {
        user.map(|u| names.get(&u).cloned().unwrap_or_else(|| u.to_string())).or_else(|| team.cloned())
    };
    let owner = owner_of(item.ownership.owner_user_id, item.ownership.owner_team.as_ref())
        .or_else(|| plan_item.and_then(|p| owner_of(p.owner.user_id, p.owner.team.as_ref())));
    cells.integer(row, 0, row as i64)?;
    cells.wrapped(row, 1, &item.title)?;
    cells.opt_text(row, 2, item.category.as_deref())?;
    cells.text(row, 3, item.product.as_str())?;
    cells.opt_number(row, 4, item.score_impact)?;
    cells.opt_number(row, 5, item.achieved)?;
    cells.number(row, 6, item.max)?;
    cells.number(row, 7, item.points_available)?;
    cells.text(row, 8, item.status.label())?;
    cells.text(row, 9, level_label(item.rating.risk_reduction))?;
    cells.text(row, 10, level_label(item.rating.implementation_effort))?;
    cells.wrapped(row, 11, &controls("iso27001").join(", "))?;
    cells.wrapped(row, 12, &controls("nis2").join(", "))?;
    cells.text(row, 13, item.placement.bucket.label())?;
    cells.opt_text(row, 14, item.placement.rule.as_deref())?;
    // A quick win is P1: high risk reduction, low effort, aligned (as an item's view says).
    cells.yes_no(row, 15, item.placement.bucket == Bucket::P1)?;
    cells.opt_text(row, 16, owner.as_deref())?;
    cells.opt_date(row, 17, plan_item.and_then(|p| p.target_date))?;
    cells.opt_text(row, 18, item.external_id.as_deref())?;
    cells.text(row, 19, &item.id.to_string())?;
    Ok(())
}

/// Colours the bucket and status columns.
fn colour_rules(sheet: &mut Worksheet, rows: u32) -> Result<(), ExportError> {
    let buckets = [
        (Bucket::P1, 0xC6EFCE),
        (Bucket::P2, 0xFFEB9C),
        (Bucket::P3, 0xDDEBF7),
        (Bucket::P4, 0xEDEDED),
        (Bucket::Unrated, 0xFFC7CE),
    ];
    for (bucket, rgb) in buckets {
        colour_when(sheet, BUCKET_COL, rows, bucket.label(), rgb)?;
    }
    status_colours(sheet, rows, STATUS_COL)
}

/// Colours a status column of data rows 1..=`rows`.
pub(super) fn status_colours(sheet: &mut Worksheet, rows: u32, col: u16) -> Result<(), ExportError> {
    for status in Status::ALL {
        let rgb = match status {
            Status::Completed | Status::ThirdParty | Status::AlternateMitigation => 0xC6EFCE,
            Status::InProgress | Status::Planned => 0xFFEB9C,
            Status::RiskAccepted => 0xE4DFEC,
            Status::ToAddress => 0xFFC7CE,
        };
        colour_when(sheet, col, rows, status.label(), rgb)?;
    }
    Ok(())
}
