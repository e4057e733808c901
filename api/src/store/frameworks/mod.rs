//! The frameworks a tenant sees: every shipped catalog (global, read-only) and its own frameworks, which no other
//! tenant can see or use. Reading and resolving keys here; writing a tenant's own frameworks in [`write`].

mod write;

pub use write::{FrameworkWrite, add_control, create, delete, update, update_control};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::HashMap;

use super::StoreError;
use super::catalogs::{FrameworkControl, stored_version};
use super::page::{Page, PageRequest};
use crate::domain::framework::FrameworkKind;
use crate::domain::ids::TenantId;
use crate::entities::{framework, framework_control};

/// How `frameworks.owner` names a tenant (shipped catalogs have an empty owner).
pub fn owner(tenant: TenantId) -> String {
    tenant.to_string()
}

/// The framework `key` as `tenant` sees it: a shipped catalog or the tenant's own; `None` for another tenant's.
pub async fn visible(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    key: &str,
) -> Result<Option<framework::Model>, StoreError> {
    Ok(framework::Entity::find()
        .filter(framework::Column::Key.eq(key))
        .filter(framework::Column::Owner.is_in([String::new(), owner(tenant)]))
        // Should a later catalog ship a key a tenant already uses, the shipped one answers ("" sorts first).
        .order_by_asc(framework::Column::Owner)
        .one(conn)
        .await?)
}

/// Every framework `tenant` sees, shipped ones first, each group by key.
pub(crate) async fn all_visible(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<framework::Model>, StoreError> {
    Ok(framework::Entity::find()
        .filter(framework::Column::Owner.is_in([String::new(), owner(tenant)]))
        .order_by_asc(framework::Column::Owner)
        .order_by_asc(framework::Column::Key)
        .all(conn)
        .await?)
}

/// The keys `tenant` may put in its audit scope: the shipped catalogs and its own frameworks not archived.
pub async fn scope_candidates(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<String>, StoreError> {
    Ok(all_visible(conn, tenant).await?.into_iter().filter(|f| f.archived_at.is_none()).map(|f| f.key).collect())
}

/// A framework as a tenant's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TenantFramework {
    /// `iso27001`, `nis2`, `gdpr`, or the tenant's own key.
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: FrameworkKind,
    /// Controls in force (retired ones left out).
    pub controls: u64,
    /// A shipped framework: the catalog file's version. The tenant's own: the version to send back
    /// (`If-Match` or `version`) with a change.
    pub version: i64,
    /// Archived (the tenant's own only): readable, but not for new mappings or the audit scope.
    pub archived: bool,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A framework with all its controls, retired ones included and marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FrameworkDetail {
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: FrameworkKind,
    /// As in [`TenantFramework::version`].
    pub version: i64,
    pub archived: bool,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// In framework order.
    pub controls: Vec<FrameworkControl>,
}

fn kind(f: &framework::Model) -> FrameworkKind {
    if f.shipped { FrameworkKind::Shipped } else { FrameworkKind::Custom }
}

/// The version a reader sees: the catalog file's for a shipped framework, the document's for a tenant's own.
async fn version(conn: &impl ConnectionTrait, f: &framework::Model) -> Result<i64, StoreError> {
    if f.shipped { stored_version(conn, &format!("framework:{}", f.key)).await } else { Ok(f.version) }
}

/// The frameworks `tenant` sees, shipped ones first, each marked shipped or custom.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    page: &PageRequest,
) -> Result<Page<TenantFramework>, StoreError> {
    let offset = page.after_offset()?;
    let all = all_visible(conn, tenant).await?;
    let total = all.len() as u64;
    let rows: Vec<framework::Model> = all.into_iter().skip(offset as usize).take(page.limit as usize + 1).collect();
    let in_force: Vec<uuid::Uuid> = framework_control::Entity::find()
        .select_only()
        .column(framework_control::Column::FrameworkId)
        .filter(framework_control::Column::FrameworkId.is_in(rows.iter().map(|f| f.id)))
        .filter(framework_control::Column::Retired.eq(false))
        .into_tuple()
        .all(conn)
        .await?;
    let mut counts: HashMap<uuid::Uuid, u64> = HashMap::new();
    for id in in_force {
        *counts.entry(id).or_default() += 1;
    }
    let mut items = Vec::with_capacity(rows.len());
    for f in rows {
        items.push(TenantFramework {
            version: version(conn, &f).await?,
            controls: counts.get(&f.id).copied().unwrap_or_default(),
            kind: kind(&f),
            archived: f.archived_at.is_some(),
            key: f.key,
            name: f.name,
            description: f.description,
            archived_at: f.archived_at,
            created_at: f.created_at,
        });
    }
    Ok(Page::from_offset(items, page.limit, total, offset))
}

/// `f` with all its controls.
async fn detail(conn: &impl ConnectionTrait, f: framework::Model) -> Result<FrameworkDetail, StoreError> {
    let controls = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(f.id))
        .order_by_asc(framework_control::Column::Position)
        .all(conn)
        .await?;
    Ok(FrameworkDetail {
        version: version(conn, &f).await?,
        kind: kind(&f),
        archived: f.archived_at.is_some(),
        key: f.key,
        name: f.name,
        description: f.description,
        archived_at: f.archived_at,
        created_at: f.created_at,
        controls: controls.into_iter().map(FrameworkControl::from).collect(),
    })
}

/// The framework `key` as `tenant` sees it, with its controls; `None` when it sees no such framework.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    key: &str,
) -> Result<Option<FrameworkDetail>, StoreError> {
    match visible(conn, tenant, key).await? {
        Some(f) => Ok(Some(detail(conn, f).await?)),
        None => Ok(None),
    }
}
