//! E-mail delivery against an SMTP sink started by the test: plain SMTP, STARTTLS with a certificate made for the
//! test and trusted through the channel's CA setting (the weekly digest's chart attached, the login's password
//! sealed), and a relay whose certificate is not trusted.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::alert_channels::{add_channel, channels_path, enqueue, wait_for};
use crate::helpers::{TestApp, json_of, spawn_app};
use crate::smtp_sink::SmtpSink;

fn email_channel(sink: &SmtpSink, starttls: bool) -> Value {
    json!({"name": "SOC mail", "kind": "email", "email": {
        "host": "127.0.0.1", "port": sink.port, "starttls": starttls,
        "from": "scoregrc <alerts@contoso.example>", "to": ["soc@contoso.example", "ciso@contoso.example"],
    }})
}

async fn last_attempt(app: &TestApp, tenant: &str, channel: &Value) -> Value {
    let path = format!("{}/{}/deliveries", channels_path(tenant), channel["id"].as_str().unwrap());
    wait_for(app, &path, |d| d["total"] == 1).await["items"][0].clone()
}

#[tokio::test]
async fn an_alert_goes_through_a_plain_smtp_relay_as_text_and_html() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let sink = SmtpSink::start(false).await;
    let channel = add_channel(&app, &tenant, email_channel(&sink, false)).await;
    let alert = json!({"title": "Secure Score dropped 2.1 points", "summary": "From 61.2 % to 59.1 %.",
        "severity": "critical", "facts": [{"name": "Drop", "value": "2.1 points"}],
        "items": [{"title": "Require MFA <admins>", "detail": "10 → 0"}], "link": "https://grc.contoso.example/a/1"});
    enqueue(&app, &tenant, "alert.score_drop", alert).await;

    let attempt = last_attempt(&app, &tenant, &channel).await;
    assert_eq!(attempt["outcome"], "delivered", "{attempt}");
    assert_eq!(attempt["smtp_reply"], "250 2.0.0 Ok: queued as 1");
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(!mail.encrypted && mail.login.is_none());
    assert_eq!(mail.from, "<alerts@contoso.example>");
    assert_eq!(mail.to, ["<soc@contoso.example>", "<ciso@contoso.example>"]);
    assert!(mail.data.contains("Subject: [scoregrc] Secure Score dropped 2.1 points"), "{}", mail.data);
    assert!(mail.data.contains("Content-Type: multipart/alternative"));
    assert!(mail.data.contains("Content-Type: text/plain; charset=utf-8"));
    assert!(mail.data.contains("Content-Type: text/html; charset=utf-8"));
    assert!(mail.data.contains("Require MFA &lt;admins&gt;"), "the HTML part escapes: {}", mail.data);
    assert!(mail.data.contains("https://grc.contoso.example/a/1"));
}

#[tokio::test]
async fn the_weekly_digest_goes_over_starttls_with_its_chart_attached_and_the_password_sealed() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let sink = SmtpSink::start(true).await;
    let mut body = email_channel(&sink, true);
    body["email"]["username"] = json!("scoregrc-relay");
    body["email"]["password"] = json!("RELAY-PASSWORD");
    body["email"]["ca_certificate"] = json!(sink.ca_pem.clone().unwrap());
    let channel = add_channel(&app, &tenant, body).await;
    assert_eq!(channel["email"]["has_password"], true);

    // A PNG as the digest writes it: the signature, and enough bytes that base64 wraps over several lines.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    png.extend((0..600u32).map(|i| (i * 7 % 251) as u8));
    let digest = json!({"title": "Weekly Secure Score digest", "summary": "61.2 % (+0.4 this week)",
        "severity": "info", "facts": [{"name": "Score", "value": "61.2 %"}], "items": [], "link": null,
        "attachments": [{"file_name": "trend.png", "content_type": "image/png", "base64": STANDARD.encode(&png)}]});
    enqueue(&app, &tenant, "digest.weekly", digest).await;

    let attempt = last_attempt(&app, &tenant, &channel).await;
    assert_eq!(attempt["outcome"], "delivered", "{attempt}");
    let mail = sink.mails().pop().unwrap();
    assert!(mail.encrypted, "STARTTLS before the message");
    assert_eq!(mail.login, Some(("scoregrc-relay".to_owned(), "RELAY-PASSWORD".to_owned())));
    assert!(mail.data.contains("Content-Type: multipart/mixed"));
    assert!(mail.data.contains("Content-Type: image/png"));
    assert_eq!(mail.attachment("trend.png"), Some(png));
    let shown =
        app.get(&format!("{}/{}", channels_path(&tenant), channel["id"].as_str().unwrap()), &app.admin_token).await;
    assert!(!shown.text().await.unwrap().contains("RELAY-PASSWORD"));
}

#[tokio::test]
async fn starttls_to_a_relay_whose_certificate_is_not_trusted_fails_and_says_why() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let sink = SmtpSink::start(true).await;
    let channel = add_channel(&app, &tenant, email_channel(&sink, true)).await;
    enqueue(&app, &tenant, "alert.score_drop", json!({"title": "t", "summary": "s", "severity": "info"})).await;
    let attempt = last_attempt(&app, &tenant, &channel).await;
    assert_eq!(attempt["outcome"], "failed");
    let error = attempt["error"].as_str().unwrap().to_lowercase();
    assert!(error.contains("certificate"), "{error}");
    assert!(sink.mails().is_empty());
    let notification =
        json_of(app.get(&format!("/api/v1/tenants/{tenant}/notifications"), &app.admin_token).await).await;
    assert_eq!(notification["items"][0]["state"], "pending", "retried later");
}
