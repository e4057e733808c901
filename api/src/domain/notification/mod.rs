//! What a notification says: each outbox row (a kind and its JSON payload) becomes one channel-neutral
//! [`Message`] that the webhook, Teams and e-mail senders render their own way. A kind this version does not know,
//! or a payload that does not parse, still makes a message naming the kind: a notification is never lost because
//! its text could not be written.

mod envelope;
mod register;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A review reminder of an approved risk acceptance (written by the register's sweep at 30, 7 and 0 days).
pub const REVIEW_DUE: &str = "risk_acceptance.review_due";
/// An approval not renewed by its review date plus grace (written by the register's sweep).
pub const EXPIRED: &str = "risk_acceptance.expired";
/// The weekly digest: the alert envelope plus attachments (a PNG trend chart).
pub const WEEKLY_DIGEST: &str = "digest.weekly";
/// A test message an admin asked for, for one channel.
pub const CHANNEL_TEST: &str = "channel.test";
/// Score drops, regressions and other monitoring alerts share this prefix and the alert envelope.
pub const ALERT_PREFIX: &str = "alert.";

/// How urgent a message is; senders colour and prefix by it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Info,
    Warning,
    Critical,
}

impl Severity {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// One labelled value (`Score` → `61.2 %`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fact {
    pub name: String,
    pub value: String,
}

/// One line of a list (the items whose points fell, the top five to fix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MessageItem {
    pub title: String,
    pub detail: String,
}

/// A file sent with the message (e-mail attaches it; the webhook lists it, its payload carries the bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A notification as people read it, whatever the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub title: String,
    pub summary: String,
    pub severity: Severity,
    pub facts: Vec<Fact>,
    pub items: Vec<MessageItem>,
    /// Where to read more; only http(s) links are kept.
    pub link: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// What a message may mention besides its payload.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The tenant's display name, added as the `Tenant` fact so a team watching several tenants can tell them apart.
    pub tenant_name: &'a str,
}

/// Turns an outbox row into its message.
pub fn compose(kind: &str, payload: &Value, context: &Context<'_>) -> Message {
    let composed = match kind {
        REVIEW_DUE => register::review_due(payload),
        EXPIRED => register::expired(payload),
        CHANNEL_TEST => Some(channel_test(payload)),
        WEEKLY_DIGEST => envelope::message(payload),
        _ if kind.starts_with(ALERT_PREFIX) => envelope::message(payload),
        _ => None,
    };
    let mut message = composed.unwrap_or_else(|| fallback(kind, payload));
    if !message.facts.iter().any(|f| f.name == "Tenant") {
        message.facts.push(fact("Tenant", context.tenant_name));
    }
    message
}

pub(super) fn fact(name: &str, value: impl Into<String>) -> Fact {
    Fact { name: name.to_owned(), value: value.into() }
}

pub(super) fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub(super) fn web_link(link: Option<String>) -> Option<String> {
    link.filter(|l| l.starts_with("https://") || l.starts_with("http://"))
}

/// The test message's payload, as the API and the CLI write it.
#[derive(Debug, Default, Deserialize)]
struct TestRequest {
    #[serde(default)]
    channel_name: Option<String>,
    #[serde(default)]
    requested_by: Option<String>,
}

fn channel_test(payload: &Value) -> Message {
    let request: TestRequest = serde_json::from_value(payload.clone()).unwrap_or_default();
    let name = request.channel_name.unwrap_or_else(|| "this channel".into());
    let mut facts = vec![fact("Channel", &name)];
    if let Some(by) = request.requested_by {
        facts.push(fact("Requested by", by));
    }
    Message {
        title: "scoregrc test message".into(),
        summary: format!(
            "This is a test of the alert channel {name}. If you can read it, scoregrc's alerts and reminders reach \
             you here."
        ),
        severity: Severity::Info,
        facts,
        items: Vec::new(),
        link: None,
        attachments: Vec::new(),
    }
}

/// Facts a generic message shows at most, so a large payload does not swamp a card.
const FALLBACK_FACTS: usize = 12;

fn fallback(kind: &str, payload: &Value) -> Message {
    let facts = payload
        .as_object()
        .map(|fields| {
            fields
                .iter()
                .filter(|(_, v)| !(v.is_object() || v.is_array() || v.is_null()))
                .take(FALLBACK_FACTS)
                .map(|(k, v)| fact(k, text(v)))
                .collect()
        })
        .unwrap_or_default();
    let title = payload.get("title").and_then(Value::as_str).map(str::to_owned);
    Message {
        title: title.unwrap_or_else(|| format!("scoregrc notification: {kind}")),
        summary: format!(
            "scoregrc raised a `{kind}` notification. Its details are below and in the webhook payload; this version \
             has no dedicated layout for it."
        ),
        severity: Severity::Info,
        facts,
        items: Vec::new(),
        link: web_link(payload.get("link").and_then(Value::as_str).map(str::to_owned)),
        attachments: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(super) const CONTOSO: Context<'static> = Context { tenant_name: "Contoso" };

    pub(super) fn value(message: &Message, name: &str) -> Option<String> {
        message.facts.iter().find(|f| f.name == name).map(|f| f.value.clone())
    }

    #[test]
    fn a_test_message_names_the_channel_and_who_asked() {
        let payload = json!({"channel_id": "0190…", "channel_name": "SOC Teams", "requested_by": "admin"});
        let message = compose(CHANNEL_TEST, &payload, &CONTOSO);
        assert_eq!(message.title, "scoregrc test message");
        assert!(message.summary.contains("SOC Teams"));
        assert_eq!(value(&message, "Requested by").as_deref(), Some("admin"));
        assert_eq!(value(&message, "Tenant").as_deref(), Some("Contoso"));
    }

    #[test]
    fn an_unknown_kind_or_a_malformed_payload_still_makes_a_message_naming_the_kind() {
        let message = compose("roadmap.slipped", &json!({"quarter": "2027-Q1", "items": 3, "nested": {}}), &CONTOSO);
        assert_eq!(message.title, "scoregrc notification: roadmap.slipped");
        assert!(message.summary.contains("`roadmap.slipped`"));
        assert_eq!(value(&message, "quarter").as_deref(), Some("2027-Q1"));
        assert_eq!(value(&message, "items").as_deref(), Some("3"));
        assert_eq!(value(&message, "nested"), None);
        // A known kind whose payload lacks what it needs falls back rather than failing.
        let broken = compose(REVIEW_DUE, &json!({"reference": 7}), &CONTOSO);
        assert_eq!(broken.title, "scoregrc notification: risk_acceptance.review_due");
        let not_an_object = compose("alert.score_drop", &json!("text"), &CONTOSO);
        assert_eq!(not_an_object.title, "scoregrc notification: alert.score_drop");
        assert_eq!(not_an_object.facts, vec![fact("Tenant", "Contoso")]);
    }

    #[test]
    fn a_tenant_fact_given_by_the_payload_is_not_repeated() {
        let payload = json!({"title": "t", "facts": [{"name": "Tenant", "value": "Fabrikam"}]});
        let message = compose("alert.x", &payload, &CONTOSO);
        assert_eq!(message.facts, vec![fact("Tenant", "Fabrikam")]);
    }
}
