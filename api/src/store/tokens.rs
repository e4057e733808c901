//! Service tokens for automation: opaque secrets stored as SHA-256, one non-admin role, explicit tenants,
//! a required expiry. Revoking keeps the row (for the trail) and stops the token at once.

use chrono::{DateTime, Duration, Utc};
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
use crate::domain::ValidationError;
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::{ServiceTokenId, TenantId};
use crate::domain::role::Role;
use crate::entities::{api_token, api_token_tenant, tenant};

/// Whether a token still works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

/// A service token as the API shows it; never the secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceToken {
    pub id: ServiceTokenId,
    pub name: String,
    pub role: Role,
    pub tenant_ids: Vec<TenantId>,
    pub state: TokenState,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

fn view(m: api_token::Model, tenant_ids: Vec<TenantId>, now: DateTime<Utc>) -> Result<ServiceToken, StoreError> {
    let state = if m.revoked_at.is_some() {
        TokenState::Revoked
    } else if m.expires_at <= now {
        TokenState::Expired
    } else {
        TokenState::Active
    };
    Ok(ServiceToken {
        id: m.id.into(),
        name: m.name,
        role: stored_role(&m.role)?,
        tenant_ids,
        state,
        created_by: m.created_by,
        created_at: m.created_at,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
        last_used_at: m.last_used_at,
    })
}

/// A token to create; the role, name and expiry are already checked.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub tenant_ids: Vec<TenantId>,
    pub expires_at: DateTime<Utc>,
    pub secret_sha256: String,
}

/// Stores a new token. Every named tenant must exist.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewToken,
) -> Result<ServiceToken, StoreError> {
    let tx = begin_write(db).await?;
    let tenant_ids: Vec<TenantId> = new.tenant_ids.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    for (i, id) in new.tenant_ids.iter().enumerate() {
        if tenant::Entity::find_by_id(id.0).one(&tx).await?.is_none() {
            return Err(ValidationError::field(format!("tenant_ids[{i}]"), format!("no tenant has the id {id}")).into());
        }
    }
    let id = ServiceTokenId::new();
    let model = api_token::ActiveModel {
        id: Set(id.0),
        name: Set(new.name),
        role: Set(new.role.as_str().to_owned()),
        secret_sha256: Set(new.secret_sha256),
        created_by: Set(actor.name.clone()),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(&tx)
    .await?;
    for tenant in &tenant_ids {
        api_token_tenant::ActiveModel { token_id: Set(id.0), tenant_id: Set(tenant.0) }.insert(&tx).await?;
    }
    let token = view(model, tenant_ids, now)?;
    let change = Change::new(Chain::Platform, actor, "service_token", id, "create").after(snapshot(&token));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(token)
}

fn snapshot(t: &ServiceToken) -> serde_json::Value {
    serde_json::json!({
        "name": t.name,
        "role": t.role,
        "tenant_ids": t.tenant_ids,
        "expires_at": t.expires_at,
        "state": t.state,
    })
}

async fn tenants_of_tokens(
    conn: &impl ConnectionTrait,
    tokens: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, Vec<TenantId>>, StoreError> {
    let rows = api_token_tenant::Entity::find()
        .filter(api_token_tenant::Column::TokenId.is_in(tokens))
        .order_by_asc(api_token_tenant::Column::TenantId)
        .all(conn)
        .await?;
    let mut map: HashMap<uuid::Uuid, Vec<TenantId>> = HashMap::new();
    for row in rows {
        map.entry(row.token_id).or_default().push(TenantId(row.tenant_id));
    }
    Ok(map)
}

/// Every token, newest last.
pub async fn list(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    page: &PageRequest,
) -> Result<Page<ServiceToken>, StoreError> {
    let mut query = api_token::Entity::find();
    let total = query.clone().count(conn).await?;
    if let Some(after) = page.after_uuid()? {
        query = query.filter(api_token::Column::Id.gt(after));
    }
    let rows = query.order_by_asc(api_token::Column::Id).limit(page.limit + 1).all(conn).await?;
    let page = Page::from_rows(rows, page.limit, total, |t| t.id.to_string());
    let mut tenants = tenants_of_tokens(conn, page.items.iter().map(|t| t.id)).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for model in page.items {
        let ids = tenants.remove(&model.id).unwrap_or_default();
        items.push(view(model, ids, now)?);
    }
    Ok(Page { items, total: page.total, next_cursor: page.next_cursor })
}

/// The token with `id`.
pub async fn get(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    id: ServiceTokenId,
) -> Result<ServiceToken, StoreError> {
    let model = api_token::Entity::find_by_id(id.0).one(conn).await?.ok_or(StoreError::NotFound("service token"))?;
    let tenant_ids = tenants_of_tokens(conn, std::iter::once(id.0)).await?.remove(&id.0).unwrap_or_default();
    view(model, tenant_ids, now)
}

/// Revokes a token; revoking a revoked token changes nothing.
pub async fn revoke(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    id: ServiceTokenId,
) -> Result<ServiceToken, StoreError> {
    let tx = begin_write(db).await?;
    let current = api_token::Entity::find_by_id(id.0).one(&tx).await?.ok_or(StoreError::NotFound("service token"))?;
    let tenant_ids = tenants_of_tokens(&tx, std::iter::once(id.0)).await?.remove(&id.0).unwrap_or_default();
    if current.revoked_at.is_some() {
        return view(current, tenant_ids, now);
    }
    let before = view(current.clone(), tenant_ids.clone(), now)?;
    let mut model: api_token::ActiveModel = current.into();
    model.revoked_at = Set(Some(now));
    let after = view(model.update(&tx).await?, tenant_ids, now)?;
    let change = Change::new(Chain::Platform, actor, "service_token", id, "revoke")
        .before(snapshot(&before))
        .after(snapshot(&after));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(after)
}

/// How often `last_used_at` is written at most, so a busy token does not turn every read into a write.
const LAST_USED_GRANULARITY: Duration = Duration::minutes(5);

/// The active (not revoked, not expired) token whose secret hashes to `secret_sha256`, with its tenants.
pub async fn find_active(
    db: &DatabaseConnection,
    secret_sha256: &str,
    now: DateTime<Utc>,
) -> Result<Option<(api_token::Model, BTreeSet<TenantId>)>, StoreError> {
    let Some(model) = api_token::Entity::find()
        .filter(api_token::Column::SecretSha256.eq(secret_sha256))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(api_token::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if model.last_used_at.is_none_or(|t| now - t >= LAST_USED_GRANULARITY) {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, sea_orm::sea_query::Expr::value(now))
            .filter(api_token::Column::Id.eq(model.id))
            .exec(db)
            .await?;
    }
    let tenants = tenants_of_tokens(db, std::iter::once(model.id)).await?.remove(&model.id).unwrap_or_default();
    Ok(Some((model, tenants.into_iter().collect())))
}
