//! An alert channel's settings and the checks on them. Secrets (the webhook's HMAC key, the Teams Workflows URL,
//! whose `sig` parameter is a credential, and the SMTP password) are not part of the settings: they are sealed
//! apart and never shown.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use super::Violations;
use super::delivery::ChannelKind;

/// A generic webhook's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookSettings {
    /// Where the JSON body is POSTed (http or https).
    pub url: String,
}

/// A Teams Workflows webhook's settings: only a hint of the URL, whose query holds its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TeamsSettings {
    /// The URL without its query (`https://prod-00.westeurope.logic.azure.com/workflows/…/invoke`), to recognise it.
    pub url_hint: String,
}

/// An SMTP relay's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    /// Upgrade the connection with STARTTLS (required when true; plain SMTP when false).
    pub starttls: bool,
    /// The SMTP user, when the relay wants authentication (the password is write-only).
    pub username: Option<String>,
    /// The sender, `alerts@contoso.com` or `scoregrc <alerts@contoso.com>`.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// A PEM certificate to trust besides the public roots (a relay with an internal CA).
    pub ca_certificate: Option<String>,
}

/// A channel's settings, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChannelSettings {
    Webhook(WebhookSettings),
    Teams(TeamsSettings),
    Email(EmailSettings),
}

impl ChannelSettings {
    /// Which kind of channel these settings are for.
    pub fn kind(&self) -> ChannelKind {
        match self {
            ChannelSettings::Webhook(_) => ChannelKind::Webhook,
            ChannelSettings::Teams(_) => ChannelKind::Teams,
            ChannelSettings::Email(_) => ChannelKind::Email,
        }
    }
}

/// Longest channel name.
pub const MAX_NAME: usize = 100;
/// Shortest webhook signing secret: an HMAC key should not be guessable.
pub const MIN_WEBHOOK_SECRET: usize = 16;
/// Most recipients of one e-mail channel.
pub const MAX_RECIPIENTS: usize = 50;

/// A trimmed channel name of 1 to [`MAX_NAME`] characters.
pub fn check_name(field: &str, name: &str, violations: &mut Violations) -> String {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        violations.add(field, format!("must be 1 to {MAX_NAME} characters, without control characters"));
    }
    name.to_owned()
}

/// An absolute http(s) URL with a host.
pub fn check_url(field: &str, text: &str, violations: &mut Violations) {
    let ok = text.len() <= 2000
        && url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !ok {
        violations.add(field, "must be an absolute http:// or https:// URL");
    }
}

/// The URL without query and fragment, for showing a URL whose query is a secret.
pub fn url_hint(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_password(None);
            let _ = u.set_username("");
            u.to_string()
        }
        Err(_) => String::new(),
    }
}

/// A secret of `min` to 1000 characters.
pub fn check_secret(field: &str, secret: &str, min: usize, violations: &mut Violations) {
    let length = secret.chars().count();
    if length < min.max(1) || length > 1000 {
        violations.add(field, format!("must be {} to 1000 characters", min.max(1)));
    }
}

/// An e-mail address with an optional display name, as a mail header takes it.
pub fn check_mailbox(field: &str, text: &str, violations: &mut Violations) {
    if lettre::message::Mailbox::from_str(text.trim()).is_err() {
        violations.add(field, "must be an e-mail address, optionally with a name: `Name <user@example.com>`");
    }
}

/// A TCP port, 1–65535.
pub fn check_port(field: &str, port: i64, violations: &mut Violations) -> u16 {
    match u16::try_from(port) {
        Ok(p) if p > 0 => p,
        _ => {
            violations.add(field, "must be a port number from 1 to 65535");
            0
        }
    }
}

/// A host name or IP address.
pub fn check_host(field: &str, host: &str, violations: &mut Violations) -> String {
    let host = host.trim();
    let ok = !host.is_empty()
        && host.len() <= 253
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !ok {
        violations.add(field, "must be a host name or IP address");
    }
    host.to_owned()
}

/// One or more PEM certificates.
pub fn check_certificate(field: &str, pem: &str, violations: &mut Violations) {
    if pem.len() > 20_000 || !pem.contains("-----BEGIN CERTIFICATE-----") {
        violations.add(field, "must be a PEM certificate (`-----BEGIN CERTIFICATE-----` …)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(check: impl FnOnce(&mut Violations)) -> Vec<String> {
        let mut v = Violations::default();
        check(&mut v);
        v.finish().err().map(|e| e.errors.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    }

    #[test]
    fn urls_must_be_absolute_http_or_https() {
        assert!(faults(|v| check_url("url", "https://hooks.contoso.com/scoregrc", v)).is_empty());
        assert!(faults(|v| check_url("url", "http://127.0.0.1:8080/in", v)).is_empty());
        for bad in ["ftp://x", "hooks.contoso.com", "https://", "javascript:alert(1)", ""] {
            assert_eq!(faults(|v| check_url("webhook.url", bad, v)), ["webhook.url"], "{bad}");
        }
    }

    #[test]
    fn the_teams_hint_drops_the_signature_in_the_query() {
        let url = "https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SECRET";
        let hint = url_hint(url);
        assert_eq!(hint, "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke");
        assert!(!hint.contains("SECRET"));
        assert_eq!(url_hint("https://user:pw@example.com/x?y"), "https://example.com/x");
    }

    #[test]
    fn addresses_ports_hosts_and_secrets_are_checked() {
        assert!(faults(|v| check_mailbox("from", "scoregrc <alerts@contoso.com>", v)).is_empty());
        assert!(faults(|v| check_mailbox("to[0]", "soc@contoso.com", v)).is_empty());
        assert_eq!(faults(|v| check_mailbox("to[1]", "not an address", v)), ["to[1]"]);
        assert_eq!(faults(|v| assert_eq!(check_port("port", 587, v), 587)).len(), 0);
        for bad in [0, -1, 65_536] {
            assert_eq!(
                faults(|v| {
                    check_port("email.port", bad, v);
                }),
                ["email.port"]
            );
        }
        assert!(
            faults(|v| {
                check_host("host", "smtp.contoso.com", v);
            })
            .is_empty()
        );
        assert_eq!(
            faults(|v| {
                check_host("host", "smtp contoso", v);
            }),
            ["host"]
        );
        assert_eq!(faults(|v| check_secret("secret", "short", MIN_WEBHOOK_SECRET, v)), ["secret"]);
        assert!(faults(|v| check_secret("secret", "a long enough shared key", MIN_WEBHOOK_SECRET, v)).is_empty());
        assert_eq!(
            faults(|v| {
                check_name("name", "  ", v);
            }),
            ["name"]
        );
        assert_eq!(faults(|v| check_certificate("ca", "hello", v)), ["ca"]);
    }

    #[test]
    fn settings_are_stored_tagged_by_kind() {
        let settings = ChannelSettings::Webhook(WebhookSettings { url: "https://x.example/in".into() });
        let json = serde_json::to_value(&settings).unwrap_or_default();
        assert_eq!(json, serde_json::json!({"kind": "webhook", "url": "https://x.example/in"}));
        let back: Option<ChannelSettings> = serde_json::from_value(json).ok();
        assert_eq!(back.map(|s| s.kind()), Some(ChannelKind::Webhook));
    }
}
