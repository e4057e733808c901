//! Delivery rules: the kinds of alert channel, how a failed attempt is retried, when a channel counts as failing,
//! where a notification stands, and how a webhook body is signed so its receiver can check it.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Where a channel delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// A generic JSON webhook, signed with HMAC-SHA256.
    Webhook,
    /// A Microsoft Teams Workflows webhook ("When a Teams webhook request is received"), sent an Adaptive Card.
    Teams,
    /// E-mail through an SMTP relay.
    Email,
}

impl ChannelKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Teams => "teams",
            ChannelKind::Email => "email",
        }
    }

    /// The kind stored as `text`, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        [ChannelKind::Webhook, ChannelKind::Teams, ChannelKind::Email].into_iter().find(|k| k.as_str() == text)
    }
}

/// How one attempt to deliver a notification to a channel ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// The receiver took it (HTTP 2xx, SMTP 250).
    Delivered,
    /// It failed; another attempt follows at `next_attempt_at`.
    Failed,
    /// It failed and was the last attempt: the channel is reported, the notification is not sent there again.
    GaveUp,
}

impl AttemptOutcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::GaveUp => "gave_up",
        }
    }

    /// The outcome stored as `text`; anything unknown reads as given up, so it is never retried by mistake.
    pub fn parse(text: &str) -> Self {
        match text {
            "delivered" => AttemptOutcome::Delivered,
            "failed" => AttemptOutcome::Failed,
            _ => AttemptOutcome::GaveUp,
        }
    }

    /// Whether no more attempts follow this one.
    pub fn is_final(self) -> bool {
        self != AttemptOutcome::Failed
    }
}

pub use super::backoff::{MAX_ATTEMPTS, retry_delay};

/// What a failed attempt number `attempt` leads to: another try at a later time, or giving up.
pub fn after_failure(attempt: u32, now: DateTime<Utc>) -> (AttemptOutcome, Option<DateTime<Utc>>) {
    match retry_delay(attempt).and_then(|d| chrono::Duration::from_std(d).ok()) {
        Some(wait) => (AttemptOutcome::Failed, Some(now + wait)),
        None => (AttemptOutcome::GaveUp, None),
    }
}

/// What is owed to one channel for one notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Send now, as attempt number `attempt`.
    Send { attempt: u32 },
    /// A retry is scheduled for later.
    Wait,
    /// Delivered, or given up: nothing more.
    Done,
}

/// The last attempt made for one notification and channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastAttempt {
    pub attempt: u32,
    pub outcome: AttemptOutcome,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// What to do next for one notification and channel, given its last attempt (if any).
pub fn next_step(last: Option<LastAttempt>, now: DateTime<Utc>) -> NextStep {
    match last {
        None => NextStep::Send { attempt: 1 },
        Some(l) if l.outcome.is_final() => NextStep::Done,
        Some(l) if l.next_attempt_at.is_none_or(|at| at <= now) => NextStep::Send { attempt: l.attempt + 1 },
        Some(_) => NextStep::Wait,
    }
}

/// Failed attempts in a row after which a channel is reported as failing (on its view and in the log).
pub const FAILING_AFTER: i32 = 3;

/// How a channel is doing, from its recent attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Nothing was sent through it yet.
    Untested,
    /// The last attempt was delivered.
    Healthy,
    /// The last attempt or two failed; retries are under way.
    Retrying,
    /// [`FAILING_AFTER`] or more attempts in a row failed: someone should look at the receiver or the settings.
    Failing,
}

/// Where a channel stands after `consecutive_failures` failures in a row, having ever been tried or not.
pub fn health_status(consecutive_failures: i32, ever_tried: bool) -> HealthStatus {
    match consecutive_failures {
        n if n >= FAILING_AFTER => HealthStatus::Failing,
        n if n > 0 => HealthStatus::Retrying,
        _ if ever_tried => HealthStatus::Healthy,
        _ => HealthStatus::Untested,
    }
}

/// One line saying how a channel is doing, for people: "failing since …, N attempts in a row, last error: …".
pub fn health_summary(
    status: HealthStatus,
    consecutive_failures: i32,
    failing_since: Option<DateTime<Utc>>,
    last_success_at: Option<DateTime<Utc>>,
    last_error: Option<&str>,
) -> String {
    let since = failing_since.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default();
    let error = last_error.unwrap_or("unknown");
    match status {
        HealthStatus::Untested => "nothing sent yet".to_owned(),
        HealthStatus::Healthy => match last_success_at {
            Some(t) => format!("delivering; last delivery {}", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            None => "delivering".to_owned(),
        },
        HealthStatus::Retrying => {
            format!("retrying since {since}, {consecutive_failures} failed attempt(s) in a row, last error: {error}")
        }
        HealthStatus::Failing => {
            format!("failing since {since}, {consecutive_failures} failed attempts in a row, last error: {error}")
        }
    }
}

/// Where a notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationState {
    /// Waiting: for a channel to exist, or for a first attempt or a retry.
    Pending,
    /// Every channel it was for took it.
    Delivered,
    /// Done, but at least one channel gave up (or the channel it was for is gone): see its deliveries.
    Failed,
}

/// A notification's state from whether it is finished and how its channels' last attempts ended.
pub fn notification_state(finished: bool, last_outcomes: &[AttemptOutcome]) -> NotificationState {
    if !finished {
        NotificationState::Pending
    } else if last_outcomes.is_empty() || last_outcomes.iter().any(|o| *o != AttemptOutcome::Delivered) {
        NotificationState::Failed
    } else {
        NotificationState::Delivered
    }
}

/// The `X-Scoregrc-Signature` of a webhook body: `sha256=` and the lowercase hex HMAC-SHA256, keyed with the
/// channel's secret, over `{timestamp}.{body}` (the timestamp as sent in `X-Scoregrc-Timestamp`, Unix seconds).
/// Binding the timestamp lets receivers refuse replays of an old body.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length, so this cannot fail; an empty MAC would only fail the receiver's check.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return String::new() };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn retries_back_off_from_a_minute_to_four_hours_then_give_up() {
        let waits: Vec<Option<u64>> = (1..=MAX_ATTEMPTS).map(|a| retry_delay(a).map(|d| d.as_secs())).collect();
        assert_eq!(waits, vec![Some(60), Some(300), Some(900), Some(3600), Some(14_400), None]);
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().unwrap_or_default();
        assert_eq!(after_failure(1, now), (AttemptOutcome::Failed, Some(now + chrono::Duration::minutes(1))));
        assert_eq!(after_failure(6, now), (AttemptOutcome::GaveUp, None));
        assert_eq!(after_failure(9, now), (AttemptOutcome::GaveUp, None));
    }

    #[test]
    fn the_next_step_follows_the_last_attempt() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().unwrap_or_default();
        let failed =
            |at: DateTime<Utc>| LastAttempt { attempt: 2, outcome: AttemptOutcome::Failed, next_attempt_at: Some(at) };
        assert_eq!(next_step(None, now), NextStep::Send { attempt: 1 });
        assert_eq!(next_step(Some(failed(now + chrono::Duration::minutes(5))), now), NextStep::Wait);
        assert_eq!(next_step(Some(failed(now)), now), NextStep::Send { attempt: 3 });
        let done = LastAttempt { attempt: 6, outcome: AttemptOutcome::GaveUp, next_attempt_at: None };
        assert_eq!(next_step(Some(done), now), NextStep::Done);
        let delivered = LastAttempt { attempt: 1, outcome: AttemptOutcome::Delivered, next_attempt_at: None };
        assert_eq!(next_step(Some(delivered), now), NextStep::Done);
    }

    #[test]
    fn a_channel_is_failing_after_three_failures_in_a_row() {
        assert_eq!(health_status(0, false), HealthStatus::Untested);
        assert_eq!(health_status(0, true), HealthStatus::Healthy);
        assert_eq!(health_status(2, true), HealthStatus::Retrying);
        assert_eq!(health_status(3, true), HealthStatus::Failing);
        let since = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single();
        let line = health_summary(HealthStatus::Failing, 4, since, None, Some("HTTP 500"));
        assert_eq!(line, "failing since 2026-11-23T09:00:00Z, 4 failed attempts in a row, last error: HTTP 500");
    }

    #[test]
    fn a_notification_is_delivered_only_when_every_channel_took_it() {
        use AttemptOutcome::*;
        assert_eq!(notification_state(false, &[Delivered]), NotificationState::Pending);
        assert_eq!(notification_state(true, &[Delivered, Delivered]), NotificationState::Delivered);
        assert_eq!(notification_state(true, &[Delivered, GaveUp]), NotificationState::Failed);
        assert_eq!(notification_state(true, &[]), NotificationState::Failed, "finished with nowhere to go");
    }

    #[test]
    fn outcomes_and_kinds_round_trip_and_only_failed_is_retried() {
        for o in [AttemptOutcome::Delivered, AttemptOutcome::Failed, AttemptOutcome::GaveUp] {
            assert_eq!(AttemptOutcome::parse(o.as_str()), o);
        }
        assert!(!AttemptOutcome::Failed.is_final());
        assert!(AttemptOutcome::parse("garbled").is_final());
        for k in [ChannelKind::Webhook, ChannelKind::Teams, ChannelKind::Email] {
            assert_eq!(ChannelKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ChannelKind::parse("slack"), None);
    }

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'key'
        let sig = signature(b"key", 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(sig, "sha256=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03");
    }
}
