//! Reading channels: as the API shows them (never a secret), and opened with their secret for the senders only.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{AlertChannel, purpose, settings_of, view};
use crate::domain::channel::ChannelSettings;
use crate::domain::ids::{ChannelId, TenantId};
use crate::entities::alert_channel;
use crate::secrets::DataKey;
use crate::store::StoreError;
use crate::store::page::{Page, PageRequest};

/// The tenant's channel `id`.
pub async fn get(conn: &impl ConnectionTrait, tenant: TenantId, id: ChannelId) -> Result<AlertChannel, StoreError> {
    alert_channel::Entity::find_by_id(id.0)
        .filter(alert_channel::Column::TenantId.eq(tenant.0))
        .one(conn)
        .await?
        .map(|m| view(&m))
        .ok_or(StoreError::NotFound("alert channel"))
}

/// A page of the tenant's channels, oldest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    page: &PageRequest,
) -> Result<Page<AlertChannel>, StoreError> {
    let query = alert_channel::Entity::find().filter(alert_channel::Column::TenantId.eq(tenant.0));
    let total = query.clone().count(conn).await?;
    let mut query = query;
    // Ids are UUIDv7, so they order by creation time.
    if let Some(after) = page.after_uuid()? {
        query = query.filter(alert_channel::Column::Id.gt(after));
    }
    let rows = query.order_by_asc(alert_channel::Column::Id).limit(page.limit + 1).all(conn).await?;
    Ok(Page::from_rows(rows, page.limit, total, |r| r.id.to_string()).map(|m| view(&m)))
}

/// A channel with its secret opened, for sending.
#[derive(Clone)]
pub struct OpenedChannel {
    pub id: ChannelId,
    pub tenant: TenantId,
    pub name: String,
    pub enabled: bool,
    pub settings: ChannelSettings,
    /// The webhook's signing secret, the Teams URL or the SMTP password.
    pub secret: Option<String>,
}

impl std::fmt::Debug for OpenedChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedChannel").field("id", &self.id).field("name", &self.name).finish_non_exhaustive()
    }
}

fn opened(key: &DataKey, m: alert_channel::Model) -> Result<OpenedChannel, StoreError> {
    let tenant = TenantId(m.tenant_id);
    let id = ChannelId(m.id);
    let secret = match &m.secret_sealed {
        Some(sealed) => Some(String::from_utf8_lossy(&key.open(&purpose(tenant, id), sealed)?).into_owned()),
        None => None,
    };
    let settings =
        settings_of(&m).ok_or_else(|| StoreError::Conflict("the channel's settings cannot be read".into()))?;
    Ok(OpenedChannel { id, tenant, name: m.name, enabled: m.enabled, settings, secret })
}

/// The channel `id` of any tenant, opened; `None` when it no longer exists.
pub async fn open(
    conn: &impl ConnectionTrait,
    key: &DataKey,
    id: ChannelId,
) -> Result<Option<OpenedChannel>, StoreError> {
    match alert_channel::Entity::find_by_id(id.0).one(conn).await? {
        Some(m) => Ok(Some(opened(key, m)?)),
        None => Ok(None),
    }
}

/// Every enabled channel of the tenant, opened, oldest first.
pub async fn open_enabled(
    conn: &impl ConnectionTrait,
    key: &DataKey,
    tenant: TenantId,
) -> Result<Vec<OpenedChannel>, StoreError> {
    let rows = alert_channel::Entity::find()
        .filter(alert_channel::Column::TenantId.eq(tenant.0))
        .filter(alert_channel::Column::Enabled.eq(true))
        .order_by_asc(alert_channel::Column::Id)
        .all(conn)
        .await?;
    rows.into_iter().map(|m| opened(key, m)).collect()
}
