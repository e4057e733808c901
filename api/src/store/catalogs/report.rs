//! What one update of the shipped catalogs changed: counts, and each control and default mapping by name.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::domain::ids::TenantId;

/// What happened to a shipped control. Closed vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlChangeKind {
    Added,
    Changed,
    /// No longer in the catalog; kept so mappings and history that name it stay readable.
    Retired,
}

/// A field of a shipped control an update changed. Closed vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlField {
    DisplayId,
    Title,
    Theme,
    Description,
    /// Its place in the catalog order.
    Position,
    /// It was retired and is back in the catalog.
    Restored,
}

/// One shipped control an update added, changed or retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CatalogControlChange {
    /// `iso27001`, `nis2`, `gdpr`.
    pub framework: String,
    pub control_id: String,
    pub display_id: String,
    pub change: ControlChangeKind,
    /// For a changed control, which fields changed.
    pub fields: Vec<ControlField>,
}

/// What happened to a default mapping. Closed vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MappingChangeKind {
    Added,
    Removed,
    /// Same control, new rationale.
    Changed,
}

/// One default mapping (Secure Score control → framework control) an update added, removed or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CatalogMappingChange {
    /// The Secure Score control id, e.g. `AdminMFAV2`.
    pub secure_score_control: String,
    pub framework: String,
    pub control_id: String,
    pub change: MappingChangeKind,
    /// The rationale now (for a removed mapping, the one it had).
    pub rationale: String,
    /// For a changed mapping, the rationale before.
    pub previous_rationale: Option<String>,
}

/// People's mapping edits an update left in place: untouched defaults follow the catalog, edits survive it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ManualEditsKept {
    /// Items where a person's removal still keeps a default the catalog ships off the item.
    pub items_with_removals: u64,
    /// Items with a control a person added.
    pub items_with_additions: u64,
}

impl std::ops::AddAssign for ManualEditsKept {
    fn add_assign(&mut self, other: Self) {
        self.items_with_removals += other.items_with_removals;
        self.items_with_additions += other.items_with_additions;
    }
}

/// What applying the shipped files changed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogReport {
    /// Files applied, as `name@version`.
    pub applied: Vec<String>,
    pub controls_added: u64,
    pub controls_changed: u64,
    pub controls_retired: u64,
    pub mappings_added: u64,
    pub mappings_removed: u64,
    pub mappings_changed: u64,
    /// Each control added, changed or retired, in catalog order.
    #[serde(default)]
    pub controls: Vec<CatalogControlChange>,
    /// Each default mapping added, removed or changed, by Secure Score control, framework and control.
    #[serde(default)]
    pub mappings: Vec<CatalogMappingChange>,
    /// Per tenant, so a reader is told only about the tenants they may see.
    #[serde(default)]
    pub manual_edits_kept: BTreeMap<TenantId, ManualEditsKept>,
}

impl CatalogReport {
    /// The counts and files, without the per-control detail or per-tenant figures: what the platform trail
    /// records in the clear (the detail is covered by the row's change-list digest).
    pub fn summary(&self) -> serde_json::Value {
        let kept = self.manual_edits_kept.values().fold(ManualEditsKept::default(), |mut sum, k| {
            sum += *k;
            sum
        });
        serde_json::json!({
            "applied": self.applied,
            "controls_added": self.controls_added,
            "controls_changed": self.controls_changed,
            "controls_retired": self.controls_retired,
            "mappings_added": self.mappings_added,
            "mappings_removed": self.mappings_removed,
            "mappings_changed": self.mappings_changed,
            "manual_edits_kept": kept,
        })
    }

    /// Every control and mapping change, as the list the trail's digest covers.
    pub fn change_list(&self) -> Vec<serde_json::Value> {
        let controls = self.controls.iter().map(|c| serde_json::to_value(c).unwrap_or_default());
        let mappings = self.mappings.iter().map(|m| serde_json::to_value(m).unwrap_or_default());
        controls.chain(mappings).collect()
    }
}
