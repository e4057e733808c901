//! Delivery attempts: each one recorded with how it ended, the channel's health moved with it, and the list of
//! a channel's attempts as the API shows it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use std::collections::HashMap;

use super::outbox::settle;
use crate::domain::delivery::{AttemptOutcome, FAILING_AFTER, HealthStatus, after_failure, health_status};
use crate::domain::ids::{ChannelId, TenantId};
use crate::entities::{alert_channel, alert_delivery, notification};
use crate::store::page::{Page, PageRequest};
use crate::store::{StoreError, begin_write};

/// What a sender reports about one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// The receiver took it.
    Delivered { http_status: Option<u16>, smtp_reply: Option<String> },
    /// It did not; `error` says why in words an admin can act on.
    Failed { error: String, http_status: Option<u16>, smtp_reply: Option<String> },
}

/// One attempt to record.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub notification_id: uuid::Uuid,
    pub tenant: TenantId,
    pub channel: ChannelId,
    /// 1-based.
    pub attempt: u32,
    pub result: SendResult,
    /// Whether a failure may be retried (a test sent straight from the command line is not).
    pub retry: bool,
}

/// How a recorded attempt left things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub outcome: AttemptOutcome,
    pub health: HealthStatus,
    pub consecutive_failures: i32,
    /// This failure is the one that made the channel count as failing.
    pub became_failing: bool,
}

/// Records an attempt, moves the channel's health and finishes the notification when nothing else is owed.
/// `None` when the channel was deleted while the attempt was under way.
pub async fn record_attempt(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    record: &AttemptRecord,
) -> Result<Option<Recorded>, StoreError> {
    let tx = begin_write(db).await?;
    let recorded = insert_attempt(&tx, now, record).await?;
    settle(&tx, record.notification_id, now).await?;
    tx.commit().await?;
    Ok(recorded)
}

/// Inserts the attempt row and moves the channel's health, inside the caller's transaction.
pub(super) async fn insert_attempt(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    record: &AttemptRecord,
) -> Result<Option<Recorded>, StoreError> {
    let Some(channel) = alert_channel::Entity::find_by_id(record.channel.0).one(conn).await? else {
        return Ok(None);
    };
    let (outcome, next_attempt_at, http_status, smtp_reply, error) = match &record.result {
        SendResult::Delivered { http_status, smtp_reply } => {
            (AttemptOutcome::Delivered, None, *http_status, smtp_reply.clone(), None)
        }
        SendResult::Failed { error, http_status, smtp_reply } => {
            let (outcome, next) =
                if record.retry { after_failure(record.attempt, now) } else { (AttemptOutcome::GaveUp, None) };
            (outcome, next, *http_status, smtp_reply.clone(), Some(error.clone()))
        }
    };
    alert_delivery::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(record.tenant.0),
        notification_id: Set(record.notification_id),
        channel_id: Set(record.channel.0),
        attempt: Set(i32::try_from(record.attempt).unwrap_or(i32::MAX)),
        attempted_at: Set(now),
        outcome: Set(outcome.as_str().to_owned()),
        http_status: Set(http_status.map(i32::from)),
        smtp_reply: Set(smtp_reply),
        error: Set(error.clone()),
        next_attempt_at: Set(next_attempt_at),
    }
    .insert(conn)
    .await?;
    // Only the health columns: an admin's concurrent edit of the settings is not overwritten.
    let mut health = alert_channel::ActiveModel { id: Set(channel.id), ..Default::default() };
    let failures = if outcome == AttemptOutcome::Delivered {
        health.consecutive_failures = Set(0);
        health.failing_since = Set(None);
        health.last_success_at = Set(Some(now));
        0
    } else {
        let failures = channel.consecutive_failures + 1;
        health.consecutive_failures = Set(failures);
        health.failing_since = Set(channel.failing_since.or(Some(now)));
        health.last_failure_at = Set(Some(now));
        health.last_error = Set(error);
        failures
    };
    health.update(conn).await?;
    Ok(Some(Recorded {
        outcome,
        health: health_status(failures, true),
        consecutive_failures: failures,
        became_failing: failures == FAILING_AFTER,
    }))
}

/// One attempt as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: uuid::Uuid,
    pub notification_id: uuid::Uuid,
    /// The notification's kind (`risk_acceptance.review_due`, `alert.score_drop`, `channel.test`, …).
    pub notification_kind: String,
    pub channel_id: ChannelId,
    /// 1-based, per notification and channel.
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    /// The receiver's HTTP status (webhook, Teams).
    pub http_status: Option<i32>,
    /// The SMTP server's reply (e-mail), e.g. `250 2.0.0 Ok: queued`.
    pub smtp_reply: Option<String>,
    pub error: Option<String>,
    /// When the next attempt is due, after a failure that is retried.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Which attempts to list.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub outcome: Option<AttemptOutcome>,
    pub notification_id: Option<uuid::Uuid>,
}

/// A page of the channel's attempts, newest first. The channel must be the tenant's.
pub async fn list_deliveries(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    channel: ChannelId,
    filter: &DeliveryFilter,
    page: &PageRequest,
) -> Result<Page<Delivery>, StoreError> {
    super::get(conn, tenant, channel).await?;
    let mut query = alert_delivery::Entity::find().filter(alert_delivery::Column::ChannelId.eq(channel.0));
    if let Some(outcome) = filter.outcome {
        query = query.filter(alert_delivery::Column::Outcome.eq(outcome.as_str()));
    }
    if let Some(id) = filter.notification_id {
        query = query.filter(alert_delivery::Column::NotificationId.eq(id));
    }
    let total = query.clone().count(conn).await?;
    if let Some(after) = page.after_uuid()? {
        query = query.filter(alert_delivery::Column::Id.lt(after));
    }
    let rows = query.order_by_desc(alert_delivery::Column::Id).limit(page.limit + 1).all(conn).await?;
    let kinds: HashMap<uuid::Uuid, String> = notification::Entity::find()
        .filter(notification::Column::Id.is_in(rows.iter().map(|r| r.notification_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|n| (n.id, n.kind))
        .collect();
    Ok(Page::from_rows(rows, page.limit, total, |r| r.id.to_string()).map(|r| Delivery {
        id: r.id,
        notification_kind: kinds.get(&r.notification_id).cloned().unwrap_or_default(),
        notification_id: r.notification_id,
        channel_id: ChannelId(r.channel_id),
        attempt: r.attempt,
        attempted_at: r.attempted_at,
        outcome: AttemptOutcome::parse(&r.outcome),
        http_status: r.http_status,
        smtp_reply: r.smtp_reply,
        error: r.error,
        next_attempt_at: r.next_attempt_at,
    }))
}
