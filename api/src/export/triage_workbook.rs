//! The triage workbook (seed article 002: "export the recommended actions into an Excel workbook, add Risk
//! Reduction, Implementation Effort and Regulatory Mapping columns, fill them in, sort by priority bucket").
//!
//! One `Triage` sheet, every current item in bucket order, with hidden id and version columns the import matches
//! rows by, dropdowns on the two level columns and the three editable columns filled so they stand out; a small
//! `How to use` sheet says what to do. Written with a constant-memory sheet, rows strictly in order, into an
//! anonymous temporary file that the caller streams and the system deletes once it is closed.

use std::collections::BTreeSet;
use std::io::{Seek, SeekFrom};

use chrono::{DateTime, SecondsFormat, Utc};
use readers::triage_workbook::{EFFORT_HEADER, ID_HEADER, MAPPING_HEADER, RISK_HEADER, SHEET, VERSION_HEADER};
use rust_xlsxwriter::{Color, DataValidation, Format, FormatAlign, FormatBorder, RowNum, Workbook, XlsxError};

use super::xlsx::{Cells, Column, Styles, streamed_sheet};
use crate::domain::bucket::Bucket;
use crate::domain::recommendation::Product;
use crate::domain::triage_workbook::{ControlRef, Exported, level_label};
use crate::store::triage_workbook::TriageExportRow;

pub use super::xlsx::CONTENT_TYPE;

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    #[error("the workbook could not be built: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("the workbook's temporary file failed: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Whose workbook it is, for the `How to use` sheet.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub tenant_name: &'a str,
    pub tenant_id: uuid::Uuid,
    pub generated_at: DateTime<Utc>,
    pub generated_by: &'a str,
}

const COLUMNS: [Column; 18] = [
    Column::new(ID_HEADER, 38.0),
    Column::new(VERSION_HEADER, 24.0),
    Column::wrapped("Title", 50.0),
    Column::new("Category", 12.0),
    Column::new("Product", 16.0),
    Column::new("Secure Score control", 28.0),
    Column::new("Points achieved", 10.0),
    Column::new("Points max", 10.0),
    Column::new("Points available", 10.0),
    Column::new("Status", 16.0),
    Column::new(RISK_HEADER, 14.0),
    Column::new(EFFORT_HEADER, 16.0),
    Column::wrapped(MAPPING_HEADER, 36.0),
    Column::new("Bucket", 9.0),
    Column::new("Bucket rule", 20.0),
    Column::new("Suggested risk", 11.0),
    Column::new("Suggested effort", 11.0),
    Column::new("Owner", 20.0),
];
const RISK: u16 = 10;
const EFFORT: u16 = 11;
const MAPPING: u16 = 12;
/// Title stays in view when scrolling right.
const FROZEN_COLUMNS: u16 = 3;

/// A triage workbook being written a chunk of rows at a time, strictly in order, so memory stays flat however
/// many items the tenant has.
pub struct TriageWorkbook {
    workbook: Workbook,
    styles: Styles,
    editable: Format,
    editable_wrapped: Format,
    next_row: RowNum,
}

impl TriageWorkbook {
    /// Reads the tenant's items from one read snapshot, a chunk at a time in priority order, into a new workbook.
    pub async fn fill(
        db: &sea_orm::DatabaseConnection,
        tenant: crate::domain::ids::TenantId,
        now: DateTime<Utc>,
    ) -> Result<Self, WorkbookError> {
        use crate::store::{StoreError, priority_order::CHUNK, triage_workbook};
        let tx = crate::store::begin_snapshot(db).await?;
        let order = triage_workbook::export_order(&tx, tenant).await?;
        let mut book = Self::new(order.len())?;
        for chunk in order.chunks(CHUNK) {
            book.write_rows(&triage_workbook::export_rows(&tx, tenant, chunk, now).await?)?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(book)
    }

    /// A workbook whose `Triage` sheet will hold `count` rows.
    pub fn new(count: usize) -> Result<Self, WorkbookError> {
        let styles = Styles::default();
        let editable = Format::new()
            .set_background_color(Color::RGB(0xFFF2CC))
            .set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(0xBFBFBF))
            .set_align(FormatAlign::Top)
            .set_unlocked();
        let editable_wrapped = editable.clone().set_text_wrap();
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(SHEET)?;
        let count = u32::try_from(count).map_err(|_| XlsxError::RowColumnLimitError)?;
        streamed_sheet(sheet, &styles, &COLUMNS, count)?;
        sheet.set_freeze_panes(1, FROZEN_COLUMNS)?;
        sheet.set_column_hidden(0)?;
        sheet.set_column_hidden(1)?;
        let last: RowNum = count.max(1);
        for (column, title) in [(RISK, RISK_HEADER), (EFFORT, EFFORT_HEADER)] {
            let validation = DataValidation::new()
                .allow_list_strings(&["High", "Medium", "Low"])?
                .ignore_blank(true)
                .set_input_title(title)?
                .set_input_message("High, Medium or Low; leave blank for not rated.")?
                .set_error_title(title)?
                .set_error_message("Choose High, Medium or Low, or leave the cell blank.")?;
            sheet.add_data_validation(1, column, last, column, &validation)?;
        }
        Ok(Self { workbook, styles, editable, editable_wrapped, next_row: 1 })
    }

    /// Writes the next rows.
    pub fn write_rows(&mut self, rows: &[TriageExportRow]) -> Result<(), WorkbookError> {
        let (editable, editable_wrapped) = (&self.editable, &self.editable_wrapped);
        let sheet = self.workbook.worksheet_from_index(0)?;
        let mut cells = Cells { sheet, styles: &self.styles };
        for row in rows {
            let r = self.next_row;
            self.next_row += 1;
            let item = &row.item;
            let mappings: Vec<ControlRef> =
                item.mappings.iter().map(|m| ControlRef::new(m.framework.clone(), m.control_id.clone())).collect();
            let exported = Exported {
                item: item.id,
                rating_version: item.rating.version,
                rating: item.rating.rating(),
                mappings: mappings.iter().cloned().collect::<BTreeSet<_>>(),
            };
            let shown: Vec<String> = mappings.iter().map(ControlRef::to_string).collect();
            let level = |l: Option<crate::domain::rating::Level>| l.map_or("", level_label);
            cells.text(r, 0, &item.id.to_string())?;
            cells.text(r, 1, &exported.encode())?;
            cells.wrapped(r, 2, &item.title)?;
            cells.opt_text(r, 3, item.category.as_deref())?;
            cells.text(r, 4, item.service.as_deref().unwrap_or(product_label(item.product)))?;
            cells.opt_text(r, 5, item.external_id.as_deref())?;
            cells.opt_number(r, 6, item.achieved)?;
            cells.number(r, 7, item.max)?;
            cells.number(r, 8, item.points_available)?;
            cells.text(r, 9, item.status.as_str())?;
            cells.text_in(r, RISK, level(item.rating.risk_reduction), editable)?;
            cells.text_in(r, EFFORT, level(item.rating.implementation_effort), editable)?;
            cells.text_in(r, MAPPING, &shown.join("; "), editable_wrapped)?;
            cells.text(r, 13, bucket_label(item.bucket))?;
            cells.opt_text(r, 14, item.bucket_rule.as_deref())?;
            cells.text(r, 15, level(item.suggested_rating.risk_reduction))?;
            cells.text(r, 16, level(item.suggested_rating.implementation_effort))?;
            cells.opt_text(r, 17, row.owner.as_deref())?;
        }
        Ok(())
    }

    /// Adds the `How to use` sheet and saves into an anonymous temporary file, rewound to its start.
    pub fn finish(mut self, about: &About<'_>) -> Result<std::fs::File, WorkbookError> {
        how_to_use(&mut self.workbook, &self.styles, about)?;
        let mut file = tempfile::tempfile()?;
        self.workbook.save_to_writer(&mut file)?;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    }
}

/// The second sheet: what the workbook is and how to bring it back.
fn how_to_use(workbook: &mut Workbook, styles: &Styles, about: &About<'_>) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("How to use")?;
    sheet.set_column_width(0, 110.0)?;
    let at = about.generated_at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let lines = [
        format!("Triage workbook of {}, exported {at} by {}.", about.tenant_name, about.generated_by),
        format!(
            "Fill in the yellow columns on the {SHEET} sheet: {RISK_HEADER} and {EFFORT_HEADER} (High, Medium or \
             Low; blank means not rated) and {MAPPING_HEADER}: the item's whole mapping set, framework:control ids \
             separated by \"; \", e.g. iso27001:5.17; nis2:21.2.j (A.5.17 and Art. 21(2)(j) are understood too)."
        ),
        "Sort, filter and insert columns as you like: columns are found by their header text. Keep the hidden \
         columns A and B (Recommendation ID, Exported version) on their rows; they tell scoregrc which item a row \
         is and what it said when exported."
            .to_owned(),
        format!(
            "Upload the saved workbook with POST /api/v1/tenants/{}/imports/triage. Rows you did not change are \
             left alone. A row you changed whose item someone else changed after this export is refused as a \
             conflict: export again and redo that row. Nothing is written unless every row is good.",
            about.tenant_id
        ),
        "Buckets, bucket rules and the suggested ratings are derived by scoregrc; editing them changes nothing."
            .to_owned(),
    ];
    let mut cells = Cells { sheet, styles };
    cells.sheet.write_string_with_format(0, 0, "How to use this workbook", &styles.title)?;
    for (at, line) in lines.iter().enumerate() {
        cells.wrapped(at as RowNum + 2, 0, line)?;
    }
    Ok(())
}

fn product_label(product: Product) -> &'static str {
    match product {
        Product::M365 => "Microsoft 365",
        Product::DefenderCloud => "Defender for Cloud",
    }
}

/// The bucket as the API names it (`unrated` in lower case, as `?bucket=` takes it).
fn bucket_label(bucket: Bucket) -> &'static str {
    match bucket {
        Bucket::Unrated => "unrated",
        placed => placed.label(),
    }
}
