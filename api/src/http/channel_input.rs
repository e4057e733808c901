//! The request bodies of the alert-channel routes and their checks: every field at fault is named in one 422.

use serde::Deserialize;

use crate::domain::channel::{
    ChannelSettings, EmailSettings, MAX_RECIPIENTS, MIN_WEBHOOK_SECRET, TeamsSettings, WebhookSettings,
    check_certificate, check_host, check_mailbox, check_name, check_port, check_secret, check_url, url_hint,
};
use crate::domain::delivery::ChannelKind;
use crate::domain::{ValidationError, Violations};
use crate::store::channels::{ChannelUpdate, NewChannel};

/// A generic webhook.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WebhookInput {
    /// Where the signed JSON is POSTed (http or https).
    pub url: String,
    /// The HMAC-SHA256 signing key, 16–1000 characters. Write-only: required when creating, omitted keeps it.
    pub secret: Option<String>,
}

/// A Microsoft Teams Workflows webhook.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TeamsInput {
    /// The flow's "When a Teams webhook request is received" URL. Write-only, as its `sig` parameter is a credential:
    /// required when creating, omitted keeps it.
    pub url: Option<String>,
}

/// An SMTP relay.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EmailInput {
    pub host: String,
    /// 1–65535; usually 587 with STARTTLS, 25 without.
    pub port: i64,
    /// Require STARTTLS (default); false sends in plain text, for a relay on a trusted network only.
    #[serde(default = "starttls_by_default")]
    pub starttls: bool,
    /// The SMTP user, when the relay wants a login.
    pub username: Option<String>,
    /// Write-only; omitted keeps the stored one. Needs `username`.
    pub password: Option<String>,
    /// The sender: `alerts@contoso.com` or `scoregrc <alerts@contoso.com>`.
    pub from: String,
    /// One or more recipients.
    pub to: Vec<String>,
    /// A PEM certificate to trust besides the public roots (a relay with an internal CA).
    pub ca_certificate: Option<String>,
}

fn starttls_by_default() -> bool {
    true
}

/// A channel to create: its name, its kind and the settings object of that kind.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "SOC webhook", "kind": "webhook",
    "webhook": {"url": "https://hooks.example.com/scoregrc", "secret": "a long shared signing secret"}}))]
pub struct NewAlertChannel {
    /// 1–100 characters, unique within the tenant.
    pub name: String,
    pub kind: ChannelKind,
    /// Default true.
    pub enabled: Option<bool>,
    pub webhook: Option<WebhookInput>,
    pub teams: Option<TeamsInput>,
    pub email: Option<EmailInput>,
}

/// A change to a channel. Omitted fields keep their value; a settings object, when given, replaces the stored
/// settings (its write-only secret may still be omitted). The kind cannot change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"enabled": true, "version": 1}))]
pub struct AlertChannelChange {
    pub name: Option<String>,
    /// False stops deliveries to the channel (an admin's test still goes through).
    pub enabled: Option<bool>,
    pub webhook: Option<WebhookInput>,
    pub teams: Option<TeamsInput>,
    pub email: Option<EmailInput>,
    /// The version the change is based on (or send `If-Match`); required.
    pub version: Option<i64>,
}

/// Settings and secret from whichever settings object was sent; `creating` makes the secret required.
fn settings(
    webhook: Option<WebhookInput>,
    teams: Option<TeamsInput>,
    email: Option<EmailInput>,
    creating: bool,
    v: &mut Violations,
) -> (Option<ChannelSettings>, Option<String>) {
    if let Some(w) = webhook {
        check_url("webhook.url", &w.url, v);
        match &w.secret {
            Some(secret) => check_secret("webhook.secret", secret, MIN_WEBHOOK_SECRET, v),
            None if creating => v.add("webhook.secret", "is required"),
            None => {}
        }
        return (Some(ChannelSettings::Webhook(WebhookSettings { url: w.url })), w.secret);
    }
    if let Some(t) = teams {
        return match t.url {
            Some(url) => {
                check_url("teams.url", &url, v);
                (Some(ChannelSettings::Teams(TeamsSettings { url_hint: url_hint(&url) })), Some(url))
            }
            None => {
                if creating {
                    v.add("teams.url", "is required");
                }
                (None, None)
            }
        };
    }
    let Some(e) = email else { return (None, None) };
    let host = check_host("email.host", &e.host, v);
    let port = check_port("email.port", e.port, v);
    check_mailbox("email.from", &e.from, v);
    if e.to.is_empty() || e.to.len() > MAX_RECIPIENTS {
        v.add("email.to", format!("needs 1 to {MAX_RECIPIENTS} recipients"));
    }
    for (i, to) in e.to.iter().enumerate() {
        check_mailbox(&format!("email.to[{i}]"), to, v);
    }
    let username = e.username.map(|u| u.trim().to_owned());
    if username.as_deref().is_some_and(|u| u.is_empty() || u.len() > 200) {
        v.add("email.username", "must be 1 to 200 characters");
    }
    if let Some(password) = &e.password {
        check_secret("email.password", password, 1, v);
    }
    if let Some(pem) = &e.ca_certificate {
        check_certificate("email.ca_certificate", pem, v);
    }
    let settings = EmailSettings {
        host,
        port,
        starttls: e.starttls,
        username,
        from: e.from.trim().to_owned(),
        to: e.to.iter().map(|t| t.trim().to_owned()).collect(),
        ca_certificate: e.ca_certificate,
    };
    (Some(ChannelSettings::Email(settings)), e.password)
}

/// Checks a new channel.
pub fn new_channel(body: NewAlertChannel) -> Result<NewChannel, ValidationError> {
    let mut v = Violations::default();
    let name = check_name("name", &body.name, &mut v);
    let given = [
        (ChannelKind::Webhook, body.webhook.is_some()),
        (ChannelKind::Teams, body.teams.is_some()),
        (ChannelKind::Email, body.email.is_some()),
    ];
    for (kind, present) in given {
        if kind == body.kind && !present {
            v.add(kind.as_str(), format!("is required for a {} channel", body.kind.as_str()));
        } else if kind != body.kind && present {
            v.add(kind.as_str(), format!("does not belong to a {} channel", body.kind.as_str()));
        }
    }
    let (webhook, teams, email) = match body.kind {
        ChannelKind::Webhook => (body.webhook, None, None),
        ChannelKind::Teams => (None, body.teams, None),
        ChannelKind::Email => (None, None, body.email),
    };
    let (settings, secret) = settings(webhook, teams, email, true, &mut v);
    v.finish()?;
    let settings = settings.ok_or_else(|| ValidationError::field(body.kind.as_str(), "is required"))?;
    Ok(NewChannel { name, enabled: body.enabled.unwrap_or(true), settings, secret })
}

/// Checks a change to a channel.
pub fn channel_change(body: AlertChannelChange, version: Option<i64>) -> Result<ChannelUpdate, ValidationError> {
    let mut v = Violations::default();
    let name = body.name.map(|n| check_name("name", &n, &mut v));
    if [body.webhook.is_some(), body.teams.is_some(), body.email.is_some()].iter().filter(|p| **p).count() > 1 {
        v.add("body", "send the settings object of the channel's own kind only");
    }
    let (settings, secret) = settings(body.webhook, body.teams, body.email, false, &mut v);
    v.finish()?;
    Ok(ChannelUpdate { name, enabled: body.enabled, settings, secret, version })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: ValidationError) -> Vec<String> {
        e.errors.into_iter().map(|f| f.field).collect()
    }

    fn email(port: i64, to: Vec<&str>) -> EmailInput {
        EmailInput {
            host: "smtp.contoso.com".into(),
            port,
            starttls: true,
            username: None,
            password: None,
            from: "alerts@contoso.com".into(),
            to: to.into_iter().map(str::to_owned).collect(),
            ca_certificate: None,
        }
    }

    #[test]
    fn every_field_at_fault_is_named() {
        let body = NewAlertChannel {
            name: "".into(),
            kind: ChannelKind::Email,
            enabled: None,
            webhook: Some(WebhookInput { url: "x".into(), secret: None }),
            teams: None,
            email: Some(email(70_000, vec!["ok@contoso.com", "not an address"])),
        };
        let faults = new_channel(body).err().map(fields).unwrap_or_default();
        assert_eq!(faults, ["name", "webhook", "email.port", "email.to[1]"]);
    }

    #[test]
    fn a_webhook_needs_its_secret_when_created_and_a_teams_url_is_the_secret() {
        let body = NewAlertChannel {
            name: "SOC".into(),
            kind: ChannelKind::Webhook,
            enabled: None,
            webhook: Some(WebhookInput { url: "https://hooks.example.com/in".into(), secret: None }),
            teams: None,
            email: None,
        };
        assert_eq!(new_channel(body).err().map(fields).unwrap_or_default(), ["webhook.secret"]);
        let teams = NewAlertChannel {
            name: "Teams".into(),
            kind: ChannelKind::Teams,
            enabled: Some(false),
            webhook: None,
            teams: Some(TeamsInput { url: Some("https://prod.logic.azure.com/workflows/1?sig=abc".into()) }),
            email: None,
        };
        let created = new_channel(teams).ok();
        assert_eq!(
            created.as_ref().and_then(|c| c.secret.clone()).as_deref(),
            Some("https://prod.logic.azure.com/workflows/1?sig=abc")
        );
        assert_eq!(
            created.map(|c| c.settings),
            Some(ChannelSettings::Teams(TeamsSettings { url_hint: "https://prod.logic.azure.com/workflows/1".into() }))
        );
    }

    #[test]
    fn a_change_may_leave_every_setting_alone() {
        let body = AlertChannelChange {
            name: None,
            enabled: Some(false),
            webhook: None,
            teams: None,
            email: None,
            version: Some(2),
        };
        let change = channel_change(body, Some(2)).ok();
        assert!(change.is_some_and(|c| c.settings.is_none() && c.secret.is_none() && c.enabled == Some(false)));
    }
}
