//! Draining the notification outbox: which notification is owed to which channel now, and when a notification is
//! finished. A notification goes to every enabled channel of its tenant (a `channel.test` only to the channel in
//! its payload, enabled or not); it is finished, and marked delivered, once each of those channels took it or gave
//! up. A tenant without a channel keeps its notifications waiting, visible in the outbox, until one is added.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};

use super::deliveries::{AttemptRecord, SendResult, insert_attempt};
use crate::domain::delivery::{AttemptOutcome, LastAttempt, NextStep, next_step};
use crate::domain::ids::{ChannelId, TenantId};
use crate::domain::notification::CHANNEL_TEST;
use crate::entities::{alert_channel, alert_delivery, notification};
use crate::store::{StoreError, begin_write};

/// Undelivered notifications looked at per pass, oldest first; a safety cap far above what retries keep waiting
/// (a notification is finished within about five and a half hours of its first attempt).
const BATCH: u64 = 2000;

/// A notification owed to a channel now.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub notification: notification::Model,
    pub channel: ChannelId,
    /// 1-based number of the attempt to make.
    pub attempt: u32,
}

/// The channel a `channel.test` notification is for.
pub fn test_channel(payload: &serde_json::Value) -> Option<ChannelId> {
    payload.get("channel_id")?.as_str()?.parse().ok().map(ChannelId)
}

/// The channels `n` is for, among its tenant's `channels`.
fn targets(n: &notification::Model, channels: &[alert_channel::Model]) -> Vec<ChannelId> {
    if n.kind == CHANNEL_TEST {
        let wanted = serde_json::from_str(&n.payload).ok().as_ref().and_then(test_channel);
        return channels.iter().filter(|c| Some(ChannelId(c.id)) == wanted).map(|c| ChannelId(c.id)).collect();
    }
    channels.iter().filter(|c| c.enabled).map(|c| ChannelId(c.id)).collect()
}

/// The last attempt of each (notification, channel) among `rows`.
fn last_attempts(rows: Vec<alert_delivery::Model>) -> HashMap<(uuid::Uuid, uuid::Uuid), LastAttempt> {
    let mut last: HashMap<(uuid::Uuid, uuid::Uuid), LastAttempt> = HashMap::new();
    for r in rows {
        let attempt = LastAttempt {
            attempt: u32::try_from(r.attempt).unwrap_or(0),
            outcome: AttemptOutcome::parse(&r.outcome),
            next_attempt_at: r.next_attempt_at,
        };
        let slot = last.entry((r.notification_id, r.channel_id)).or_insert(attempt);
        if attempt.attempt > slot.attempt {
            *slot = attempt;
        }
    }
    last
}

/// What `n` is owed now, and whether it is finished.
fn evaluate(
    n: &notification::Model,
    channels: &[alert_channel::Model],
    last: &HashMap<(uuid::Uuid, uuid::Uuid), LastAttempt>,
    now: DateTime<Utc>,
) -> (bool, Vec<(ChannelId, u32)>) {
    let targets = targets(n, channels);
    if targets.is_empty() {
        // A test for a channel deleted since has nowhere to go; anything else waits for a channel to be added.
        return (n.kind == CHANNEL_TEST, Vec::new());
    }
    let mut due = Vec::new();
    let mut finished = true;
    for channel in targets {
        match next_step(last.get(&(n.id, channel.0)).copied(), now) {
            NextStep::Done => {}
            NextStep::Wait => finished = false,
            NextStep::Send { attempt } => {
                finished = false;
                due.push((channel, attempt));
            }
        }
    }
    (finished, due)
}

async fn channels_of(
    conn: &impl ConnectionTrait,
    tenants: impl IntoIterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, Vec<alert_channel::Model>>, StoreError> {
    let rows = alert_channel::Entity::find()
        .filter(alert_channel::Column::TenantId.is_in(tenants))
        .order_by_asc(alert_channel::Column::Id)
        .all(conn)
        .await?;
    let mut by_tenant: HashMap<uuid::Uuid, Vec<alert_channel::Model>> = HashMap::new();
    for row in rows {
        by_tenant.entry(row.tenant_id).or_default().push(row);
    }
    Ok(by_tenant)
}

async fn finish(conn: &impl ConnectionTrait, id: uuid::Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    notification::Entity::update_many()
        .col_expr(notification::Column::DeliveredAt, Expr::value(now))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::DeliveredAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Every attempt due now, oldest notification first; finishes notifications that are owed nothing more.
pub async fn due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<DueDelivery>, StoreError> {
    // Only tenants with somewhere to send to (and tests, which name their channel): the notifications of a tenant
    // without a channel wait indefinitely and must not crowd out everyone else's.
    let with_channels = Query::select()
        .column(alert_channel::Column::TenantId)
        .from(alert_channel::Entity)
        .and_where(alert_channel::Column::Enabled.eq(true))
        .to_owned();
    let pending = notification::Entity::find()
        .filter(notification::Column::DeliveredAt.is_null())
        .filter(notification::Column::TenantId.is_not_null())
        .filter(
            Condition::any()
                .add(notification::Column::TenantId.in_subquery(with_channels))
                .add(notification::Column::Kind.eq(CHANNEL_TEST)),
        )
        .order_by_asc(notification::Column::CreatedAt)
        .order_by_asc(notification::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let tenants: HashSet<uuid::Uuid> = pending.iter().filter_map(|n| n.tenant_id).collect();
    let channels = channels_of(db, tenants).await?;
    let attempts = alert_delivery::Entity::find()
        .filter(alert_delivery::Column::NotificationId.is_in(pending.iter().map(|n| n.id)))
        .all(db)
        .await?;
    let last = last_attempts(attempts);
    let mut due = Vec::new();
    let mut finished = Vec::new();
    for n in pending {
        let none = Vec::new();
        let of_tenant = n.tenant_id.and_then(|t| channels.get(&t)).unwrap_or(&none);
        let (done, owed) = evaluate(&n, of_tenant, &last, now);
        if done {
            finished.push(n.id);
        }
        for (channel, attempt) in owed {
            due.push(DueDelivery { notification: n.clone(), channel, attempt });
        }
    }
    if !finished.is_empty() {
        let tx = begin_write(db).await?;
        for id in finished {
            finish(&tx, id, now).await?;
        }
        tx.commit().await?;
    }
    Ok(due)
}

/// Marks the notification delivered when it is owed nothing more, inside the caller's transaction.
pub(super) async fn settle(
    conn: &impl ConnectionTrait,
    notification_id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(n) = notification::Entity::find_by_id(notification_id).one(conn).await? else { return Ok(()) };
    let Some(tenant) = n.tenant_id.filter(|_| n.delivered_at.is_none()) else { return Ok(()) };
    let channels = channels_of(conn, [tenant]).await?.remove(&tenant).unwrap_or_default();
    let attempts = alert_delivery::Entity::find()
        .filter(alert_delivery::Column::NotificationId.eq(notification_id))
        .all(conn)
        .await?;
    // Whether anything is due later does not matter here: only whether anything is owed at all.
    let (done, _) = evaluate(&n, &channels, &last_attempts(attempts), now);
    if done {
        finish(conn, notification_id, now).await?;
    }
    Ok(())
}

/// Records a test sent straight to channels (from the command line, not through the runner): the finished
/// `channel.test` notification `id` and one attempt per channel, which moves each channel's health like any other.
pub async fn record_direct_test(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: uuid::Uuid,
    requested_by: &str,
    results: &[(ChannelId, SendResult)],
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let ids: Vec<String> = results.iter().map(|(c, _)| c.to_string()).collect();
    let payload = serde_json::json!({ "channel_ids": ids, "requested_by": requested_by, "direct": true });
    // Finished from the start, so the runner never sends it again.
    notification::ActiveModel {
        id: Set(id),
        tenant_id: Set(Some(tenant.0)),
        kind: Set(CHANNEL_TEST.to_owned()),
        dedupe_key: Set(format!("{CHANNEL_TEST}:direct:{id}")),
        payload: Set(payload.to_string()),
        created_at: Set(now),
        delivered_at: Set(Some(now)),
    }
    .insert(&tx)
    .await?;
    for (channel, result) in results {
        let record = AttemptRecord {
            notification_id: id,
            tenant,
            channel: *channel,
            attempt: 1,
            result: result.clone(),
            retry: false,
        };
        insert_attempt(&tx, now, &record).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, hour, 0, 0).single().unwrap_or_default()
    }

    fn channel(id: u128, enabled: bool) -> alert_channel::Model {
        alert_channel::Model {
            id: uuid::Uuid::from_u128(id),
            tenant_id: uuid::Uuid::from_u128(1),
            kind: "webhook".into(),
            name: format!("c{id}"),
            config: "{}".into(),
            secret_sealed: None,
            enabled,
            version: 1,
            consecutive_failures: 0,
            failing_since: None,
            last_success_at: None,
            last_failure_at: None,
            last_error: None,
            created_at: at(8),
            updated_at: at(8),
        }
    }

    fn note(kind: &str, payload: serde_json::Value) -> notification::Model {
        notification::Model {
            id: uuid::Uuid::from_u128(99),
            tenant_id: Some(uuid::Uuid::from_u128(1)),
            kind: kind.into(),
            dedupe_key: "k".into(),
            payload: payload.to_string(),
            created_at: at(8),
            delivered_at: None,
        }
    }

    #[test]
    fn a_notification_goes_to_every_enabled_channel_and_finishes_when_each_is_done() {
        let channels = [channel(10, true), channel(11, false), channel(12, true)];
        let n = note("alert.score_drop", serde_json::json!({}));
        let (done, due) = evaluate(&n, &channels, &HashMap::new(), at(9));
        assert!(!done);
        assert_eq!(due, vec![(ChannelId(uuid::Uuid::from_u128(10)), 1), (ChannelId(uuid::Uuid::from_u128(12)), 1)]);
        let mut last = HashMap::new();
        let delivered = LastAttempt { attempt: 1, outcome: AttemptOutcome::Delivered, next_attempt_at: None };
        let retry = LastAttempt { attempt: 1, outcome: AttemptOutcome::Failed, next_attempt_at: Some(at(10)) };
        last.insert((n.id, uuid::Uuid::from_u128(10)), delivered);
        last.insert((n.id, uuid::Uuid::from_u128(12)), retry);
        assert_eq!(evaluate(&n, &channels, &last, at(9)), (false, vec![]), "the retry is not due yet");
        assert_eq!(evaluate(&n, &channels, &last, at(10)), (false, vec![(ChannelId(uuid::Uuid::from_u128(12)), 2)]));
        last.insert(
            (n.id, uuid::Uuid::from_u128(12)),
            LastAttempt { attempt: 6, outcome: AttemptOutcome::GaveUp, next_attempt_at: None },
        );
        assert_eq!(evaluate(&n, &channels, &last, at(11)), (true, vec![]));
    }

    #[test]
    fn without_a_channel_a_notification_waits_but_a_test_for_a_deleted_channel_finishes() {
        let n = note("risk_acceptance.review_due", serde_json::json!({}));
        assert_eq!(evaluate(&n, &[channel(10, false)], &HashMap::new(), at(9)), (false, vec![]));
        let test = note(CHANNEL_TEST, serde_json::json!({"channel_id": uuid::Uuid::from_u128(11).to_string()}));
        // A test goes to its own channel, even a disabled one, and to no other.
        let channels = [channel(10, true), channel(11, false)];
        assert_eq!(
            evaluate(&test, &channels, &HashMap::new(), at(9)),
            (false, vec![(ChannelId(uuid::Uuid::from_u128(11)), 1)])
        );
        assert_eq!(evaluate(&test, &[channel(10, true)], &HashMap::new(), at(9)), (true, vec![]));
    }
}
