//! A tenant's coverage of a framework, per control, by the one domain function (`domain::coverage`).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use std::collections::HashMap;

use super::StoreError;
use crate::domain::coverage::{ControlCoverage, CoverageTotals, CoveredItem, control_coverage, totals};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Status;
use crate::entities::{framework_control, recommendation};

/// An item counted for a control.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageItem {
    pub id: uuid::Uuid,
    pub external_id: Option<String>,
    pub title: String,
    pub status: Status,
    pub status_confirmed: bool,
    /// Deprecated, zero-point or not-applicable items are listed but not counted.
    pub scored: bool,
}

/// One control's coverage with its items.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ControlCoverageView {
    pub control_id: String,
    pub display_id: String,
    pub title: String,
    #[serde(flatten)]
    pub coverage: ControlCoverage,
    pub items: Vec<CoverageItem>,
}

/// A framework's coverage for a tenant.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FrameworkCoverage {
    pub framework: String,
    pub name: String,
    pub totals: CoverageTotals,
    pub controls: Vec<ControlCoverageView>,
}

/// A framework the tenant sees, with its controls in force in catalog order.
#[derive(Debug, Clone)]
pub struct FrameworkControls {
    pub key: String,
    pub name: String,
    /// `(control_id, display_id, title)`.
    pub controls: Vec<(String, String, String)>,
}

/// The controls in force of the framework `key` the tenant sees; `None` when it sees no such framework.
pub async fn controls_in_force(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    key: &str,
) -> Result<Option<FrameworkControls>, StoreError> {
    let Some(framework) = super::frameworks::visible(conn, tenant, key).await? else {
        return Ok(None);
    };
    let controls = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(framework.id))
        .filter(framework_control::Column::Retired.eq(false))
        .order_by_asc(framework_control::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.control_id, c.display_id, c.title))
        .collect();
    Ok(Some(FrameworkControls { key: framework.key, name: framework.name, controls }))
}

/// The coverage for `tenant` of the framework `key` it sees (shipped or its own); `None` when it sees no such
/// framework.
pub async fn framework_coverage(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    key: &str,
) -> Result<Option<FrameworkCoverage>, StoreError> {
    let Some(framework) = controls_in_force(conn, tenant, key).await? else {
        return Ok(None);
    };
    let items = recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::RemovedAt.is_null())
        .all(conn)
        .await?;
    let keys: Vec<(uuid::Uuid, Option<String>)> = items.iter().map(|i| (i.id, i.control_key.clone())).collect();
    let mappings = super::catalogs::effective_mappings(conn, &keys).await?;
    let mut items_by_control: HashMap<&str, Vec<&recommendation::Model>> = HashMap::new();
    for item in &items {
        for mapped in mappings.get(&item.id).into_iter().flatten().filter(|m| m.framework == framework.key) {
            items_by_control.entry(mapped.control_id.as_str()).or_default().push(item);
        }
    }
    let views: Vec<ControlCoverageView> = framework
        .controls
        .into_iter()
        .map(|(control_id, display_id, title)| {
            let mapped: Vec<CoverageItem> = items_by_control
                .get(control_id.as_str())
                .into_iter()
                .flatten()
                .map(|i| CoverageItem {
                    id: i.id,
                    external_id: i.control_key.clone(),
                    title: i.title.clone(),
                    status: i.status.parse().unwrap_or(Status::ToAddress),
                    status_confirmed: i.status_confirmed,
                    scored: !i.deprecated && i.max_score > 0.0 && i.achieved.is_some(),
                })
                .collect();
            let counted: Vec<CoveredItem> = mapped
                .iter()
                .map(|i| CoveredItem { status: i.status, status_confirmed: i.status_confirmed, scored: i.scored })
                .collect();
            ControlCoverageView { control_id, display_id, title, coverage: control_coverage(&counted), items: mapped }
        })
        .collect();
    let summary: Vec<ControlCoverage> = views.iter().map(|v| v.coverage).collect();
    Ok(Some(FrameworkCoverage {
        framework: framework.key,
        name: framework.name,
        totals: totals(&summary),
        controls: views,
    }))
}
