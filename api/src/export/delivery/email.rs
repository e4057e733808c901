//! E-mail over SMTP with `lettre`: STARTTLS required when the channel says so (plain SMTP otherwise, for a relay on
//! a trusted network), optional login, a plain-text and an HTML part, and the message's files (the weekly digest's
//! trend chart) as attachments. Mail clients strip SVG, so charts come as PNG.

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use maud::{DOCTYPE, html};
use std::str::FromStr;
use std::time::Duration;

use super::failed;
use crate::domain::channel::EmailSettings;
use crate::domain::notification::{Message, Severity};
use crate::store::channels::SendResult;

fn plain_text(message: &Message) -> String {
    let mut text = format!("{}\n{}\n\n{}\n", message.title, "=".repeat(message.title.chars().count()), message.summary);
    if !message.facts.is_empty() {
        text.push('\n');
        for fact in &message.facts {
            text.push_str(&format!("{}: {}\n", fact.name, fact.value));
        }
    }
    if !message.items.is_empty() {
        text.push('\n');
        for item in &message.items {
            match item.detail.as_str() {
                "" => text.push_str(&format!("- {}\n", item.title)),
                detail => text.push_str(&format!("- {}: {detail}\n", item.title)),
            }
        }
    }
    if let Some(link) = &message.link {
        text.push_str(&format!("\n{link}\n"));
    }
    text.push_str("\n-- \nSent by scoregrc\n");
    text
}

fn html_text(message: &Message) -> String {
    let colour = match message.severity {
        Severity::Info => "#1f2937",
        Severity::Warning => "#b45309",
        Severity::Critical => "#b91c1c",
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { (message.title) } }
            body style="font-family: Segoe UI, Helvetica, Arial, sans-serif; color: #1f2937" {
                h2 style={ "color: " (colour) } { (message.title) }
                p { (message.summary) }
                @if !message.facts.is_empty() {
                    table cellpadding="4" style="border-collapse: collapse" {
                        @for fact in &message.facts {
                            tr { th align="left" style="padding-right: 1em" { (fact.name) } td { (fact.value) } }
                        }
                    }
                }
                @if !message.items.is_empty() {
                    ul {
                        @for item in &message.items {
                            li { strong { (item.title) } @if !item.detail.is_empty() { ": " (item.detail) } }
                        }
                    }
                }
                @if let Some(link) = &message.link {
                    p { a href=(link) { "Open in scoregrc" } }
                }
                p style="color: #6b7280; font-size: small" { "Sent by scoregrc" }
            }
        }
    }
    .into_string()
}

/// The e-mail for `message`, dated `now`.
pub fn build(settings: &EmailSettings, message: &Message, now: DateTime<Utc>) -> Result<lettre::Message, String> {
    let from = Mailbox::from_str(&settings.from).map_err(|e| format!("the sender `{}`: {e}", settings.from))?;
    let mut builder =
        lettre::Message::builder().from(from).subject(format!("[scoregrc] {}", message.title)).date(now.into());
    for to in &settings.to {
        builder = builder.to(Mailbox::from_str(to).map_err(|e| format!("the recipient `{to}`: {e}"))?);
    }
    let text = MultiPart::alternative_plain_html(plain_text(message), html_text(message));
    let body = match message.attachments.as_slice() {
        [] => text,
        files => files.iter().fold(MultiPart::mixed().multipart(text), |body, file| {
            let content_type = ContentType::parse(&file.content_type)
                .or_else(|_| ContentType::parse("application/octet-stream"))
                .unwrap_or(ContentType::TEXT_PLAIN);
            body.singlepart(Attachment::new(file.file_name.clone()).body(file.bytes.clone(), content_type))
        }),
    };
    builder.multipart(body).map_err(|e| format!("the e-mail could not be built: {e}"))
}

fn transport(
    settings: &EmailSettings,
    password: Option<&str>,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls = if settings.starttls {
        let mut parameters = TlsParameters::builder(settings.host.clone());
        if let Some(pem) = &settings.ca_certificate {
            let certificate = Certificate::from_pem(pem.as_bytes())
                .map_err(|e| format!("the channel's CA certificate cannot be read: {e}"))?;
            parameters = parameters.add_root_certificate(certificate);
        }
        Tls::Required(parameters.build_rustls().map_err(|e| format!("TLS cannot be set up: {e}"))?)
    } else {
        Tls::None
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
        .port(settings.port)
        .tls(tls)
        .timeout(Some(timeout));
    if let (Some(user), Some(password)) = (&settings.username, password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.to_owned()));
    }
    Ok(builder.build())
}

/// Sends `message` through the channel's relay.
pub async fn send(
    settings: &EmailSettings,
    password: Option<&str>,
    message: &Message,
    now: DateTime<Utc>,
    timeout: Duration,
) -> SendResult {
    let email = match build(settings, message, now) {
        Ok(email) => email,
        Err(e) => return failed(e),
    };
    let mailer = match transport(settings, password, timeout) {
        Ok(mailer) => mailer,
        Err(e) => return failed(e),
    };
    match mailer.send(email).await {
        Ok(response) => {
            let text = response.message().collect::<Vec<_>>().join(" ");
            SendResult::Delivered { http_status: None, smtp_reply: Some(format!("{} {text}", response.code())) }
        }
        Err(e) => SendResult::Failed {
            error: super::causes(&e),
            http_status: None,
            smtp_reply: e.status().map(|code| code.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notification::{Attachment as File, Fact, MessageItem};
    use chrono::TimeZone;

    fn settings() -> EmailSettings {
        EmailSettings {
            host: "smtp.contoso.com".into(),
            port: 587,
            starttls: true,
            username: None,
            from: "scoregrc <alerts@contoso.com>".into(),
            to: vec!["soc@contoso.com".into(), "ciso@contoso.com".into()],
            ca_certificate: None,
        }
    }

    fn message() -> Message {
        Message {
            title: "Weekly digest <Contoso>".into(),
            summary: "61.2 % & rising".into(),
            severity: Severity::Info,
            facts: vec![Fact { name: "Score".into(), value: "61.2 %".into() }],
            items: vec![MessageItem { title: "Require MFA".into(), detail: "10 points".into() }],
            link: Some("https://grc.contoso.com/x".into()),
            attachments: vec![File {
                file_name: "trend.png".into(),
                content_type: "image/png".into(),
                bytes: vec![0x89, b'P', b'N', b'G'],
            }],
        }
    }

    #[test]
    fn the_mail_has_both_parts_the_attachment_and_escaped_html() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().unwrap_or_default();
        let email = build(&settings(), &message(), now).map(|m| String::from_utf8_lossy(&m.formatted()).into_owned());
        let text = email.unwrap_or_default();
        assert!(text.contains("Subject: [scoregrc] Weekly digest <Contoso>"), "{text}");
        assert!(text.contains("To: soc@contoso.com, ciso@contoso.com"), "{text}");
        assert!(text.contains("Date: Mon, 23 Nov 2026 09:00:00"), "dated by the injected clock: {text}");
        assert!(text.contains("Content-Type: text/plain"));
        assert!(text.contains("Content-Type: text/html"));
        assert!(text.contains("&lt;Contoso&gt;"), "user text is escaped in the HTML part");
        assert!(text.contains("filename=\"trend.png\""), "{text}");
        assert!(text.contains("Content-Type: image/png"));
    }

    #[test]
    fn a_bad_address_is_an_error_not_a_panic() {
        let mut s = settings();
        s.to = vec!["nobody".into()];
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().unwrap_or_default();
        assert!(build(&s, &message(), now).is_err_and(|e| e.contains("nobody")));
    }
}
