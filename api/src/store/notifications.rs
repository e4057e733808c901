//! The notification outbox: messages waiting for delivery through the tenant's alert channels (see
//! `store::channels`). Each has a unique de-duplication key, so a message is written once however often its
//! trigger is seen. Listing shows each with its message title and how each channel's attempts went.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use std::collections::HashMap;

use super::StoreError;
use super::page::{Page, PageRequest};
use crate::domain::delivery::{AttemptOutcome, NotificationState, notification_state};
use crate::domain::ids::{ChannelId, TenantId};
use crate::domain::notification::{CHANNEL_TEST, Context, Severity, compose};
use crate::entities::{alert_channel, alert_delivery, notification};

/// Writes a notification unless one with the same key exists; answers whether it was written.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    tenant: Option<TenantId>,
    kind: &str,
    dedupe_key: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let row = notification::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant.map(|t| t.0)),
        kind: Set(kind.to_owned()),
        dedupe_key: Set(dedupe_key.to_owned()),
        payload: Set(payload.to_string()),
        created_at: Set(now),
        delivered_at: Set(None),
    };
    let written = notification::Entity::insert(row)
        .on_conflict(OnConflict::column(notification::Column::DedupeKey).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(written > 0)
}

/// Whether a notification with `dedupe_key` was written already.
pub async fn exists(conn: &impl ConnectionTrait, dedupe_key: &str) -> Result<bool, StoreError> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    let count = notification::Entity::find().filter(notification::Column::DedupeKey.eq(dedupe_key)).count(conn).await?;
    Ok(count > 0)
}

/// How a notification stands with one channel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChannelProgress {
    pub channel_id: ChannelId,
    pub channel_name: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// How the last attempt ended.
    pub outcome: AttemptOutcome,
    pub last_attempt_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// A notification of the outbox as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: uuid::Uuid,
    /// `risk_acceptance.review_due`, `risk_acceptance.expired`, `alert.*`, `digest.weekly`, `channel.test`, …
    pub kind: String,
    /// The message's title, as channels show it.
    pub title: String,
    pub severity: Severity,
    pub state: NotificationState,
    pub created_at: DateTime<Utc>,
    /// When it was finished: every channel it was for took it or gave up. `null` while it waits.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Each channel it was tried on.
    pub channels: Vec<ChannelProgress>,
    /// What the notification was written with.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// Which notifications to list.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    /// `false`: only those still waiting; `true`: only finished ones.
    pub delivered: Option<bool>,
    pub kind: Option<String>,
}

async fn views(
    conn: &impl ConnectionTrait,
    tenant_name: &str,
    rows: Vec<notification::Model>,
) -> Result<Vec<Notification>, StoreError> {
    let attempts = alert_delivery::Entity::find()
        .filter(alert_delivery::Column::NotificationId.is_in(rows.iter().map(|n| n.id)))
        .order_by_asc(alert_delivery::Column::Attempt)
        .all(conn)
        .await?;
    let names: HashMap<uuid::Uuid, String> = alert_channel::Entity::find()
        .filter(alert_channel::Column::Id.is_in(attempts.iter().map(|a| a.channel_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    // Attempts come in order, so each channel's entry ends up holding its last one.
    let mut progress: HashMap<uuid::Uuid, Vec<ChannelProgress>> = HashMap::new();
    for a in attempts {
        let entry = ChannelProgress {
            channel_id: ChannelId(a.channel_id),
            channel_name: names.get(&a.channel_id).cloned().unwrap_or_default(),
            attempts: a.attempt,
            outcome: AttemptOutcome::parse(&a.outcome),
            last_attempt_at: a.attempted_at,
            next_attempt_at: a.next_attempt_at,
            last_error: a.error,
        };
        let list = progress.entry(a.notification_id).or_default();
        match list.iter_mut().find(|p| p.channel_id == entry.channel_id) {
            Some(slot) => *slot = entry,
            None => list.push(entry),
        }
    }
    Ok(rows
        .into_iter()
        .map(|n| {
            let payload: serde_json::Value = serde_json::from_str(&n.payload).unwrap_or_default();
            let message = compose(&n.kind, &payload, &Context { tenant_name });
            let channels = progress.remove(&n.id).unwrap_or_default();
            let outcomes: Vec<AttemptOutcome> = channels.iter().map(|c| c.outcome).collect();
            Notification {
                id: n.id,
                kind: n.kind,
                title: message.title,
                severity: message.severity,
                state: notification_state(n.delivered_at.is_some(), &outcomes),
                created_at: n.created_at,
                delivered_at: n.delivered_at,
                channels,
                payload,
            }
        })
        .collect())
}

/// A page of the tenant's notifications, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    tenant_name: &str,
    filter: &NotificationFilter,
    page: &PageRequest,
) -> Result<Page<Notification>, StoreError> {
    let mut query = notification::Entity::find().filter(notification::Column::TenantId.eq(tenant.0));
    match filter.delivered {
        Some(true) => query = query.filter(notification::Column::DeliveredAt.is_not_null()),
        Some(false) => query = query.filter(notification::Column::DeliveredAt.is_null()),
        None => {}
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(notification::Column::Kind.eq(kind.as_str()));
    }
    let total = query.clone().count(conn).await?;
    // Ids are UUIDv7, so they order by creation.
    if let Some(after) = page.after_uuid()? {
        query = query.filter(notification::Column::Id.lt(after));
    }
    let rows = query.order_by_desc(notification::Column::Id).limit(page.limit + 1).all(conn).await?;
    let page = Page::from_rows(rows, page.limit, total, |r| r.id.to_string());
    let items = views(conn, tenant_name, page.items).await?;
    Ok(Page { items, total: page.total, next_cursor: page.next_cursor })
}

/// The tenant's notification `id`.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    tenant_name: &str,
    id: uuid::Uuid,
) -> Result<Notification, StoreError> {
    let row = notification::Entity::find_by_id(id)
        .filter(notification::Column::TenantId.eq(tenant.0))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("notification"))?;
    views(conn, tenant_name, vec![row]).await?.pop().ok_or(StoreError::NotFound("notification"))
}

/// Queues a test message for one channel of the tenant and answers it; the runner sends it. Works for a disabled
/// channel too, so a channel can be tried before it is switched on.
pub async fn queue_channel_test(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    tenant: TenantId,
    tenant_name: &str,
    channel: ChannelId,
    requested_by: &str,
) -> Result<Notification, StoreError> {
    let found = super::channels::get(db, tenant, channel).await?;
    let key = format!("{CHANNEL_TEST}:{channel}:{}", uuid::Uuid::now_v7());
    let payload = serde_json::json!({
        "channel_id": channel,
        "channel_name": found.name,
        "requested_by": requested_by,
    });
    let tx = super::begin_write(db).await?;
    enqueue(&tx, Some(tenant), CHANNEL_TEST, &key, &payload, now).await?;
    let row = notification::Entity::find()
        .filter(notification::Column::DedupeKey.eq(key))
        .one(&tx)
        .await?
        .ok_or(StoreError::NotFound("notification"))?;
    tx.commit().await?;
    views(db, tenant_name, vec![row]).await?.pop().ok_or(StoreError::NotFound("notification"))
}
