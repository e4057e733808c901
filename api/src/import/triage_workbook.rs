//! Importing an edited triage workbook: read the `Triage` sheet off the request's worker (it is CPU work on up
//! to the upload limit), then check every row and apply them all in one transaction, or none.

use readers::triage_workbook::{RawCell, TriageRow};
use sea_orm::DatabaseConnection;

use super::error::ImportError;
use crate::domain::triage_workbook::{CellInput, RowInput, RowProblem};
use crate::store::triage_workbook::{self, TriageEdit, TriageImportSummary, TriageOutcome};

/// Imports the workbook `bytes`: every rating and mapping change of its edited rows, or nothing when any row is
/// wrong or conflicts ([`ImportError::RowsRefused`]). Bytes that are no workbook at all are refused the same
/// way, naming the file, since the workbook's content, not its media type, is at fault.
pub async fn import(
    db: &DatabaseConnection,
    edit: TriageEdit<'_>,
    bytes: Vec<u8>,
) -> Result<TriageImportSummary, ImportError> {
    let read = tokio::task::spawn_blocking(move || readers::triage_workbook::read(&bytes))
        .await
        .map_err(|e| ImportError::Interrupted(e.to_string()))?;
    let sheet = match read {
        Ok(sheet) => sheet,
        Err(error) if error.kind == readers::ReadErrorKind::UnsupportedFileType => {
            let cell = error.field.clone().unwrap_or_else(|| "file".to_owned());
            return Err(ImportError::RowsRefused(vec![RowProblem { cell, message: error.message, conflict: false }]));
        }
        Err(error) => return Err(ImportError::Read(error)),
    };
    let rows: Vec<RowInput> = sheet.rows.into_iter().map(row_input).collect();
    match triage_workbook::apply(db, edit, &rows).await? {
        TriageOutcome::Applied(summary) => Ok(summary),
        TriageOutcome::Refused(problems) => Err(ImportError::RowsRefused(problems)),
    }
}

fn cell(raw: RawCell) -> CellInput {
    CellInput { text: raw.value.text(), reference: raw.reference }
}

fn row_input(row: TriageRow) -> RowInput {
    RowInput {
        id: cell(row.id),
        version: cell(row.version),
        risk: row.risk.map(cell),
        effort: row.effort.map(cell),
        mapping: row.mapping.map(cell),
    }
}
