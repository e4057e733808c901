//! The envelope monitoring alerts (`alert.*`) and the weekly digest (`digest.weekly`) are written in: title,
//! summary, severity, facts, items, link, and for the digest base64 attachments (its PNG trend chart).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::Value;

use super::{Attachment, Fact, Message, MessageItem, Severity, text, web_link};

/// The envelope monitoring alerts and the weekly digest are written in.
#[derive(Debug, Deserialize)]
struct Envelope {
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    severity: Option<Value>,
    #[serde(default)]
    facts: Vec<EnvelopeFact>,
    #[serde(default)]
    items: Vec<EnvelopeItem>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    attachments: Vec<EnvelopeAttachment>,
}

#[derive(Debug, Deserialize)]
struct EnvelopeFact {
    name: String,
    #[serde(default)]
    value: Value,
}

#[derive(Debug, Deserialize)]
struct EnvelopeItem {
    title: String,
    #[serde(default)]
    detail: Value,
}

#[derive(Debug, Deserialize)]
struct EnvelopeAttachment {
    file_name: String,
    content_type: String,
    base64: String,
}

pub(super) fn message(payload: &Value) -> Option<Message> {
    let e: Envelope = serde_json::from_value(payload.clone()).ok()?;
    // An unknown severity is still worth attention: read it as a warning rather than drop the message.
    let severity = e.severity.and_then(|s| serde_json::from_value(s).ok()).unwrap_or(Severity::Warning);
    let attachments = e
        .attachments
        .into_iter()
        .filter_map(|a| {
            let clean: String = a.base64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let bytes = STANDARD.decode(clean).ok()?;
            Some(Attachment { file_name: a.file_name, content_type: a.content_type, bytes })
        })
        .collect();
    Some(Message {
        title: e.title,
        summary: e.summary,
        severity,
        facts: e.facts.into_iter().map(|f| Fact { name: f.name, value: text(&f.value) }).collect(),
        items: e.items.into_iter().map(|i| MessageItem { title: i.title, detail: text(&i.detail) }).collect(),
        link: web_link(e.link),
        attachments,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{CONTOSO, value};
    use super::super::{Attachment, Fact, MessageItem, Severity, WEEKLY_DIGEST, compose};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde_json::json;

    #[test]
    fn an_alert_envelope_keeps_its_facts_items_severity_and_link() {
        let payload = json!({
            "title": "Secure Score dropped 2.1 points", "summary": "From 61.2 % to 59.1 %.", "severity": "critical",
            "facts": [{"name": "Before", "value": "61.2 %"}, {"name": "Drop", "value": 2.1}],
            "items": [{"title": "Require MFA for admins", "detail": "10 → 0 points"}],
            "link": "https://grc.contoso.com/tenants/x/alerts/1",
        });
        let message = compose("alert.score_drop", &payload, &CONTOSO);
        assert_eq!(message.title, "Secure Score dropped 2.1 points");
        assert_eq!(message.severity, Severity::Critical);
        assert_eq!(message.facts[0], Fact { name: "Before".into(), value: "61.2 %".into() });
        assert_eq!(value(&message, "Drop").as_deref(), Some("2.1"), "numbers are shown as written");
        assert_eq!(
            message.items,
            vec![MessageItem { title: "Require MFA for admins".into(), detail: "10 → 0 points".into() }]
        );
        assert_eq!(message.link.as_deref(), Some("https://grc.contoso.com/tenants/x/alerts/1"));
        assert!(message.attachments.is_empty());
    }

    #[test]
    fn only_web_links_are_kept_and_an_unknown_severity_reads_as_a_warning() {
        let payload = json!({"title": "t", "summary": "s", "severity": "apocalyptic", "link": "javascript:alert(1)"});
        let message = compose("alert.regression", &payload, &CONTOSO);
        assert_eq!((message.severity, message.link), (Severity::Warning, None));
    }

    #[test]
    fn the_weekly_digest_carries_its_chart_as_an_attachment() {
        let png = [0x89u8, b'P', b'N', b'G', 13, 10, 26, 10];
        let payload = json!({
            "title": "Weekly Secure Score digest", "summary": "61.2 % (+0.4)", "severity": "info", "facts": [],
            "items": [], "link": null,
            "attachments": [
                {"file_name": "trend.png", "content_type": "image/png", "base64": STANDARD.encode(png)},
                {"file_name": "broken.png", "content_type": "image/png", "base64": "not base64!"},
            ],
        });
        let message = compose(WEEKLY_DIGEST, &payload, &CONTOSO);
        assert_eq!(message.severity, Severity::Info);
        assert_eq!(
            message.attachments,
            vec![Attachment { file_name: "trend.png".into(), content_type: "image/png".into(), bytes: png.to_vec() }],
            "an attachment that does not decode is left out, the message is not"
        );
    }
}
