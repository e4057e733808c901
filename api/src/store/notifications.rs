//! The notification outbox: messages waiting for delivery (webhooks and e-mail come with monitoring). Each has a
//! unique de-duplication key, so a message is written once however often its trigger is seen.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use super::StoreError;
use crate::domain::ids::TenantId;
use crate::entities::notification;

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
