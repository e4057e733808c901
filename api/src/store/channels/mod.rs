//! A tenant's alert channels (webhook, Teams, e-mail), their delivery attempts and health, and the draining of the
//! notification outbox through them. Each channel's secret is sealed with the data key, bound to the tenant and
//! the channel, and never returned.

mod deliveries;
mod outbox;
mod read;
mod write;

pub use deliveries::{AttemptRecord, Delivery, DeliveryFilter, Recorded, SendResult, list_deliveries, record_attempt};
pub use outbox::{DueDelivery, due, record_direct_test};
pub use read::{OpenedChannel, get, list, open, open_enabled};
pub use write::{ChannelUpdate, NewChannel, create, delete, update};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::channel::ChannelSettings;
use crate::domain::delivery::{ChannelKind, HealthStatus, health_status, health_summary};
use crate::domain::ids::{ChannelId, TenantId};
use crate::entities::alert_channel;

/// The sealing purpose of a channel's secret: a sealed value copied to another channel or tenant does not open.
/// What a channel's secret is sealed for.
pub(crate) fn purpose(tenant: TenantId, channel: ChannelId) -> String {
    format!("alert_channel:{tenant}:{channel}")
}

fn settings_of(m: &alert_channel::Model) -> Option<ChannelSettings> {
    serde_json::from_str(&m.config).ok()
}

/// A webhook channel as shown: the URL, and whether a signing secret is stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub url: String,
    /// The HMAC signing secret is stored (it is write-only).
    pub has_secret: bool,
}

/// A Teams channel as shown: the Workflows URL without its signature.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamsView {
    /// The URL without its query; the full URL is write-only.
    pub url_hint: String,
}

/// An e-mail channel as shown: never the password.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmailView {
    pub host: String,
    pub port: u16,
    pub starttls: bool,
    pub username: Option<String>,
    /// An SMTP password is stored (it is write-only).
    pub has_password: bool,
    pub from: String,
    pub to: Vec<String>,
    pub ca_certificate: Option<String>,
}

/// How a channel has been doing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChannelHealth {
    pub status: HealthStatus,
    /// For people: "failing since 2026-11-23T09:00:00Z, 4 failed attempts in a row, last error: HTTP 500".
    pub summary: String,
    /// Failed attempts since the last delivery.
    pub consecutive_failures: i32,
    /// The first failure of the current run of failures.
    pub failing_since: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// An alert channel as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertChannel {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub name: String,
    /// A disabled channel receives nothing but the tests an admin asks for.
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teams: Option<TeamsView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailView>,
    pub health: ChannelHealth,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send back as `version` (or `If-Match`) to change or delete the channel.
    pub version: i64,
}

fn health(m: &alert_channel::Model) -> ChannelHealth {
    let status: HealthStatus =
        health_status(m.consecutive_failures, m.last_success_at.is_some() || m.last_failure_at.is_some());
    ChannelHealth {
        status,
        summary: health_summary(
            status,
            m.consecutive_failures,
            m.failing_since,
            m.last_success_at,
            m.last_error.as_deref(),
        ),
        consecutive_failures: m.consecutive_failures,
        failing_since: m.failing_since,
        last_success_at: m.last_success_at,
        last_failure_at: m.last_failure_at,
        last_error: m.last_error.clone(),
    }
}

fn view(m: &alert_channel::Model) -> AlertChannel {
    let has_secret = m.secret_sealed.is_some();
    let (mut webhook, mut teams, mut email) = (None, None, None);
    let kind = match settings_of(m) {
        Some(ChannelSettings::Webhook(s)) => {
            webhook = Some(WebhookView { url: s.url, has_secret });
            ChannelKind::Webhook
        }
        Some(ChannelSettings::Teams(s)) => {
            teams = Some(TeamsView { url_hint: s.url_hint });
            ChannelKind::Teams
        }
        Some(ChannelSettings::Email(s)) => {
            email = Some(EmailView {
                host: s.host,
                port: s.port,
                starttls: s.starttls,
                username: s.username,
                has_password: has_secret,
                from: s.from,
                to: s.to,
                ca_certificate: s.ca_certificate,
            });
            ChannelKind::Email
        }
        None => ChannelKind::parse(&m.kind).unwrap_or(ChannelKind::Webhook),
    };
    AlertChannel {
        id: ChannelId(m.id),
        kind,
        name: m.name.clone(),
        enabled: m.enabled,
        webhook,
        teams,
        email,
        health: health(m),
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
    }
}
