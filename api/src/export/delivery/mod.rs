//! Delivering notifications: one sender per channel kind (a signed JSON webhook, a Teams Adaptive Card, an e-mail
//! over SMTP), each bounded by a timeout so a slow receiver never holds the runner, and the dispatcher that drains
//! the outbox through them and records every attempt.

mod dispatch;
mod email;
mod teams;
mod webhook;

pub use dispatch::{ChannelTest, Dispatcher};
pub use teams::card;
pub use webhook::body as webhook_body;

use chrono::{DateTime, Utc};
use std::time::Duration;

use crate::domain::channel::ChannelSettings;
use crate::domain::notification::Message;
use crate::store::channels::{OpenedChannel, SendResult};

/// The notification a message was made from, as a webhook receiver gets it beside the message.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    pub notification_id: uuid::Uuid,
    pub kind: &'a str,
    pub tenant_id: uuid::Uuid,
    pub created_at: DateTime<Utc>,
    pub payload: &'a serde_json::Value,
}

/// Sends messages to channels; shared by the runner and the command line.
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    timeout: Duration,
}

/// How much of a receiver's error answer is kept with the attempt.
const ANSWER_EXCERPT: usize = 300;

impl Sender {
    /// A sender whose every attempt ends within `timeout`.
    pub fn new(timeout: Duration) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("scoregrc/", env!("CARGO_PKG_VERSION")))
            // A redirect would carry a signed body, or a Teams card, somewhere the admin did not configure.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { http, timeout })
    }

    /// Makes one attempt at delivering `message` to `channel`; `now` dates the signature and the e-mail.
    pub async fn send(
        &self,
        channel: &OpenedChannel,
        envelope: &Envelope<'_>,
        message: &Message,
        now: DateTime<Utc>,
    ) -> SendResult {
        let secret = channel.secret.as_deref();
        let attempt = async {
            match (&channel.settings, secret) {
                (ChannelSettings::Webhook(s), Some(secret)) => {
                    webhook::send(&self.http, &s.url, secret, envelope, message, now).await
                }
                (ChannelSettings::Teams(_), Some(url)) => teams::send(&self.http, url, message).await,
                (ChannelSettings::Email(s), password) => email::send(s, password, message, now, self.timeout).await,
                (_, None) => failed("the channel has no stored secret; an admin sets it again"),
            }
        };
        // Every sender has its own timeouts too; this bounds the attempt as a whole, connection and TLS included.
        match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_) => failed(format!("no answer within {} s", self.timeout.as_secs())),
        }
    }
}

fn failed(error: impl Into<String>) -> SendResult {
    SendResult::Failed { error: error.into(), http_status: None, smtp_reply: None }
}

/// The outcome of an HTTP POST: 2xx is delivered, anything else failed with the status and the start of the answer.
async fn http_outcome(sent: Result<reqwest::Response, reqwest::Error>) -> SendResult {
    match sent {
        Ok(response) if response.status().is_success() => {
            SendResult::Delivered { http_status: Some(response.status().as_u16()), smtp_reply: None }
        }
        Ok(response) => {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            let excerpt: String =
                text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(ANSWER_EXCERPT).collect();
            let error = match excerpt.trim() {
                "" => format!("HTTP {status}"),
                answer => format!("HTTP {status}: {answer}"),
            };
            SendResult::Failed { error, http_status: Some(status.as_u16()), smtp_reply: None }
        }
        // Without the URL: a Teams Workflows URL carries its signature in the query.
        Err(e) => failed(format!("no answer: {}", causes(&e.without_url()))),
    }
}

/// An error with its causes ("error sending request: connection refused"), which is what an admin can act on.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text = format!("{text}: {next}");
        }
        source = cause.source();
    }
    text
}
