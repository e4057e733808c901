//! The history of shipped-catalog updates, kept in `catalog_updates` so it outlives the start that applied it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::Serialize;

use super::report::{CatalogControlChange, CatalogMappingChange, CatalogReport, ManualEditsKept};
use crate::domain::principal::TenantScope;
use crate::entities::catalog_update;
use crate::store::StoreError;
use crate::store::page::{Page, PageRequest};

/// Stores an update's report; answers its id.
pub(super) async fn record(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    report: &CatalogReport,
) -> Result<uuid::Uuid, StoreError> {
    let id = uuid::Uuid::now_v7();
    catalog_update::ActiveModel {
        id: Set(id),
        applied_at: Set(now),
        report: Set(serde_json::to_string(report).unwrap_or_default()),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// One catalog update as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogUpdate {
    pub id: uuid::Uuid,
    pub applied_at: DateTime<Utc>,
    /// Files applied, as `name@version` (`framework:iso27001@2`, `mappings@3`).
    pub applied: Vec<String>,
    pub controls_added: u64,
    pub controls_changed: u64,
    pub controls_retired: u64,
    pub mappings_added: u64,
    pub mappings_removed: u64,
    pub mappings_changed: u64,
    /// Each shipped control added, changed or retired.
    pub controls: Vec<CatalogControlChange>,
    /// Each default mapping added, removed or changed.
    pub mappings: Vec<CatalogMappingChange>,
    /// Mapping edits people made that the update left in place, counted over the tenants you may see.
    pub manual_edits_kept: ManualEditsKept,
}

impl CatalogUpdate {
    fn from_row(row: catalog_update::Model, scope: &TenantScope) -> Self {
        let report: CatalogReport = serde_json::from_str(&row.report).unwrap_or_default();
        let mut kept = ManualEditsKept::default();
        for (tenant, edits) in &report.manual_edits_kept {
            if scope.includes(*tenant) {
                kept += *edits;
            }
        }
        Self {
            id: row.id,
            applied_at: row.applied_at,
            applied: report.applied,
            controls_added: report.controls_added,
            controls_changed: report.controls_changed,
            controls_retired: report.controls_retired,
            mappings_added: report.mappings_added,
            mappings_removed: report.mappings_removed,
            mappings_changed: report.mappings_changed,
            controls: report.controls,
            mappings: report.mappings,
            manual_edits_kept: kept,
        }
    }
}

/// The updates, newest first; the per-tenant figures summed over the tenants `scope` allows.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &TenantScope,
    page: &PageRequest,
) -> Result<Page<CatalogUpdate>, StoreError> {
    let total = catalog_update::Entity::find().count(conn).await?;
    let mut query = catalog_update::Entity::find();
    // Ids are time-ordered (UUIDv7), so "before the cursor" is "older than the last one seen".
    if let Some(after) = page.after_uuid()? {
        query = query.filter(catalog_update::Column::Id.lt(after));
    }
    let rows = query.order_by_desc(catalog_update::Column::Id).limit(page.limit + 1).all(conn).await?;
    Ok(Page::from_rows(rows, page.limit, total, |r| r.id.to_string()).map(|r| CatalogUpdate::from_row(r, scope)))
}
