//! Creating, changing and deleting channels: each write checks the version it is based on, seals a new secret,
//! and appends its audit row (without the secret) in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::{AlertChannel, purpose, settings_of, view};
use crate::domain::ValidationError;
use crate::domain::audit::{Actor, Chain};
use crate::domain::channel::ChannelSettings;
use crate::domain::delivery::ChannelKind;
use crate::domain::ids::{ChannelId, TenantId};
use crate::entities::alert_channel;
use crate::secrets::DataKey;
use crate::store::audit::{self, Change};
use crate::store::error::require_version;
use crate::store::{StoreError, begin_write};

/// A channel to create.
#[derive(Debug, Clone)]
pub struct NewChannel {
    pub name: String,
    pub enabled: bool,
    pub settings: ChannelSettings,
    /// The webhook's signing secret, the Teams URL or the SMTP password.
    pub secret: Option<String>,
}

/// A change to a channel; `None` keeps what is stored.
#[derive(Debug, Clone, Default)]
pub struct ChannelUpdate {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    /// New settings, of the channel's own kind.
    pub settings: Option<ChannelSettings>,
    /// A new secret; omitted keeps the stored one.
    pub secret: Option<String>,
    pub version: Option<i64>,
}

/// Where the secret of each kind is given, for the 422 that says it is missing.
fn secret_field(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Webhook => "webhook.secret",
        ChannelKind::Teams => "teams.url",
        ChannelKind::Email => "email.password",
    }
}

/// Checks what depends on the stored state: a webhook or Teams channel cannot be without its secret, and an SMTP
/// password needs a user to log in as.
fn check_secret_rules(settings: &ChannelSettings, has_secret: bool) -> Result<(), ValidationError> {
    match settings {
        ChannelSettings::Webhook(_) | ChannelSettings::Teams(_) if !has_secret => {
            Err(ValidationError::field(secret_field(settings.kind()), "is required"))
        }
        ChannelSettings::Email(s) if has_secret && s.username.is_none() => {
            Err(ValidationError::field("email.username", "is required with a password"))
        }
        _ => Ok(()),
    }
}

fn name_taken(name: &str) -> StoreError {
    StoreError::Conflict(format!("The tenant already has an alert channel named `{name}`: choose another name."))
}

async fn name_in_use(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    name: &str,
    except: Option<ChannelId>,
) -> Result<bool, StoreError> {
    let mut query = alert_channel::Entity::find()
        .filter(alert_channel::Column::TenantId.eq(tenant.0))
        .filter(alert_channel::Column::Name.eq(name));
    if let Some(id) = except {
        query = query.filter(alert_channel::Column::Id.ne(id.0));
    }
    Ok(query.one(conn).await?.is_some())
}

fn audited(m: &alert_channel::Model, secret_changed: bool) -> serde_json::Value {
    let mut state = serde_json::to_value(view(m)).unwrap_or_default();
    if let Some(fields) = state.as_object_mut() {
        // Health is the delivery path's, not the admin's change.
        fields.remove("health");
        fields.insert("secret_changed".into(), secret_changed.into());
    }
    state
}

/// Creates a channel.
pub async fn create(
    db: &DatabaseConnection,
    key: &DataKey,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    new: NewChannel,
) -> Result<AlertChannel, StoreError> {
    check_secret_rules(&new.settings, new.secret.is_some())?;
    let tx = begin_write(db).await?;
    if name_in_use(&tx, tenant, &new.name, None).await? {
        return Err(name_taken(&new.name));
    }
    let id = ChannelId::new();
    let sealed = new.secret.map(|s| key.seal(&purpose(tenant, id), s.as_bytes())).transpose()?;
    let saved = alert_channel::ActiveModel {
        id: Set(id.0),
        tenant_id: Set(tenant.0),
        kind: Set(new.settings.kind().as_str().to_owned()),
        name: Set(new.name),
        config: Set(serde_json::to_string(&new.settings).unwrap_or_default()),
        secret_sealed: Set(sealed),
        enabled: Set(new.enabled),
        version: Set(1),
        consecutive_failures: Set(0),
        failing_since: Set(None),
        last_success_at: Set(None),
        last_failure_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await?;
    let change = Change::new(Chain::Tenant(tenant), actor, "alert_channel", id, "create").after(audited(&saved, true));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(view(&saved))
}

async fn find(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    id: ChannelId,
) -> Result<alert_channel::Model, StoreError> {
    alert_channel::Entity::find_by_id(id.0)
        .filter(alert_channel::Column::TenantId.eq(tenant.0))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("alert channel"))
}

/// Changes a channel's name, settings, secret or whether it is enabled. The kind never changes: a channel of
/// another kind is a new channel.
pub async fn update(
    db: &DatabaseConnection,
    key: &DataKey,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: ChannelId,
    change: ChannelUpdate,
) -> Result<AlertChannel, StoreError> {
    let tx = begin_write(db).await?;
    let current = find(&tx, tenant, id).await?;
    let stored_kind = ChannelKind::parse(&current.kind);
    if let Some(settings) = &change.settings
        && Some(settings.kind()) != stored_kind
    {
        return Err(ValidationError::field(
            settings.kind().as_str(),
            format!("this is a {} channel; create a new channel for another kind", current.kind),
        )
        .into());
    }
    let settings = match change.settings.clone().or_else(|| settings_of(&current)) {
        Some(s) => s,
        None => return Err(StoreError::Conflict("the channel's stored settings cannot be read".into())),
    };
    let secret_changed = change.secret.is_some();
    let sealed = match change.secret {
        Some(secret) => Some(key.seal(&purpose(tenant, id), secret.as_bytes())?),
        None => current.secret_sealed.clone(),
    };
    check_secret_rules(&settings, sealed.is_some())?;
    if let Some(name) = &change.name
        && name_in_use(&tx, tenant, name, Some(id)).await?
    {
        return Err(name_taken(name));
    }
    // Last, as DESIGN.md orders the checks: invalid input (422) and conflicts (409) before a stale version (412).
    require_version(change.version, current.version)?;
    let before = audited(&current, false);
    let mut model: alert_channel::ActiveModel = current.clone().into();
    if let Some(name) = change.name {
        model.name = Set(name);
    }
    if let Some(enabled) = change.enabled {
        model.enabled = Set(enabled);
    }
    model.config = Set(serde_json::to_string(&settings).unwrap_or_default());
    model.secret_sealed = Set(sealed);
    model.version = Set(current.version + 1);
    model.updated_at = Set(now);
    let saved = model.update(&tx).await?;
    let entry = Change::new(Chain::Tenant(tenant), actor, "alert_channel", id, "update")
        .before(before)
        .after(audited(&saved, secret_changed));
    audit::append(&tx, now, entry).await?;
    tx.commit().await?;
    Ok(view(&saved))
}

/// Deletes a channel with its delivery history. Notifications waiting only for it finish at the next drain.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: ChannelId,
    version: Option<i64>,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let current = find(&tx, tenant, id).await?;
    require_version(version, current.version)?;
    alert_channel::Entity::delete_by_id(id.0).exec(&tx).await?;
    let change =
        Change::new(Chain::Tenant(tenant), actor, "alert_channel", id, "delete").before(audited(&current, false));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(())
}
