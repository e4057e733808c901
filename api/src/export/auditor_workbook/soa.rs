//! The Statement of Applicability sheet: one row per ISO/IEC 27001:2022 Annex A control, as the API shows it
//! (`store::soa`), from the items already placed for the other sheets, so no item is read twice.

use rust_xlsxwriter::Workbook;
use sea_orm::ConnectionTrait;

use super::{ExportError, ExportRequest, Tally};
use crate::domain::soa::{Basis, Implementation};
use crate::export::xlsx::{Cells, Column, Styles, colour_when, data_sheet};
use crate::store::priority_order::RankedItem;
use crate::store::soa::{self, SoaRow};

const SHEET: &str = "Statement of Applicability";

const COLUMNS: [Column; 12] = [
    Column::new("Control", 10.0),
    Column::wrapped("Title", 40.0),
    Column::new("Theme", 14.0),
    Column::new("Applicable", 10.0),
    Column::wrapped("Justification", 40.0),
    Column::new("Implementation", 20.0),
    Column::wrapped("Basis", 30.0),
    Column::wrapped("Computation", 50.0),
    Column::wrapped("Mapped recommendations", 60.0),
    Column::wrapped("Risk acceptances", 30.0),
    Column::new("Evidence", 10.0),
    Column::new("Control id", 10.0),
];

/// The implementation column's words; a control that does not apply says so.
fn implementation(row: &SoaRow) -> &'static str {
    match (row.applicable, row.assessment.implementation) {
        (false, _) => "Not applicable",
        (true, Some(value)) => value.label(),
        (true, None) => "",
    }
}

/// Computed, or attested by whom and when, or not assessed.
fn basis(row: &SoaRow) -> String {
    match (row.assessment.basis, &row.attested_by, row.attested_at) {
        (Basis::Attested, Some(by), Some(at)) => {
            format!("Attested by {}, {}", by.name, at.format("%Y-%m-%d %H:%M UTC"))
        }
        (basis, _, _) => basis.label().to_owned(),
    }
}

fn recommendations(row: &SoaRow) -> String {
    let listed: Vec<String> = row
        .mapped_recommendations
        .iter()
        .map(|r| {
            let counted = if r.scored { "" } else { ", not scored" };
            format!("{} ({}, {}{counted})", r.title, r.status.label(), r.bucket.label())
        })
        .collect();
    listed.join("\n")
}

fn risk_acceptances(row: &SoaRow) -> String {
    let listed: Vec<String> = row
        .risk_acceptances
        .iter()
        .map(|e| format!("{} ({}, {})", e.reference, e.state.as_str(), e.decision.as_str()))
        .collect();
    listed.join("\n")
}

/// Writes the sheet.
pub(super) async fn write(
    conn: &impl ConnectionTrait,
    workbook: &mut Workbook,
    styles: &Styles,
    request: &ExportRequest,
    ranked: &[RankedItem],
    tally: &mut Tally<'_>,
) -> Result<(), ExportError> {
    let statement = soa::read_with(conn, request.tenant, ranked, request.now).await?;
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    let rows = statement.controls.len() as u32;
    data_sheet(sheet, styles, &COLUMNS, rows, "StatementOfApplicability")?;
    for (value, rgb) in [
        (Implementation::Implemented, 0xC6EFCE),
        (Implementation::PartiallyImplemented, 0xFFEB9C),
        (Implementation::Planned, 0xDDEBF7),
        (Implementation::NotImplemented, 0xFFC7CE),
    ] {
        colour_when(sheet, 5, rows, value.label(), rgb)?;
    }
    let mut cells = Cells { sheet, styles };
    for (i, control) in statement.controls.iter().enumerate() {
        let row = i as u32 + 1;
        cells.text(row, 0, &control.display_id)?;
        cells.wrapped(row, 1, &control.title)?;
        cells.opt_text(row, 2, control.theme.as_deref())?;
        cells.yes_no(row, 3, control.applicable)?;
        cells.wrapped(row, 4, control.applicability_justification.as_deref().unwrap_or_default())?;
        cells.text(row, 5, implementation(control))?;
        cells.wrapped(row, 6, &basis(control))?;
        cells.wrapped(row, 7, &control.assessment.computation)?;
        cells.wrapped(row, 8, &recommendations(control))?;
        cells.wrapped(row, 9, &risk_acceptances(control))?;
        cells.integer(row, 10, control.evidence_count as i64)?;
        cells.text(row, 11, &control.control_id)?;
    }
    tally.add(SHEET, u64::from(rows));
    Ok(())
}
