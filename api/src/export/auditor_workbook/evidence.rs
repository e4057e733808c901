//! The evidence sheet: every piece of evidence of the tenant, oldest first, with what it proves, who added it,
//! its SHA-256, the versions that correct it, and the tombstones of deleted ones.

use rust_xlsxwriter::Workbook;
use sea_orm::ConnectionTrait;

use super::{ExportError, Tally};
use crate::domain::ids::TenantId;
use crate::export::xlsx::{Cells, Column, Styles, streamed_sheet};
use crate::store::evidence::targets::{self, Target};
use crate::store::evidence::{self, EvidenceFilter};
use crate::store::page::PageRequest;

const EVIDENCE: &str = "Evidence";

const COLUMNS: [Column; 16] = [
    Column::new("Added (UTC)", 19.0),
    Column::new("Attached to", 16.0),
    Column::new("Target", 24.0),
    Column::new("Kind", 20.0),
    Column::wrapped("Title", 36.0),
    Column::wrapped("What it proves", 44.0),
    Column::new("File or link", 36.0),
    Column::new("Type", 18.0),
    Column::new("Bytes", 11.0),
    Column::new("SHA-256", 66.0),
    Column::new("Added by", 18.0),
    Column::new("Corrects", 38.0),
    Column::new("Corrected by", 38.0),
    Column::new("Deleted (UTC)", 19.0),
    Column::wrapped("Deleted by and why", 30.0),
    Column::new("Evidence id", 38.0),
];

/// Evidence read per query.
const PAGE: u64 = 500;

/// Writes every piece of evidence, tombstones included, page by page into a constant-memory sheet.
pub(super) async fn write(
    conn: &impl ConnectionTrait,
    workbook: &mut Workbook,
    styles: &Styles,
    tenant: TenantId,
    tally: &mut Tally<'_>,
) -> Result<(), ExportError> {
    let filter = EvidenceFilter { include_deleted: true, ..EvidenceFilter::default() };
    let first = evidence::list(conn, tenant, &filter, &PageRequest { limit: PAGE, after: None }).await?;
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(EVIDENCE)?;
    streamed_sheet(sheet, styles, &COLUMNS, first.total as u32)?;
    let mut row = 1;
    let mut page = first.items;
    while !page.is_empty() {
        let wanted: Vec<Target> =
            page.iter().map(|e| Target { kind: e.target_kind, id: e.target_id.clone() }).collect();
        let labels = targets::labels(conn, tenant, &wanted).await?;
        let mut cells = Cells { sheet: &mut *sheet, styles };
        for item in &page {
            let label =
                labels.get(&(item.target_kind, item.target_id.clone())).map_or(item.target_id.as_str(), String::as_str);
            cells.date_time(row, 0, item.created_at)?;
            cells.text(row, 1, item.target_kind.as_str())?;
            cells.text(row, 2, label)?;
            cells.text(row, 3, item.kind.as_str())?;
            cells.text(row, 4, &item.title)?;
            cells.text(row, 5, &item.proves)?;
            cells.opt_text(row, 6, item.url.as_deref().or(item.file_name.as_deref()))?;
            cells.opt_text(row, 7, item.content_type.as_deref())?;
            cells.integer(row, 8, item.size as i64)?;
            cells.text(row, 9, &item.sha256)?;
            cells.text(row, 10, &item.created_by.name)?;
            cells.opt_text(row, 11, item.supersedes.map(|id| id.to_string()).as_deref())?;
            cells.opt_text(row, 12, item.superseded_by.map(|id| id.to_string()).as_deref())?;
            if let Some(tombstone) = &item.deleted {
                cells.date_time(row, 13, tombstone.at)?;
                cells.text(row, 14, &format!("{}: {}", tombstone.by, tombstone.reason))?;
            }
            cells.text(row, 15, &item.id.to_string())?;
            row += 1;
        }
        tally.add(EVIDENCE, page.len() as u64);
        let after = page.last().map(|e| e.id.to_string());
        page = evidence::list(conn, tenant, &filter, &PageRequest { limit: PAGE, after }).await?.items;
    }
    Ok(())
}
