//! Which users may see which tenants. Granting and removing access is recorded in the tenant's own chain,
//! so the tenant's auditor sees who was given access.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

use super::audit::{self, Change};
use super::page::{Page, PageRequest};
use super::users::stored_role;
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::{TenantId, UserId};
use crate::domain::role::Role;
use crate::entities::{tenant, tenant_membership, user};

/// A member of a tenant as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Member {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    /// When the membership was granted.
    pub since: DateTime<Utc>,
}

fn member_snapshot(user: UserId, member: &user::Model) -> serde_json::Value {
    serde_json::json!({ "user_id": user, "username": member.username, "role": member.role })
}

/// The tenants `user` is a member of.
pub async fn tenants_of(conn: &impl ConnectionTrait, user: UserId) -> Result<BTreeSet<TenantId>, StoreError> {
    let rows = tenant_membership::Entity::find().filter(tenant_membership::Column::UserId.eq(user.0)).all(conn).await?;
    Ok(rows.into_iter().map(|m| TenantId(m.tenant_id)).collect())
}

/// Memberships of several users at once (one query for a page of users).
pub async fn tenants_of_users(
    conn: &impl ConnectionTrait,
    users: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, Vec<TenantId>>, StoreError> {
    let rows = tenant_membership::Entity::find()
        .filter(tenant_membership::Column::UserId.is_in(users))
        .order_by_asc(tenant_membership::Column::TenantId)
        .all(conn)
        .await?;
    let mut map: HashMap<uuid::Uuid, Vec<TenantId>> = HashMap::new();
    for row in rows {
        map.entry(row.user_id).or_default().push(TenantId(row.tenant_id));
    }
    Ok(map)
}

/// Makes `user` a member of `tenant`; `false` when they already were.
pub async fn grant(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    user: UserId,
) -> Result<bool, StoreError> {
    let tx = begin_write(db).await?;
    let created = grant_in(&tx, actor, now, tenant, user).await?;
    tx.commit().await?;
    Ok(created)
}

/// Grants membership inside a caller's transaction.
pub async fn grant_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    user: UserId,
) -> Result<bool, StoreError> {
    tenant::Entity::find_by_id(tenant.0).one(conn).await?.ok_or(StoreError::NotFound("tenant"))?;
    let member = user::Entity::find_by_id(user.0).one(conn).await?.ok_or(StoreError::NotFound("user"))?;
    if tenant_membership::Entity::find_by_id((tenant.0, user.0)).one(conn).await?.is_some() {
        return Ok(false);
    }
    tenant_membership::ActiveModel { tenant_id: Set(tenant.0), user_id: Set(user.0), created_at: Set(now) }
        .insert(conn)
        .await?;
    let change =
        Change::new(Chain::Tenant(tenant), actor, "membership", user, "grant").after(member_snapshot(user, &member));
    audit::append(conn, now, change).await?;
    Ok(true)
}

/// Removes `user` from `tenant`.
pub async fn revoke(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    user: UserId,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    revoke_in(&tx, actor, now, tenant, user).await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes membership inside a caller's transaction.
pub async fn revoke_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    user: UserId,
) -> Result<(), StoreError> {
    let existing = tenant_membership::Entity::find_by_id((tenant.0, user.0))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("membership"))?;
    let member = user::Entity::find_by_id(user.0).one(conn).await?.ok_or(StoreError::NotFound("user"))?;
    tenant_membership::Entity::delete_by_id((existing.tenant_id, existing.user_id)).exec(conn).await?;
    let change =
        Change::new(Chain::Tenant(tenant), actor, "membership", user, "revoke").before(member_snapshot(user, &member));
    audit::append(conn, now, change).await?;
    Ok(())
}

/// The members of `tenant`, ordered by user id.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    page: &PageRequest,
) -> Result<Page<Member>, StoreError> {
    let mut query = tenant_membership::Entity::find().filter(tenant_membership::Column::TenantId.eq(tenant.0));
    let total = query.clone().count(conn).await?;
    if let Some(after) = page.after_uuid()? {
        query = query.filter(tenant_membership::Column::UserId.gt(after));
    }
    let rows = query.order_by_asc(tenant_membership::Column::UserId).limit(page.limit + 1).all(conn).await?;
    let page = Page::from_rows(rows, page.limit, total, |m| m.user_id.to_string());
    let users: HashMap<uuid::Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(page.items.iter().map(|m| m.user_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut items = Vec::with_capacity(page.items.len());
    for m in page.items {
        let Some(u) = users.get(&m.user_id) else { continue };
        items.push(Member {
            user_id: m.user_id.into(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: stored_role(&u.role)?,
            disabled: u.disabled_at.is_some(),
            since: m.created_at,
        });
    }
    Ok(Page { items, total: page.total, next_cursor: page.next_cursor })
}
