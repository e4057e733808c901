//! Tenants: one customer organisation each. Created, renamed and archived by admins; never deleted.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use super::audit::{self, Change};
use super::error::check_version;
use super::page::{Page, PageRequest};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::domain::principal::TenantScope;
use crate::entities::tenant;

/// A tenant as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    /// Archived tenants keep their data and trail but take no new work.
    pub archived: bool,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send back as `version` to update.
    pub version: i64,
}

impl From<tenant::Model> for Tenant {
    fn from(m: tenant::Model) -> Self {
        Self {
            id: m.id.into(),
            name: m.name,
            archived: m.archived_at.is_some(),
            archived_at: m.archived_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

fn snapshot(t: &Tenant) -> serde_json::Value {
    serde_json::json!({ "name": t.name, "archived": t.archived, "version": t.version })
}

/// Creates a tenant named `name` (already checked).
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    name: String,
) -> Result<Tenant, StoreError> {
    let tx = begin_write(db).await?;
    let tenant = create_in(&tx, actor, now, name).await?;
    tx.commit().await?;
    Ok(tenant)
}

/// Creates a tenant inside a caller's transaction.
pub async fn create_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    name: String,
) -> Result<Tenant, StoreError> {
    if find_by_name(conn, &name).await?.is_some() {
        return Err(StoreError::Conflict(format!("a tenant named `{name}` already exists")));
    }
    let model = tenant::ActiveModel {
        id: Set(TenantId::new().0),
        name: Set(name),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(conn)
    .await?;
    let tenant = Tenant::from(model);
    let change = Change::new(Chain::Platform, actor, "tenant", tenant.id, "create").after(snapshot(&tenant));
    audit::append(conn, now, change).await?;
    Ok(tenant)
}

/// The tenant named exactly `name`.
pub async fn find_by_name(conn: &impl ConnectionTrait, name: &str) -> Result<Option<Tenant>, StoreError> {
    Ok(tenant::Entity::find().filter(tenant::Column::Name.eq(name)).one(conn).await?.map(Tenant::from))
}

/// The tenant a person names at the command line: by id, or else by exact name.
pub async fn find_by_reference(conn: &impl ConnectionTrait, reference: &str) -> Result<Option<Tenant>, StoreError> {
    match uuid::Uuid::parse_str(reference) {
        Ok(id) => get(conn, TenantId(id)).await,
        Err(_) => find_by_name(conn, reference).await,
    }
}

/// The tenant with `id`, if it exists.
pub async fn get(conn: &impl ConnectionTrait, id: TenantId) -> Result<Option<Tenant>, StoreError> {
    Ok(tenant::Entity::find_by_id(id.0).one(conn).await?.map(Tenant::from))
}

/// The tenants `scope` may see, in creation order.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &TenantScope,
    page: &PageRequest,
) -> Result<Page<Tenant>, StoreError> {
    let mut query = tenant::Entity::find();
    if let TenantScope::Only(ids) = scope {
        query = query.filter(tenant::Column::Id.is_in(ids.iter().map(|t| t.0)));
    }
    let total = query.clone().count(conn).await?;
    if let Some(after) = page.after_uuid()? {
        query = query.filter(tenant::Column::Id.gt(after));
    }
    let rows = query.order_by_asc(tenant::Column::Id).limit(page.limit + 1).all(conn).await?;
    Ok(Page::from_rows(rows, page.limit, total, |t| t.id.to_string()).map(Tenant::from))
}

/// What an admin may change on a tenant.
#[derive(Debug, Default, Clone)]
pub struct TenantUpdate {
    pub name: Option<String>,
    pub archived: Option<bool>,
    /// The version the change is based on; checked when given.
    pub version: Option<i64>,
}

/// Renames, archives or restores a tenant.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    id: TenantId,
    change: TenantUpdate,
) -> Result<Tenant, StoreError> {
    let tx = begin_write(db).await?;
    let current = tenant::Entity::find_by_id(id.0).one(&tx).await?.ok_or(StoreError::NotFound("tenant"))?;
    check_version(change.version, current.version)?;
    let before = Tenant::from(current.clone());
    if let Some(name) = &change.name
        && *name != current.name
        && find_by_name(&tx, name).await?.is_some()
    {
        return Err(StoreError::Conflict(format!("a tenant named `{name}` already exists")));
    }
    let mut model: tenant::ActiveModel = current.clone().into();
    if let Some(name) = change.name {
        model.name = Set(name);
    }
    match (change.archived, current.archived_at) {
        (Some(true), None) => model.archived_at = Set(Some(now)),
        (Some(false), Some(_)) => model.archived_at = Set(None),
        _ => {}
    }
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let after = Tenant::from(model.update(&tx).await?);
    let action = match (before.archived, after.archived) {
        (false, true) => "archive",
        (true, false) => "restore",
        _ => "update",
    };
    let change =
        Change::new(Chain::Platform, actor, "tenant", id, action).before(snapshot(&before)).after(snapshot(&after));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(after)
}
