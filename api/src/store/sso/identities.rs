//! External identities: who at the provider signs in as which user. A sign-in finds the user by (issuer, `tid`,
//! `oid`) or creates one, applies the mapping's role and tenants, and issues the one-time code, all in one
//! transaction; an admin links an identity to an existing account by hand (never by e-mail).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeSet;

use super::handoff::issue_code;
use crate::domain::audit::{Actor, ActorKind, Chain};
use crate::domain::ids::{TenantId, UserId};
use crate::domain::role::Role;
use crate::domain::sso::{Grant, Refusal};
use crate::domain::user::Username;
use crate::entities::{external_identity as identity, user};
use crate::store::audit::{self, Change};
use crate::store::users::{self, NewUser};
use crate::store::{StoreError, begin_write, memberships};

/// A stored password hash no password matches: people who sign in through the provider have no password here
/// until an admin resets one.
pub const NO_PASSWORD: &str = "!single-sign-on";

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalPerson {
    /// The discovery document's issuer (Entra's `{tenantid}` placeholder as is).
    pub issuer: String,
    pub tenant_id: String,
    pub object_id: String,
    /// `preferred_username`, `upn` or `email`: only a suggestion for a new account's username.
    pub username_hint: Option<String>,
    pub display_name: Option<String>,
}

/// A finished sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub user: UserId,
    pub username: String,
    /// The account was created by this sign-in.
    pub created: bool,
    /// The mapping changed the account's role or tenants.
    pub changed: bool,
}

/// An identity linked to a user, as admins see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkedIdentity {
    pub id: uuid::Uuid,
    /// The provider's issuer, as its discovery document names it.
    pub issuer: String,
    /// The directory (`tid`).
    pub tenant_id: String,
    /// The object id in that directory (`oid`).
    pub object_id: String,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

fn linked(row: identity::Model) -> LinkedIdentity {
    LinkedIdentity {
        id: row.id,
        issuer: row.issuer,
        tenant_id: row.tenant_id,
        object_id: row.object_id,
        created_at: row.created_at,
        last_sign_in_at: row.last_sign_in_at,
    }
}

fn user_actor(user: &user::Model) -> Actor {
    Actor { kind: ActorKind::User, id: Some(user.id.to_string()), name: user.username.clone() }
}

async fn find(
    conn: &impl ConnectionTrait,
    issuer: &str,
    tid: &str,
    oid: &str,
) -> Result<Option<identity::Model>, StoreError> {
    Ok(identity::Entity::find()
        .filter(identity::Column::Issuer.eq(issuer))
        .filter(identity::Column::TenantId.eq(tid))
        .filter(identity::Column::ObjectId.eq(oid))
        .one(conn)
        .await?)
}

/// Signs `person` in with what the mapping `grant`s: finds or creates the user, sets the role and tenant
/// memberships from the grant (auditing a change), records the sign-in and issues the one-time code. A disabled
/// account is refused and nothing is written.
pub async fn sign_in(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    person: &ExternalPerson,
    grant: &Grant,
    code_sha256: &str,
    code_expires_at: DateTime<Utc>,
) -> Result<Result<SignedIn, Refusal>, StoreError> {
    let tx = begin_write(db).await?;
    let existing = find(&tx, &person.issuer, &person.tenant_id, &person.object_id).await?;
    let (account, created) = match &existing {
        Some(found) => {
            (user::Entity::find_by_id(found.user_id).one(&tx).await?.ok_or(StoreError::NotFound("user"))?, false)
        }
        None => (create_account(&tx, now, person, grant).await?, true),
    };
    if account.disabled_at.is_some() {
        tx.commit().await?;
        return Ok(Err(Refusal::AccountDisabled));
    }
    // As an admin's edit cannot, a sign-in does not demote the last enabled admin: nobody could administer then.
    let demotes = users::stored_role(&account.role)? == Role::Admin && grant.role != Role::Admin;
    if demotes && users::active_admins(&tx).await? <= 1 {
        tx.commit().await?;
        return Ok(Err(Refusal::LastAdmin));
    }
    let changed = apply_grant(&tx, now, &account, grant, created).await?;
    match existing {
        Some(found) => {
            let mut row: identity::ActiveModel = found.into();
            row.last_sign_in_at = Set(Some(now));
            row.update(&tx).await?;
        }
        None => {
            identity::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                user_id: Set(account.id),
                issuer: Set(person.issuer.clone()),
                tenant_id: Set(person.tenant_id.clone()),
                object_id: Set(person.object_id.clone()),
                created_at: Set(now),
                last_sign_in_at: Set(Some(now)),
            }
            .insert(&tx)
            .await?;
        }
    }
    issue_code(&tx, code_sha256, UserId(account.id), code_expires_at).await?;
    let actor = user_actor(&account);
    let change = Change::new(Chain::Platform, &actor, "sso", account.id, "sign_in").after(json!({
        "issuer": person.issuer,
        "tenant_id": person.tenant_id,
        "object_id": person.object_id,
        "role": grant.role,
        "tenant_ids": grant.tenant_ids,
        "account_created": created,
    }));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(Ok(SignedIn { user: UserId(account.id), username: account.username, created, changed }))
}

/// A new account for `person`, named after the provider's hint when it makes a valid, free username (else
/// `sso-` and the object id), with a `-2`, `-3`… suffix when taken: an existing account is never taken over.
async fn create_account(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    person: &ExternalPerson,
    grant: &Grant,
) -> Result<user::Model, StoreError> {
    let fallback = format!("sso-{}", person.object_id.chars().take(36).collect::<String>());
    let base = person
        .username_hint
        .as_deref()
        .and_then(|hint| Username::parse(hint).ok())
        .or_else(|| Username::parse(&fallback).ok())
        .map(|name| name.as_str().to_owned())
        .unwrap_or_else(|| "sso-user".to_owned());
    let mut username = base.clone();
    let mut suffix = 1;
    while users::find_by_username(conn, &username).await?.is_some() {
        suffix += 1;
        let room = 64 - format!("-{suffix}").len();
        username = format!("{}-{suffix}", base.chars().take(room).collect::<String>());
    }
    let display_name = person.display_name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| username.clone());
    let new = NewUser {
        username: username.clone(),
        display_name: display_name.chars().take(200).collect(),
        role: grant.role,
        password_hash: NO_PASSWORD.to_owned(),
        must_change_password: false,
    };
    let actor = Actor::system("single sign-on");
    users::insert_in(conn, &actor, now, new).await
}

/// Sets `account`'s role and tenant memberships to the grant's; answers whether anything changed, and audits
/// the change (not for an account this sign-in just created, whose creation is the record).
async fn apply_grant(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    account: &user::Model,
    grant: &Grant,
    created: bool,
) -> Result<bool, StoreError> {
    let id = UserId(account.id);
    let actor = Actor::system("single sign-on");
    let before_role = users::stored_role(&account.role)?;
    let before_tenants: BTreeSet<TenantId> = memberships::tenants_of(conn, id).await?;
    if before_role != grant.role {
        let mut row: user::ActiveModel = account.clone().into();
        row.role = Set(grant.role.as_str().to_owned());
        row.version = Set(account.version + 1);
        row.updated_at = Set(now);
        row.update(conn).await?;
    }
    for tenant in grant.tenant_ids.difference(&before_tenants) {
        memberships::grant_in(conn, &actor, now, *tenant, id).await?;
    }
    for tenant in before_tenants.difference(&grant.tenant_ids) {
        memberships::revoke_in(conn, &actor, now, *tenant, id).await?;
    }
    let changed = before_role != grant.role || before_tenants != grant.tenant_ids;
    if changed && !created {
        let change = Change::new(Chain::Platform, &actor, "user", account.id, "sso_mapping")
            .before(json!({ "role": before_role, "tenant_ids": before_tenants }))
            .after(json!({ "role": grant.role, "tenant_ids": grant.tenant_ids }))
            .comment("role and tenants set from the single sign-on mapping at sign-in");
        audit::append(conn, now, change).await?;
    }
    Ok(changed)
}

/// Records a refused sign-in (or access token) and why, in the platform audit trail.
pub async fn record_refusal(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    refusal: Refusal,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let actor = Actor::system("single sign-on");
    let change = Change::new(Chain::Platform, &actor, "sso", refusal.as_str(), "refused")
        .after(json!({ "reason": refusal, "detail": detail }));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(())
}

/// The identities linked to `user`.
pub async fn list(conn: &impl ConnectionTrait, user: UserId) -> Result<Vec<LinkedIdentity>, StoreError> {
    let rows = identity::Entity::find().filter(identity::Column::UserId.eq(user.0)).all(conn).await?;
    Ok(rows.into_iter().map(linked).collect())
}

/// Identity `id` of `user`.
async fn find_of(conn: &impl ConnectionTrait, user: UserId, id: uuid::Uuid) -> Result<identity::Model, StoreError> {
    identity::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|r| r.user_id == user.0)
        .ok_or(StoreError::NotFound("identity"))
}

/// Identity `id` linked to `user`.
pub async fn get(conn: &impl ConnectionTrait, user: UserId, id: uuid::Uuid) -> Result<LinkedIdentity, StoreError> {
    Ok(linked(find_of(conn, user, id).await?))
}

/// Links an identity to `user` by an admin's decision; a conflict when the identity signs in as someone already.
pub async fn link(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    user: UserId,
    issuer: &str,
    tenant_id: &str,
    object_id: &str,
) -> Result<LinkedIdentity, StoreError> {
    let tx = begin_write(db).await?;
    users::find(&tx, user).await?.ok_or(StoreError::NotFound("user"))?;
    if find(&tx, issuer, tenant_id, object_id).await?.is_some() {
        return Err(StoreError::Conflict(
            "this identity is already linked to an account; unlink it there first".into(),
        ));
    }
    let row = identity::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        user_id: Set(user.0),
        issuer: Set(issuer.to_owned()),
        tenant_id: Set(tenant_id.to_owned()),
        object_id: Set(object_id.to_owned()),
        created_at: Set(now),
        last_sign_in_at: Set(None),
    }
    .insert(&tx)
    .await?;
    let change = Change::new(Chain::Platform, actor, "external_identity", row.id, "link")
        .after(json!({ "user_id": user, "issuer": issuer, "tenant_id": tenant_id, "object_id": object_id }));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(linked(row))
}

/// Unlinks identity `id` from `user`: that identity's next sign-in creates a new account.
pub async fn unlink(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    user: UserId,
    id: uuid::Uuid,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let row = find_of(&tx, user, id).await?;
    identity::Entity::delete_by_id(id).exec(&tx).await?;
    let change = Change::new(Chain::Platform, actor, "external_identity", id, "unlink").before(json!({
        "user_id": user, "issuer": row.issuer, "tenant_id": row.tenant_id, "object_id": row.object_id,
    }));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(())
}
