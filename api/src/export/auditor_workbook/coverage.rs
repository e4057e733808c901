//! One coverage sheet per framework: ISO/IEC 27001:2022 and NIS2 always, then any other framework in the
//! tenant's audit scope (a custom one included, under a sheet name Excel accepts). Counted by the one coverage
//! function (`domain::coverage`) from the items already placed, so no item is read twice.

use rust_xlsxwriter::Workbook;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

use super::{ExportError, Tally};
use crate::domain::coverage::{CoverageState, CoveredItem, control_coverage};
use crate::domain::ids::TenantId;
use crate::export::xlsx::{Cells, Column, Styles, colour_when, data_sheet, unique_sheet_name};
use crate::store::coverage::controls_in_force;
use crate::store::priority_order::RankedItem;
use crate::store::triage_settings;

const COLUMNS: [Column; 7] = [
    Column::new("Control", 14.0),
    Column::wrapped("Title", 50.0),
    Column::new("Mapped actions", 10.0),
    Column::new("Completed", 10.0),
    Column::new("Risk accepted", 10.0),
    Column::new("State", 22.0),
    Column::new("Control id", 14.0),
];

/// The words a person reads for a coverage state.
fn state_label(state: CoverageState) -> &'static str {
    match state {
        CoverageState::Covered => "Covered",
        CoverageState::Partial => "Partial",
        CoverageState::Gap => "Gap",
        CoverageState::NoTechnicalMapping => "No technical mapping",
    }
}

/// Writes the coverage sheets.
pub(super) async fn write(
    conn: &impl ConnectionTrait,
    workbook: &mut Workbook,
    styles: &Styles,
    tenant: TenantId,
    ranked: &[RankedItem],
    tally: &mut Tally<'_>,
) -> Result<(), ExportError> {
    let mut keys =
        vec![("iso27001".to_owned(), "ISO 27001 coverage".to_owned()), ("nis2".to_owned(), "NIS2 coverage".to_owned())];
    for key in triage_settings::scope(conn, tenant).await?.value.frameworks {
        if !keys.iter().any(|(k, _)| *k == key) {
            keys.push((key, String::new()));
        }
    }
    let mut by_control: HashMap<(&str, &str), Vec<CoveredItem>> = HashMap::new();
    for item in ranked {
        for (framework, control) in &item.mapped {
            by_control.entry((framework.as_str(), control.as_str())).or_default().push(item.covered);
        }
    }
    for (key, wanted_name) in keys {
        let Some(framework) = controls_in_force(conn, tenant, &key).await? else { continue };
        let taken: Vec<String> = workbook.worksheets().iter().map(|s| s.name()).collect();
        let wanted = if wanted_name.is_empty() { format!("{} coverage", framework.name) } else { wanted_name };
        let name = unique_sheet_name(&wanted, &taken);
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name)?;
        let rows = framework.controls.len() as u32;
        let table = format!("Coverage_{}", key.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>());
        data_sheet(sheet, styles, &COLUMNS, rows, &table)?;
        for (state, rgb) in
            [(CoverageState::Covered, 0xC6EFCE), (CoverageState::Partial, 0xFFEB9C), (CoverageState::Gap, 0xFFC7CE)]
        {
            colour_when(sheet, 5, rows, state_label(state), rgb)?;
        }
        let mut cells = Cells { sheet, styles };
        for (i, (control_id, display_id, title)) in framework.controls.iter().enumerate() {
            let row = i as u32 + 1;
            let items = by_control.get(&(key.as_str(), control_id.as_str())).map(Vec::as_slice).unwrap_or_default();
            let coverage = control_coverage(items);
            cells.text(row, 0, display_id)?;
            cells.wrapped(row, 1, title)?;
            cells.integer(row, 2, coverage.mapped as i64)?;
            cells.integer(row, 3, coverage.resolved as i64)?;
            cells.integer(row, 4, coverage.risk_accepted as i64)?;
            cells.text(row, 5, state_label(coverage.state))?;
            cells.text(row, 6, control_id)?;
        }
        tally.add("coverage", u64::from(rows));
    }
    Ok(())
}
