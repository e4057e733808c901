//! The triage workbook round-trip's rules: what an edited row asks for, whether the person edited it at all,
//! whether its item changed since the export (a conflict), and every problem at once, each at its cell.
//!
//! A row is matched by its hidden id and version cells, never by title. A row whose editable cells still say
//! what was exported is left alone, so an old workbook never overwrites newer ratings; an edited row whose item
//! changed since is a conflict; every other edited row becomes a [`RowChange`].

mod cells;
mod version;

pub use cells::{Catalog, KnownControl, KnownFramework, MappingToken, level_label, parse_level, split_mappings};
pub use version::{ControlRef, Exported, VersionProblem};

use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::{BTreeSet, HashMap};

use crate::domain::rating::Rating;

/// A cell as the import reads it: where it is and its text, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellInput {
    /// `Triage!K17`.
    pub reference: String,
    pub text: String,
}

/// One row of the edited workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowInput {
    pub id: CellInput,
    pub version: CellInput,
    /// `None` when the workbook has no such column: the value stays as exported.
    pub risk: Option<CellInput>,
    pub effort: Option<CellInput>,
    pub mapping: Option<CellInput>,
}

/// Who last changed something, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedBy {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// An item as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentItem {
    pub rating_version: i64,
    pub rating: Rating,
    pub mappings: BTreeSet<ControlRef>,
    /// Who set the rating (absent while never rated).
    pub rating_changed: Option<ChangedBy>,
    /// The newest change of its mappings a person made, as far as it is recorded.
    pub mappings_changed: Option<ChangedBy>,
}

/// What one edited row changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowChange {
    pub item: uuid::Uuid,
    /// The rating version the row was exported with (and still current).
    pub rating_version: i64,
    /// The rating before and after, when it changes.
    pub rating: Option<(Rating, Rating)>,
    pub add: Vec<ControlRef>,
    pub remove: Vec<ControlRef>,
}

/// A problem with one cell: the cell reference and a sentence that starts with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// `Triage!K17`.
    pub cell: String,
    /// `Triage!K17: "Hgh" is not High, Medium or Low`.
    pub message: String,
    /// The item changed since the export (the row itself is fine).
    pub conflict: bool,
}

impl RowProblem {
    fn at(cell: &CellInput, problem: &str) -> Self {
        Self { cell: cell.reference.clone(), message: format!("{}: {problem}", cell.reference), conflict: false }
    }
}

/// A workbook that may be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Rows read.
    pub rows: usize,
    /// Rows whose editable cells still say what was exported, or what the item already is.
    pub unchanged: usize,
    pub changes: Vec<RowChange>,
}

/// Checks every row against the tenant's items (`items`, by id) and the frameworks it sees; answers what to
/// change, or every problem found, in row order.
pub fn check(
    rows: &[RowInput],
    items: &HashMap<uuid::Uuid, CurrentItem>,
    catalog: &Catalog,
) -> Result<Checked, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let mut seen: HashMap<uuid::Uuid, &str> = HashMap::new();
    let mut checked = Checked { rows: rows.len(), unchanged: 0, changes: Vec::new() };
    for row in rows {
        match check_row(row, items, catalog, &mut seen) {
            Ok(Some(change)) => checked.changes.push(change),
            Ok(None) => checked.unchanged += 1,
            Err(mut found) => problems.append(&mut found),
        }
    }
    if problems.is_empty() { Ok(checked) } else { Err(problems) }
}

/// One row: `None` when the person left it as exported.
fn check_row<'a>(
    row: &'a RowInput,
    items: &'a HashMap<uuid::Uuid, CurrentItem>,
    catalog: &Catalog,
    seen: &mut HashMap<uuid::Uuid, &'a str>,
) -> Result<Option<RowChange>, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let item = find_item(row, items, seen).map_err(|p| problems.push(p)).ok();
    let exported = item.and_then(|(id, _)| exported_of(row, id).map_err(|p| problems.push(p)).ok());
    let level =
        |cell: &Option<CellInput>| cell.as_ref().map(|c| parse_level(&c.text).map_err(|p| RowProblem::at(c, &p)));
    let risk = level(&row.risk).transpose().map_err(|p| problems.push(p)).ok();
    let effort = level(&row.effort).transpose().map_err(|p| problems.push(p)).ok();
    let none = BTreeSet::new();
    let exported_mappings = exported.as_ref().map_or(&none, |e| &e.mappings);
    let mappings = row.mapping.as_ref().map(|cell| {
        let mut resolved = BTreeSet::new();
        for token in split_mappings(&cell.text) {
            match catalog.resolve(&token, exported_mappings) {
                Ok(control) => {
                    resolved.insert(control);
                }
                Err(problem) => problems.push(RowProblem::at(cell, &problem)),
            }
        }
        resolved
    });
    let (Some((id, current)), Some(exported), Some(risk), Some(effort), true) =
        (item, exported, risk, effort, problems.is_empty())
    else {
        return Err(problems);
    };
    let wanted = Rating {
        risk_reduction: risk.unwrap_or(exported.rating.risk_reduction),
        implementation_effort: effort.unwrap_or(exported.rating.implementation_effort),
    };
    let wanted_mappings = mappings.unwrap_or_else(|| exported.mappings.clone());
    if wanted == exported.rating && wanted_mappings == exported.mappings {
        return Ok(None);
    }
    if current.rating_version != exported.rating_version || current.mappings != exported.mappings {
        // Already as the row asks (the same workbook uploaded twice): nothing to do, nothing lost.
        if wanted == current.rating && wanted_mappings == current.mappings {
            return Ok(None);
        }
        return Err(vec![conflict(&row.id, current, &exported)]);
    }
    let add: Vec<ControlRef> = wanted_mappings.difference(&current.mappings).cloned().collect();
    let remove: Vec<ControlRef> = current.mappings.difference(&wanted_mappings).cloned().collect();
    if let Some(cell) = &row.mapping {
        let refused: Vec<RowProblem> =
            add.iter().filter_map(|c| catalog.check_in_force(c).err()).map(|p| RowProblem::at(cell, &p)).collect();
        if !refused.is_empty() {
            return Err(refused);
        }
    }
    Ok(Some(RowChange {
        item: id,
        rating_version: current.rating_version,
        rating: (wanted != current.rating).then_some((current.rating, wanted)),
        add,
        remove,
    }))
}

/// The tenant's item the row's id names, once per workbook.
fn find_item<'a>(
    row: &'a RowInput,
    items: &'a HashMap<uuid::Uuid, CurrentItem>,
    seen: &mut HashMap<uuid::Uuid, &'a str>,
) -> Result<(uuid::Uuid, &'a CurrentItem), RowProblem> {
    let cell = &row.id;
    if cell.text.is_empty() {
        return Err(RowProblem::at(
            cell,
            "this row has no Recommendation ID: the workbook cannot add items (they come from imports); \
             delete the row, or copy the id back if it was cleared",
        ));
    }
    let Ok(id) = uuid::Uuid::parse_str(&cell.text) else {
        return Err(RowProblem::at(cell, &format!("\"{}\" is not a recommendation id scoregrc wrote", cell.text)));
    };
    if let Some(first) = seen.insert(id, &cell.reference) {
        return Err(RowProblem::at(cell, &format!("the same item as {first}; keep one row per item")));
    }
    let current = items.get(&id).ok_or_else(|| {
        RowProblem::at(cell, "no recommendation of this tenant has this id; export the workbook again from this tenant")
    })?;
    Ok((id, current))
}

/// What the row held when exported, from its version cell, which must belong to the row's item.
fn exported_of(row: &RowInput, id: uuid::Uuid) -> Result<Exported, RowProblem> {
    let cell = &row.version;
    match Exported::decode(&cell.text) {
        Ok(exported) if exported.item == id => Ok(exported),
        Ok(_) => Err(RowProblem::at(
            cell,
            "the hidden version cell belongs to another row's item (were the hidden columns sorted apart from the \
             rest?); export the workbook again",
        )),
        Err(VersionProblem::Missing) => Err(RowProblem::at(
            cell,
            "the hidden version cell is empty, so the import cannot tell what you changed; export the workbook again",
        )),
        Err(VersionProblem::Unreadable) => Err(RowProblem::at(
            cell,
            "the hidden version cell was not written by scoregrc (or was edited); export the workbook again",
        )),
    }
}

/// The row's item changed since the export: who changed it and when, as far as it is recorded.
fn conflict(cell: &CellInput, current: &CurrentItem, exported: &Exported) -> RowProblem {
    let rating = (current.rating_version != exported.rating_version).then_some(current.rating_changed.as_ref());
    let mappings = (current.mappings != exported.mappings).then_some(current.mappings_changed.as_ref());
    let newest = [rating.flatten(), mappings.flatten()].into_iter().flatten().max_by_key(|c| c.at);
    let what = match newest {
        Some(changed) => {
            format!("changed by {} at {}", changed.by, changed.at.to_rfc3339_opts(SecondsFormat::Secs, true))
        }
        None => "changed since the export (its mappings differ)".to_owned(),
    };
    RowProblem {
        cell: cell.reference.clone(),
        message: format!(
            "{}: {what}, after this workbook was exported; export it again and redo this row",
            cell.reference
        ),
        conflict: true,
    }
}

#[cfg(test)]
mod tests;
