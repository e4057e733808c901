//! Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received"; the Office 365
//! connectors it replaces are being retired). The flow's "Post card in a chat or channel" step takes an Adaptive
//! Card 1.4 in the `{"type": "message", "attachments": [...]}` envelope; Workflows answers 202 Accepted.

use serde_json::{Value, json};

use super::http_outcome;
use crate::domain::notification::{Message, Severity};
use crate::store::channels::SendResult;

/// Items a card lists at most: Teams refuses cards over about 28 KB.
const MAX_ITEMS: usize = 20;

/// The Workflows request body for `message`: an Adaptive Card 1.4 with the title, the summary, the facts, the items
/// and a button to the link.
pub fn card(message: &Message) -> Value {
    let colour = match message.severity {
        Severity::Info => "Default",
        Severity::Warning => "Warning",
        Severity::Critical => "Attention",
    };
    let mut body = vec![
        json!({"type": "TextBlock", "text": message.title, "weight": "Bolder", "size": "Medium", "color": colour, "wrap": true}),
        json!({"type": "TextBlock", "text": message.summary, "wrap": true}),
    ];
    if !message.facts.is_empty() {
        let facts: Vec<Value> = message.facts.iter().map(|f| json!({"title": f.name, "value": f.value})).collect();
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    for item in message.items.iter().take(MAX_ITEMS) {
        let text = if item.detail.is_empty() {
            format!("- **{}**", item.title)
        } else {
            format!("- **{}**: {}", item.title, item.detail)
        };
        body.push(json!({"type": "TextBlock", "text": text, "wrap": true, "spacing": "Small"}));
    }
    if message.items.len() > MAX_ITEMS {
        let more = format!("… and {} more", message.items.len() - MAX_ITEMS);
        body.push(json!({"type": "TextBlock", "text": more, "isSubtle": true, "wrap": true}));
    }
    let mut content = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if let Some(link) = &message.link {
        content["actions"] = json!([{"type": "Action.OpenUrl", "title": "Open in scoregrc", "url": link}]);
    }
    json!({
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": content}],
    })
}

/// POSTs the card to the Workflows URL.
pub async fn send(http: &reqwest::Client, url: &str, message: &Message) -> SendResult {
    http_outcome(http.post(url).json(&card(message)).send().await).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notification::{Fact, MessageItem};

    fn message() -> Message {
        Message {
            title: "Secure Score dropped 2.1 points".into(),
            summary: "From 61.2 % to 59.1 %.".into(),
            severity: Severity::Critical,
            facts: vec![Fact { name: "Tenant".into(), value: "Contoso".into() }],
            items: vec![MessageItem { title: "Require MFA".into(), detail: "10 → 0".into() }],
            link: Some("https://grc.contoso.com/x".into()),
            attachments: Vec::new(),
        }
    }

    #[test]
    fn the_card_is_an_adaptive_card_1_4_in_the_message_envelope() {
        let card = card(&message());
        assert_eq!(card["type"], "message");
        let attachment = &card["attachments"][0];
        assert_eq!(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
        let content = &attachment["content"];
        assert_eq!(content["version"], "1.4");
        assert_eq!(content["body"][0]["text"], "Secure Score dropped 2.1 points");
        assert_eq!(content["body"][0]["color"], "Attention");
        assert_eq!(content["body"][2]["facts"][0], json!({"title": "Tenant", "value": "Contoso"}));
        assert_eq!(content["body"][3]["text"], "- **Require MFA**: 10 → 0");
        assert_eq!(content["actions"][0]["url"], "https://grc.contoso.com/x");
    }

    #[test]
    fn long_item_lists_are_cut_with_a_count() {
        let mut m = message();
        m.items = (0..25).map(|i| MessageItem { title: format!("item {i}"), detail: String::new() }).collect();
        m.link = None;
        let card = card(&m);
        let body = card["attachments"][0]["content"]["body"].as_array().cloned().unwrap_or_default();
        assert_eq!(body.len(), 3 + MAX_ITEMS + 1);
        assert_eq!(body.last().map(|b| b["text"].clone()), Some(json!("… and 5 more")));
        assert!(card["attachments"][0]["content"].get("actions").is_none());
    }
}
