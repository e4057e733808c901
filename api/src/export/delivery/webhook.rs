//! The generic webhook: a JSON POST with the notification, its message and its payload, signed so the receiver can
//! tell it came from this scoregrc and was not replayed:
//!
//! - `X-Scoregrc-Timestamp`: Unix seconds when it was sent;
//! - `X-Scoregrc-Signature`: `sha256=` + hex HMAC-SHA256 over `{timestamp}.{body}`, keyed with the channel's secret.
//!
//! A receiver recomputes the HMAC over the raw body, compares in constant time, and refuses timestamps more than
//! a few minutes old. `notification_id` is the same on every retry, so receivers can drop duplicates.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Envelope, http_outcome};
use crate::domain::delivery::signature;
use crate::domain::notification::{Fact, Message, MessageItem, Severity};
use crate::store::channels::SendResult;

/// The header with the send time.
pub const TIMESTAMP_HEADER: &str = "X-Scoregrc-Timestamp";
/// The header with the signature.
pub const SIGNATURE_HEADER: &str = "X-Scoregrc-Signature";
/// The header naming the notification's kind, for receivers that route before parsing.
pub const EVENT_HEADER: &str = "X-Scoregrc-Event";

#[derive(Serialize)]
struct AttachmentInfo<'a> {
    file_name: &'a str,
    content_type: &'a str,
    size: usize,
}

#[derive(Serialize)]
struct MessageBody<'a> {
    title: &'a str,
    summary: &'a str,
    severity: Severity,
    facts: &'a [Fact],
    items: &'a [MessageItem],
    link: Option<&'a str>,
    /// Listed only: the bytes are in the payload (base64), where the notification's writer put them.
    attachments: Vec<AttachmentInfo<'a>>,
}

#[derive(Serialize)]
struct Body<'a> {
    kind: &'a str,
    tenant_id: uuid::Uuid,
    notification_id: uuid::Uuid,
    created_at: DateTime<Utc>,
    message: MessageBody<'a>,
    payload: &'a serde_json::Value,
}

/// The JSON body a webhook receives.
pub fn body(envelope: &Envelope<'_>, message: &Message) -> Vec<u8> {
    let body = Body {
        kind: envelope.kind,
        tenant_id: envelope.tenant_id,
        notification_id: envelope.notification_id,
        created_at: envelope.created_at,
        message: MessageBody {
            title: &message.title,
            summary: &message.summary,
            severity: message.severity,
            facts: &message.facts,
            items: &message.items,
            link: message.link.as_deref(),
            attachments: message
                .attachments
                .iter()
                .map(|a| AttachmentInfo { file_name: &a.file_name, content_type: &a.content_type, size: a.bytes.len() })
                .collect(),
        },
        payload: envelope.payload,
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

/// POSTs the signed body to `url`.
pub async fn send(
    http: &reqwest::Client,
    url: &str,
    secret: &str,
    envelope: &Envelope<'_>,
    message: &Message,
    now: DateTime<Utc>,
) -> SendResult {
    let body = body(envelope, message);
    let timestamp = now.timestamp();
    let signed = signature(secret.as_bytes(), timestamp, &body);
    let sent = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, signed)
        .header(EVENT_HEADER, envelope.kind)
        .body(body)
        .send()
        .await;
    http_outcome(sent).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notification::Attachment;
    use chrono::TimeZone;

    #[test]
    fn the_body_carries_the_notification_the_message_and_the_payload() {
        let payload = serde_json::json!({"reference": "RA-1"});
        let created_at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().unwrap_or_default();
        let envelope = Envelope {
            notification_id: uuid::Uuid::from_u128(7),
            kind: "risk_acceptance.review_due",
            tenant_id: uuid::Uuid::from_u128(1),
            created_at,
            payload: &payload,
        };
        let message = Message {
            title: "Review due".into(),
            summary: "s".into(),
            severity: Severity::Warning,
            facts: vec![Fact { name: "Reference".into(), value: "RA-1".into() }],
            items: Vec::new(),
            link: None,
            attachments: vec![Attachment {
                file_name: "a.png".into(),
                content_type: "image/png".into(),
                bytes: vec![1, 2, 3],
            }],
        };
        let json: serde_json::Value = serde_json::from_slice(&body(&envelope, &message)).unwrap_or_default();
        assert_eq!(json["kind"], "risk_acceptance.review_due");
        assert_eq!(json["notification_id"], uuid::Uuid::from_u128(7).to_string());
        assert_eq!(json["created_at"], "2026-11-23T09:00:00Z");
        assert_eq!(json["message"]["severity"], "warning");
        assert_eq!(json["message"]["facts"][0], serde_json::json!({"name": "Reference", "value": "RA-1"}));
        assert_eq!(
            json["message"]["attachments"][0],
            serde_json::json!({"file_name": "a.png", "content_type": "image/png", "size": 3})
        );
        assert_eq!(json["payload"], payload);
    }
}
