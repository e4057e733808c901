//! People's accounts: created and managed by admins; passwords are stored only as argon2 hashes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

use super::audit::{self, Change};
use super::error::check_version;
use super::page::{Page, PageRequest};
use super::{StoreError, begin_write, memberships, second_factors};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::{TenantId, UserId};
use crate::domain::role::Role;
use crate::entities::user;

/// Display names of the users among `ids` (one query).
pub async fn display_names(
    conn: &impl ConnectionTrait,
    ids: HashSet<uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, String>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = user::Entity::find().filter(user::Column::Id.is_in(ids)).all(conn).await?;
    Ok(rows.into_iter().map(|u| (u.id, u.display_name)).collect())
}

/// A user as the API shows it. Never carries the password hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub must_change_password: bool,
    /// Two-step sign-in is on (an admin can reset it).
    pub second_factor: bool,
    /// Tenants the user is a member of (an admin sees every tenant regardless).
    pub tenant_ids: Vec<TenantId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send back as `version` to update.
    pub version: i64,
}

/// Reads a stored role; a value this binary does not know is refused rather than guessed.
pub fn stored_role(text: &str) -> Result<Role, StoreError> {
    text.parse().map_err(|_| StoreError::Db(sea_orm::DbErr::Custom(format!("unknown role `{text}` in the database"))))
}

fn view(m: user::Model, tenant_ids: Vec<TenantId>, second_factor: bool) -> Result<User, StoreError> {
    Ok(User {
        id: m.id.into(),
        username: m.username,
        display_name: m.display_name,
        role: stored_role(&m.role)?,
        disabled: m.disabled_at.is_some(),
        must_change_password: m.must_change_password,
        second_factor,
        tenant_ids,
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
    })
}

fn snapshot(m: &user::Model) -> serde_json::Value {
    serde_json::json!({
        "username": m.username,
        "display_name": m.display_name,
        "role": m.role,
        "disabled": m.disabled_at.is_some(),
        "must_change_password": m.must_change_password,
        "version": m.version,
    })
}

/// A user to create; the name and password are already checked and the password hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
}

/// Creates a user.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewUser,
) -> Result<User, StoreError> {
    let tx = begin_write(db).await?;
    let user = create_in(&tx, actor, now, new).await?;
    tx.commit().await?;
    Ok(user)
}

/// Creates a user inside a caller's transaction.
pub async fn create_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewUser,
) -> Result<User, StoreError> {
    view(insert_in(conn, actor, now, new).await?, Vec::new(), false)
}

/// Creates a user inside a caller's transaction and answers the stored row.
pub(crate) async fn insert_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewUser,
) -> Result<user::Model, StoreError> {
    if find_by_username(conn, &new.username).await?.is_some() {
        return Err(StoreError::Conflict(format!("the username `{}` is taken", new.username)));
    }
    let model = user::ActiveModel {
        id: Set(UserId::new().0),
        username: Set(new.username),
        display_name: Set(new.display_name),
        role: Set(new.role.as_str().to_owned()),
        password_hash: Set(new.password_hash),
        must_change_password: Set(new.must_change_password),
        disabled_at: Set(None),
        session_epoch: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(conn)
    .await?;
    let change = Change::new(Chain::Platform, actor, "user", model.id, "create").after(snapshot(&model));
    audit::append(conn, now, change).await?;
    Ok(model)
}

/// The stored row for `username` (already normalised), for sign-in.
pub async fn find_by_username(conn: &impl ConnectionTrait, username: &str) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find().filter(user::Column::Username.eq(username)).one(conn).await?)
}

/// The stored row for `id`.
pub async fn find(conn: &impl ConnectionTrait, id: UserId) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find_by_id(id.0).one(conn).await?)
}

/// Whether any account exists (first start creates the admin when none does).
pub async fn any_exist(conn: &impl ConnectionTrait) -> Result<bool, StoreError> {
    Ok(user::Entity::find().count(conn).await? > 0)
}

/// The user with `id`, with their memberships.
pub async fn get(conn: &impl ConnectionTrait, id: UserId) -> Result<User, StoreError> {
    let model = find(conn, id).await?.ok_or(StoreError::NotFound("user"))?;
    let tenants = memberships::tenants_of(conn, id).await?.into_iter().collect();
    view(model, tenants, second_factors::is_enabled(conn, id).await?)
}

/// Every user, in creation order.
pub async fn list(conn: &impl ConnectionTrait, page: &PageRequest) -> Result<Page<User>, StoreError> {
    let mut query = user::Entity::find();
    let total = query.clone().count(conn).await?;
    if let Some(after) = page.after_uuid()? {
        query = query.filter(user::Column::Id.gt(after));
    }
    let rows = query.order_by_asc(user::Column::Id).limit(page.limit + 1).all(conn).await?;
    let page = Page::from_rows(rows, page.limit, total, |u| u.id.to_string());
    let mut by_user = memberships::tenants_of_users(conn, page.items.iter().map(|u| u.id)).await?;
    let with_factor = second_factors::enabled_among(conn, page.items.iter().map(|u| u.id)).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for model in page.items {
        let tenants = by_user.remove(&model.id).unwrap_or_default().into_iter().collect();
        let second_factor = with_factor.contains(&model.id);
        items.push(view(model, tenants, second_factor)?);
    }
    Ok(Page { items, total: page.total, next_cursor: page.next_cursor })
}

/// What an admin may change on an account.
#[derive(Debug, Default, Clone)]
pub struct UserUpdate {
    pub role: Option<Role>,
    pub display_name: Option<String>,
    pub disabled: Option<bool>,
    pub version: Option<i64>,
}

/// Changes a user's role, display name or disabled flag. The last enabled admin cannot be demoted or disabled.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    id: UserId,
    change: UserUpdate,
) -> Result<User, StoreError> {
    let tx = begin_write(db).await?;
    let current = find(&tx, id).await?.ok_or(StoreError::NotFound("user"))?;
    check_version(change.version, current.version)?;
    let was_active_admin = stored_role(&current.role)? == Role::Admin && current.disabled_at.is_none();
    let stays_active_admin = change.role.unwrap_or(Role::Admin) == Role::Admin && change.disabled != Some(true);
    if was_active_admin && !stays_active_admin && active_admins(&tx).await? <= 1 {
        return Err(StoreError::Conflict(
            "this is the last enabled admin: make another user admin before demoting or disabling this one".into(),
        ));
    }
    let mut model: user::ActiveModel = current.clone().into();
    if let Some(role) = change.role {
        model.role = Set(role.as_str().to_owned());
    }
    if let Some(name) = change.display_name {
        model.display_name = Set(name);
    }
    let action = match (change.disabled, current.disabled_at) {
        (Some(true), None) => {
            model.disabled_at = Set(Some(now));
            // Ends every session the user holds.
            model.session_epoch = Set(current.session_epoch + 1);
            "disable"
        }
        (Some(false), Some(_)) => {
            model.disabled_at = Set(None);
            "enable"
        }
        _ => "update",
    };
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let updated = model.update(&tx).await?;
    let change =
        Change::new(Chain::Platform, actor, "user", id, action).before(snapshot(&current)).after(snapshot(&updated));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    let tenants = memberships::tenants_of(db, id).await?.into_iter().collect();
    view(updated, tenants, second_factors::is_enabled(db, id).await?)
}

/// How many enabled admins there are.
pub(crate) async fn active_admins(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::DisabledAt.is_null())
        .count(conn)
        .await?)
}

/// Replaces a user's password hash and ends their other sessions. `must_change` is set by an admin's reset and
/// cleared when the user picks their own.
pub async fn set_password(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    id: UserId,
    password_hash: String,
    must_change: bool,
) -> Result<user::Model, StoreError> {
    let tx = begin_write(db).await?;
    let current = find(&tx, id).await?.ok_or(StoreError::NotFound("user"))?;
    let mut model: user::ActiveModel = current.clone().into();
    model.password_hash = Set(password_hash);
    model.must_change_password = Set(must_change);
    model.session_epoch = Set(current.session_epoch + 1);
    model.updated_at = Set(now);
    model.version = Set(current.version + 1);
    let updated = model.update(&tx).await?;
    let change =
        Change::new(Chain::Platform, actor, "user", id, if must_change { "reset_password" } else { "change_password" })
            .before(snapshot(&current))
            .after(snapshot(&updated));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(updated)
}

/// A user's stored row and memberships, for building their principal.
pub async fn principal_parts(
    conn: &impl ConnectionTrait,
    id: UserId,
) -> Result<Option<(user::Model, BTreeSet<TenantId>)>, StoreError> {
    let Some(model) = find(conn, id).await? else { return Ok(None) };
    let tenants = memberships::tenants_of(conn, id).await?;
    Ok(Some((model, tenants)))
}
