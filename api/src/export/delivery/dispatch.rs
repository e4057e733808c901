//! The dispatcher: the runner's pass over the outbox (every attempt due now, each channel in its own task, each
//! attempt recorded), and the command line's direct test of a tenant's channels.

use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::task::JoinSet;

use super::{Envelope, Sender};
use crate::clock::SharedClock;
use crate::domain::delivery::{AttemptOutcome, ChannelKind};
use crate::domain::ids::{ChannelId, TenantId};
use crate::domain::notification::{CHANNEL_TEST, Context, compose};
use crate::secrets::DataKey;
use crate::store::channels::{self, AttemptRecord, DueDelivery, OpenedChannel, SendResult};
use crate::store::{StoreError, tenants};

/// Sends the outbox's notifications through the tenants' channels.
#[derive(Clone)]
pub struct Dispatcher {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    pub data_key: Arc<DataKey>,
    pub sender: Sender,
}

/// How a direct test of one channel went.
#[derive(Debug, Clone)]
pub struct ChannelTest {
    pub channel: ChannelId,
    pub name: String,
    pub kind: ChannelKind,
    pub result: SendResult,
}

impl Dispatcher {
    /// Makes every attempt due now and records each; answers how many were made. Channels are served side by side,
    /// so a slow one delays only its own notifications, and each attempt ends within the sender's timeout.
    pub async fn drain(&self) -> Result<usize, StoreError> {
        let due = channels::due(&self.db, self.clock.now()).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut names: HashMap<uuid::Uuid, String> = HashMap::new();
        let mut per_channel: Vec<(ChannelId, Vec<DueDelivery>)> = Vec::new();
        for item in due {
            if let Some(tenant) = item.notification.tenant_id
                && !names.contains_key(&tenant)
            {
                let name = tenants::get(&self.db, TenantId(tenant)).await?.map(|t| t.name).unwrap_or_default();
                names.insert(tenant, name);
            }
            match per_channel.iter_mut().find(|(c, _)| *c == item.channel) {
                Some((_, items)) => items.push(item),
                None => per_channel.push((item.channel, vec![item])),
            }
        }
        let names = Arc::new(names);
        let mut tasks = JoinSet::new();
        for (channel, items) in per_channel {
            let this = self.clone();
            let names = Arc::clone(&names);
            tasks.spawn(async move { this.serve(channel, items, &names).await });
        }
        let mut made = 0;
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(n) => made += n,
                Err(e) => tracing::error!(error = %e, "a delivery task ended abnormally"),
            }
        }
        Ok(made)
    }

    /// Sends one channel's due notifications in order. After a failure the channel is left for this pass: its other
    /// notifications are tried on later passes, so a dead receiver costs one timeout per pass, not one per message.
    async fn serve(&self, channel: ChannelId, items: Vec<DueDelivery>, names: &HashMap<uuid::Uuid, String>) -> usize {
        let opened = match channels::open(&self.db, &self.data_key, channel).await {
            Ok(Some(opened)) => Ok(opened),
            Ok(None) => return 0,
            Err(e) => {
                Err(format!("the channel's settings or secret cannot be opened (was the data key changed?): {e}"))
            }
        };
        let mut made = 0;
        for item in items {
            let n = &item.notification;
            let tenant = TenantId(n.tenant_id.unwrap_or_default());
            let result = match &opened {
                Ok(opened) => {
                    let payload: serde_json::Value = serde_json::from_str(&n.payload).unwrap_or_default();
                    let tenant_name = names.get(&tenant.0).map(String::as_str).unwrap_or_default();
                    let message = compose(&n.kind, &payload, &Context { tenant_name });
                    let envelope = Envelope {
                        notification_id: n.id,
                        kind: &n.kind,
                        tenant_id: tenant.0,
                        created_at: n.created_at,
                        payload: &payload,
                    };
                    self.sender.send(opened, &envelope, &message, self.clock.now()).await
                }
                Err(why) => SendResult::Failed { error: why.clone(), http_status: None, smtp_reply: None },
            };
            let failed = matches!(result, SendResult::Failed { .. });
            let record = AttemptRecord {
                notification_id: n.id,
                tenant,
                channel,
                attempt: item.attempt,
                result: result.clone(),
                retry: true,
            };
            match channels::record_attempt(&self.db, self.clock.now(), &record).await {
                Ok(Some(recorded)) => report(&record, &result, recorded),
                Ok(None) => {}
                Err(e) => tracing::error!(notification = %n.id, %channel, error = %e, "could not record a delivery"),
            }
            made += 1;
            if failed {
                break;
            }
        }
        made
    }

    /// Sends a test message straight to every enabled channel of the tenant (not through the outbox) and records the
    /// attempts; answers how each went. Failures are not retried: whoever asked is watching.
    pub async fn test_channels(
        &self,
        tenant: TenantId,
        tenant_name: &str,
        requested_by: &str,
    ) -> Result<Vec<ChannelTest>, StoreError> {
        let opened = channels::open_enabled(&self.db, &self.data_key, tenant).await?;
        let id = uuid::Uuid::now_v7();
        let now = self.clock.now();
        let mut tasks = JoinSet::new();
        for (position, channel) in opened.into_iter().enumerate() {
            let sender = self.sender.clone();
            let (tenant_name, requested_by) = (tenant_name.to_owned(), requested_by.to_owned());
            tasks.spawn(async move {
                let result = test_one(&sender, &channel, id, now, &tenant_name, &requested_by).await;
                (
                    position,
                    ChannelTest { channel: channel.id, name: channel.name, kind: channel.settings.kind(), result },
                )
            });
        }
        let mut tests = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(test) => tests.push(test),
                Err(e) => tracing::error!(error = %e, "a test delivery ended abnormally"),
            }
        }
        tests.sort_by_key(|(position, _)| *position);
        let tests: Vec<ChannelTest> = tests.into_iter().map(|(_, t)| t).collect();
        if !tests.is_empty() {
            let results: Vec<(ChannelId, SendResult)> = tests.iter().map(|t| (t.channel, t.result.clone())).collect();
            channels::record_direct_test(&self.db, self.clock.now(), tenant, id, requested_by, &results).await?;
        }
        Ok(tests)
    }
}

async fn test_one(
    sender: &Sender,
    channel: &OpenedChannel,
    id: uuid::Uuid,
    now: chrono::DateTime<chrono::Utc>,
    tenant_name: &str,
    requested_by: &str,
) -> SendResult {
    let payload = serde_json::json!({
        "channel_id": channel.id,
        "channel_name": channel.name,
        "requested_by": requested_by,
        "direct": true,
    });
    let message = compose(CHANNEL_TEST, &payload, &Context { tenant_name });
    let envelope = Envelope {
        notification_id: id,
        kind: CHANNEL_TEST,
        tenant_id: channel.tenant.0,
        created_at: now,
        payload: &payload,
    };
    sender.send(channel, &envelope, &message, now).await
}

/// Logs what an attempt means for people: a channel turning to failing, a notification given up on.
fn report(record: &AttemptRecord, result: &SendResult, recorded: channels::Recorded) {
    let error = match result {
        SendResult::Failed { error, .. } => error.as_str(),
        SendResult::Delivered { .. } => "",
    };
    let (notification, channel, tenant) = (record.notification_id, record.channel, record.tenant);
    match recorded.outcome {
        AttemptOutcome::Delivered => tracing::debug!(%notification, %channel, "notification delivered"),
        AttemptOutcome::Failed => {
            tracing::info!(%notification, %channel, attempt = record.attempt, error, "delivery failed; will retry")
        }
        AttemptOutcome::GaveUp => tracing::error!(
            %notification, %channel, %tenant, attempts = record.attempt, error,
            "gave up delivering a notification to an alert channel"
        ),
    }
    if recorded.became_failing {
        tracing::warn!(
            %channel, %tenant, failures = recorded.consecutive_failures, error,
            "alert channel is failing: its receiver or settings need attention"
        );
    }
}
