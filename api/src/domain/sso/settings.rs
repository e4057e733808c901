//! What an admin configures for single sign-on, and the checks it must pass before it is stored.

use serde::{Deserialize, Serialize};

use crate::domain::ValidationError;
use crate::domain::error::Violations;
use crate::domain::ids::TenantId;
use crate::domain::role::Role;

/// The label of the sign-in button unless an admin words it otherwise.
pub const DEFAULT_BUTTON_LABEL: &str = "Sign in with Microsoft";
/// Mapping rules at most: a directory's roles and groups for one application, with room to spare.
pub const MAX_RULES: usize = 200;
/// Allowed directories at most.
pub const MAX_ALLOWED_TENANTS: usize = 100;

/// Which claim of the token a mapping rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// A value of the `roles` claim: an app role assigned to the person or application in the directory.
    Role,
    /// A value of the `groups` claim: a group's object id.
    Group,
}

/// A token whose `claim` holds `value` gets `role` in scoregrc and membership of `tenant_ids`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MappingRule {
    pub claim: ClaimKind,
    /// The app role's value (e.g. `Scoregrc.Ciso`) or the group's object id.
    pub value: String,
    pub role: Role,
    /// The scoregrc tenants the person becomes a member of (admins see every tenant anyway).
    #[serde(default)]
    pub tenant_ids: Vec<TenantId>,
}

/// The single sign-on configuration, without the client secret (the store keeps that sealed, apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoSettings {
    pub enabled: bool,
    /// The provider's issuer URL; its discovery document is at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// The directories (`tid`) whose people and applications may sign in.
    pub allowed_tenant_ids: Vec<String>,
    pub rules: Vec<MappingRule>,
    /// Whether API calls may carry the provider's access tokens for scoregrc (client-credentials applications).
    pub accept_access_tokens: bool,
    /// Whether v1 access tokens (issuer `https://sts.windows.net/{tid}/`, audience `app_id_uri`) count too.
    pub accept_v1_access_tokens: bool,
    /// The application ID URI (e.g. `api://scoregrc`): the audience of v1 access tokens.
    pub app_id_uri: Option<String>,
    pub button_label: String,
}

impl Default for SsoSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            issuer: String::new(),
            client_id: String::new(),
            allowed_tenant_ids: Vec::new(),
            rules: Vec::new(),
            accept_access_tokens: false,
            accept_v1_access_tokens: false,
            app_id_uri: None,
            button_label: DEFAULT_BUTTON_LABEL.to_owned(),
        }
    }
}

impl SsoSettings {
    /// Trims what people paste and checks every field, reporting every problem at once.
    pub fn normalised(mut self) -> Result<Self, ValidationError> {
        let mut violations = Violations::default();
        self.issuer = self.issuer.trim().trim_end_matches('/').to_owned();
        self.client_id = self.client_id.trim().to_owned();
        self.button_label = self.button_label.trim().to_owned();
        self.app_id_uri = self.app_id_uri.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
        // Checked at the index they were sent at, then blanks and repeats dropped, order kept.
        for (i, tid) in self.allowed_tenant_ids.iter().enumerate() {
            let fits = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.');
            let tid = tid.trim();
            if tid.len() > 64 || !tid.chars().all(fits) {
                violations.add(format!("allowed_tenant_ids[{i}]"), "must be a directory (tenant) id, e.g. a GUID");
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        self.allowed_tenant_ids = std::mem::take(&mut self.allowed_tenant_ids)
            .into_iter()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty() && seen.insert(t.clone()))
            .collect();
        if !self.issuer.is_empty() || self.enabled {
            violations.check(check_issuer(&self.issuer));
        }
        if self.enabled && self.client_id.is_empty() {
            violations.add("client_id", "is required to turn single sign-on on");
        }
        if self.client_id.chars().count() > 200 {
            violations.add("client_id", "must be at most 200 characters");
        }
        if self.allowed_tenant_ids.len() > MAX_ALLOWED_TENANTS {
            violations.add("allowed_tenant_ids", format!("may list at most {MAX_ALLOWED_TENANTS} directories"));
        }
        if self.rules.len() > MAX_RULES {
            violations.add("rules", format!("may hold at most {MAX_RULES} rules"));
        }
        for (i, rule) in self.rules.iter_mut().enumerate() {
            rule.value = rule.value.trim().to_owned();
            if rule.value.is_empty() || rule.value.chars().count() > 256 {
                violations.add(format!("rules[{i}].value"), "must be 1 to 256 characters");
            }
        }
        if self.accept_v1_access_tokens && self.app_id_uri.is_none() {
            violations.add("app_id_uri", "is required to accept v1 access tokens: it is their audience");
        }
        if self.button_label.is_empty() || self.button_label.chars().count() > 60 {
            violations.add("button_label", "must be 1 to 60 characters");
        }
        violations.finish().map(|()| self)
    }

    /// Every scoregrc tenant the rules name, for the caller to check they exist.
    pub fn named_tenants(&self) -> impl Iterator<Item = (usize, usize, TenantId)> + '_ {
        self.rules.iter().enumerate().flat_map(|(i, r)| r.tenant_ids.iter().enumerate().map(move |(j, t)| (i, j, *t)))
    }
}

/// An `https` URL without query or fragment; plain `http` only on a loopback host (a provider on this machine).
fn check_issuer(issuer: &str) -> Result<(), ValidationError> {
    let wrong = |message: &str| Err(ValidationError::field("issuer", message));
    let Ok(url) = url::Url::parse(issuer) else {
        return wrong("must be the provider's issuer URL, e.g. https://login.microsoftonline.com/organizations/v2.0");
    };
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return wrong("must use https (plain http only for a provider on this machine)");
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return wrong("must not carry a query, a fragment or credentials");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enabled() -> SsoSettings {
        SsoSettings {
            enabled: true,
            issuer: " https://login.microsoftonline.com/organizations/v2.0/ ".into(),
            client_id: " 11111111-2222-3333-4444-555555555555 ".into(),
            allowed_tenant_ids: vec!["AAAA-bbbb".into(), "aaaa-bbbb".into(), " ".into()],
            ..SsoSettings::default()
        }
    }

    fn fields(result: Result<SsoSettings, ValidationError>) -> Vec<String> {
        result.err().map(|e| e.errors.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    }

    #[test]
    fn pasted_values_are_trimmed_and_directories_deduplicated() {
        let settings = enabled().normalised().unwrap_or_default();
        assert_eq!(settings.issuer, "https://login.microsoftonline.com/organizations/v2.0");
        assert_eq!(settings.client_id, "11111111-2222-3333-4444-555555555555");
        assert_eq!(settings.allowed_tenant_ids, vec!["aaaa-bbbb".to_owned()]);
    }

    #[test]
    fn plain_http_is_refused_except_on_this_machine() {
        let mut s = enabled();
        s.issuer = "http://login.example.com/v2.0".into();
        assert_eq!(fields(s.clone().normalised()), vec!["issuer"]);
        s.issuer = "http://127.0.0.1:8080/organizations/v2.0".into();
        assert!(s.clone().normalised().is_ok());
        s.issuer = "https://login.example.com/v2.0?x=1".into();
        assert_eq!(fields(s.normalised()), vec!["issuer"]);
    }

    #[test]
    fn turning_it_on_needs_an_issuer_and_a_client_id() {
        let s = SsoSettings { enabled: true, ..SsoSettings::default() };
        assert_eq!(fields(s.normalised()), vec!["issuer", "client_id"]);
        assert!(SsoSettings::default().normalised().is_ok(), "the default (off, empty) is valid");
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut s = enabled();
        s.allowed_tenant_ids = vec![" ".into(), "zz-ok".into(), "not a tid!".into()];
        s.rules =
            vec![MappingRule { claim: ClaimKind::Group, value: " ".into(), role: Role::Auditor, tenant_ids: vec![] }];
        s.accept_v1_access_tokens = true;
        s.button_label = String::new();
        assert_eq!(
            fields(s.normalised()),
            vec!["allowed_tenant_ids[2]", "rules[0].value", "app_id_uri", "button_label"],
            "each directory is named by the index it was sent at"
        );
    }
}
