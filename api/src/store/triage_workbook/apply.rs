//! Applying an edited triage workbook: checked and written in one write transaction, so what the check saw is
//! what gets changed, and recorded as one audit row carrying the run id and the SHA-256 of the change list.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::json;

use super::{catalog, current_items};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::domain::rating::Rating;
use crate::domain::triage_workbook::{self, RowChange, RowInput, RowProblem};
use crate::store::audit::{self, Change};
use crate::store::mappings::{self, MappingEdit};
use crate::store::ratings::{self, Rater};
use crate::store::{StoreError, begin_write};

/// Who imports, when, into which tenant.
#[derive(Debug, Clone, Copy)]
pub struct TriageEdit<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub tenant: TenantId,
}

/// What an import of the triage workbook did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"rows_read": 42, "ratings_changed": 5, "mappings_added": 2, "mappings_removed": 1,
    "unchanged": 36, "run_id": "01900000-0000-7000-8000-000000000000"}))]
pub struct TriageImportSummary {
    /// Rows of the `Triage` sheet read (blank rows left out).
    pub rows_read: usize,
    /// Items whose rating changed.
    pub ratings_changed: usize,
    /// Controls added to items' mapping sets.
    pub mappings_added: usize,
    /// Controls removed from items' mapping sets.
    pub mappings_removed: usize,
    /// Rows whose editable cells still said what was exported (or what the item already is): left alone.
    pub unchanged: usize,
    /// The run id on the one audit row recording the import; `null` when nothing changed (no row is written).
    pub run_id: Option<uuid::Uuid>,
}

/// What became of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriageOutcome {
    /// Every row was good; the changes are written.
    Applied(TriageImportSummary),
    /// Some rows are wrong or conflict; nothing was written.
    Refused(Vec<RowProblem>),
}

/// The note on each rating history row an import writes.
const NOTE: &str = "triage workbook import";

fn axes(rating: Rating) -> serde_json::Value {
    json!({ "risk_reduction": rating.risk_reduction, "implementation_effort": rating.implementation_effort })
}

/// Checks every row against the tenant's items as they are now and, when all are good, applies every rating
/// change and mapping addition and removal in one transaction. Answers the problems instead (nothing written)
/// when any row is wrong or conflicts.
pub async fn apply(
    db: &DatabaseConnection,
    edit: TriageEdit<'_>,
    rows: &[RowInput],
) -> Result<TriageOutcome, StoreError> {
    let TriageEdit { actor, now, tenant } = edit;
    let tx = begin_write(db).await?;
    let catalog = catalog(&tx, tenant).await?;
    let items = current_items(&tx, tenant).await?;
    let checked = match triage_workbook::check(rows, &items, &catalog) {
        Ok(checked) => checked,
        // Dropping the transaction rolls it back; it wrote nothing.
        Err(problems) => return Ok(TriageOutcome::Refused(problems)),
    };
    let mut summary = TriageImportSummary {
        rows_read: checked.rows,
        ratings_changed: 0,
        mappings_added: 0,
        mappings_removed: 0,
        unchanged: checked.unchanged,
        run_id: None,
    };
    if checked.changes.is_empty() {
        return Ok(TriageOutcome::Applied(summary));
    }
    let rater = Rater { actor, now, tenant };
    let mut change_list = Vec::with_capacity(checked.changes.len());
    for change in &checked.changes {
        let RowChange { item, rating_version, rating, add, remove } = change;
        if let Some((_, to)) = rating {
            // The check read this version inside the same transaction; passing it keeps the write honest.
            ratings::write(&tx, rater, *item, *to, Some(NOTE.to_owned()), Some(*rating_version)).await?;
            summary.ratings_changed += 1;
        }
        let mapping_edit = MappingEdit { actor, now, tenant, item: *item };
        for control in add {
            mappings::write_add(&tx, &mapping_edit, &control.framework, &control.control_id, None).await?;
        }
        for control in remove {
            mappings::write_remove(&tx, &mapping_edit, &control.framework, &control.control_id, None).await?;
        }
        summary.mappings_added += add.len();
        summary.mappings_removed += remove.len();
        let names = |list: &[triage_workbook::ControlRef]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
        change_list.push(json!({
            "id": item,
            "rating": rating.map(|(from, to)| json!({ "from": axes(from), "to": axes(to) })),
            "mappings_added": names(add),
            "mappings_removed": names(remove),
        }));
    }
    let run_id = uuid::Uuid::now_v7();
    let after = json!({
        "rows_read": summary.rows_read,
        "ratings_changed": summary.ratings_changed,
        "mappings_added": summary.mappings_added,
        "mappings_removed": summary.mappings_removed,
        "unchanged": summary.unchanged,
    });
    let change = Change::new(Chain::Tenant(tenant), actor, "triage_workbook", run_id, "import").after(after);
    audit::append_bulk(&tx, now, change, run_id.to_string(), &change_list).await?;
    tx.commit().await?;
    summary.run_id = Some(run_id);
    Ok(TriageOutcome::Applied(summary))
}
