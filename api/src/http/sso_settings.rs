//! Admin configuration of single sign-on (the client secret write-only) and a check that reaches the provider.

use actix_web::{HttpRequest, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Administer, Caller, expected_version};
use super::problem::Problem;
use super::sso::redirect_uri;
use super::{Body, Reply};
use crate::domain::ValidationError;
use crate::domain::error::Violations;
use crate::domain::ids::TenantId;
use crate::domain::role::Role;
use crate::domain::sso::{ClaimKind, MappingRule, SsoSettings};
use crate::state::AppState;
use crate::store::sso::{self as stored, SsoConfig};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_sso_settings).service(put_sso_settings).service(check_sso_provider);
}

/// The single sign-on configuration as admins see it: everything but the client secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SsoSettingsView {
    pub enabled: bool,
    /// The provider's issuer URL, e.g. `https://login.microsoftonline.com/organizations/v2.0`.
    pub issuer: String,
    pub client_id: String,
    /// Whether a client secret is stored (the secret itself is never answered).
    pub client_secret_set: bool,
    /// The directories (`tid`) whose people and applications may sign in; empty lets nobody in.
    pub allowed_tenant_ids: Vec<String>,
    pub rules: Vec<MappingRule>,
    pub accept_access_tokens: bool,
    pub accept_v1_access_tokens: bool,
    pub app_id_uri: Option<String>,
    pub button_label: String,
    /// The redirect URI to register at the provider.
    pub redirect_uri: String,
    /// 0 while never configured.
    pub version: i64,
}

fn view(config: SsoConfig, redirect_uri: String) -> SsoSettingsView {
    let s = config.settings;
    SsoSettingsView {
        enabled: s.enabled,
        issuer: s.issuer,
        client_id: s.client_id,
        client_secret_set: config.client_secret_set,
        allowed_tenant_ids: s.allowed_tenant_ids,
        rules: s.rules,
        accept_access_tokens: s.accept_access_tokens,
        accept_v1_access_tokens: s.accept_v1_access_tokens,
        app_id_uri: s.app_id_uri,
        button_label: s.button_label,
        redirect_uri,
        version: config.version,
    }
}

/// The single sign-on configuration
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = SsoSettingsView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/sso-settings")]
async fn get_sso_settings(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: Caller<Administer>,
) -> Reply<web::Json<SsoSettingsView>> {
    Ok(web::Json(view(stored::get(&state.db).await?, redirect_uri(&state, &req))))
}

/// A new single sign-on configuration.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "enabled": true,
    "issuer": "https://login.microsoftonline.com/organizations/v2.0",
    "client_id": "11111111-2222-3333-4444-555555555555",
    "client_secret": "the secret from the app registration",
    "allowed_tenant_ids": ["72f988bf-86f1-41af-91ab-2d7cd011db47"],
    "rules": [{"claim": "role", "value": "Scoregrc.Engineer", "role": "engineer", "tenant_ids": []}],
    "version": 0
}))]
pub struct PutSsoSettings {
    pub enabled: bool,
    pub issuer: String,
    pub client_id: String,
    /// Write-only. Omitted or null keeps the stored secret; required the first time single sign-on is turned on.
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub allowed_tenant_ids: Vec<String>,
    #[serde(default)]
    pub rules: Vec<RuleInput>,
    #[serde(default)]
    pub accept_access_tokens: bool,
    #[serde(default)]
    pub accept_v1_access_tokens: bool,
    #[serde(default)]
    pub app_id_uri: Option<String>,
    /// Defaults to "Sign in with Microsoft".
    #[serde(default)]
    pub button_label: Option<String>,
    /// The version the change is based on (or send `If-Match`); 0 for the first configuration.
    pub version: Option<i64>,
}

/// A mapping rule as sent: its claim and role read as text, so a wrong one is reported at its field
/// (`rules[1].role`), not as an unreadable body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// `role` (a value of the token's `roles` claim) or `group` (a value of its `groups` claim).
    #[schema(value_type = ClaimKind)]
    pub claim: String,
    /// The app role's value (e.g. `Scoregrc.Ciso`) or the group's object id.
    pub value: String,
    /// The scoregrc role the rule gives.
    #[schema(value_type = Role)]
    pub role: String,
    /// The scoregrc tenants the rule makes the person a member of.
    #[serde(default)]
    pub tenant_ids: Vec<TenantId>,
}

/// The rules as the domain takes them, each wrong claim or role named by its field.
fn rules_from(input: Vec<RuleInput>) -> Result<Vec<MappingRule>, ValidationError> {
    let mut violations = Violations::default();
    let mut rules = Vec::with_capacity(input.len());
    for (i, rule) in input.into_iter().enumerate() {
        let claim = match rule.claim.trim() {
            "role" => Some(ClaimKind::Role),
            "group" => Some(ClaimKind::Group),
            other => {
                violations.add(format!("rules[{i}].claim"), format!("`{other}` is not a claim; use role or group"));
                None
            }
        };
        let role = match rule.role.trim().parse::<Role>() {
            Ok(role) => Some(role),
            Err(e) => {
                let message = e.errors.into_iter().next().map(|f| f.message).unwrap_or_default();
                violations.add(format!("rules[{i}].role"), message);
                None
            }
        };
        if let (Some(claim), Some(role)) = (claim, role) {
            rules.push(MappingRule { claim, value: rule.value, role, tenant_ids: rule.tenant_ids });
        }
    }
    violations.finish().map(|()| rules)
}

/// Replace the single sign-on configuration
///
/// Checked as a whole: an `https` issuer (plain `http` only on this machine), a client id and secret to turn it
/// on, tenants that exist, a v1 audience when v1 tokens are accepted. Recorded in the platform audit trail
/// without the secret. The provider's cached metadata and keys are dropped.
#[utoipa::path(
    tag = "auth",
    request_body = PutSsoSettings,
    responses(
        (status = 200, body = SsoSettingsView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[put("/sso-settings")]
async fn put_sso_settings(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller<Administer>,
    body: Body<PutSsoSettings>,
) -> Reply<web::Json<SsoSettingsView>> {
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let rules = rules_from(body.rules)?;
    let settings = SsoSettings {
        enabled: body.enabled,
        issuer: body.issuer,
        client_id: body.client_id,
        allowed_tenant_ids: body.allowed_tenant_ids,
        rules,
        accept_access_tokens: body.accept_access_tokens,
        accept_v1_access_tokens: body.accept_v1_access_tokens,
        app_id_uri: body.app_id_uri,
        button_label: body.button_label.unwrap_or_else(|| SsoSettings::default().button_label),
    };
    let (actor, now, key) = (caller.principal.actor(), state.clock.now(), &state.importer.data_key);
    let stored = stored::set(&state.db, key, &actor, now, settings, body.client_secret, version).await?;
    state.principals.oidc().forget().await;
    state.principals.forget_all();
    Ok(web::Json(view(stored, redirect_uri(&state, &req))))
}

/// What checking the provider found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProviderCheck {
    /// Whether the discovery document and the signing keys were fetched and read.
    pub reachable: bool,
    /// What failed, when something did.
    pub problem: Option<String>,
    /// The issuer its tokens carry (Entra's multi-tenant endpoints keep a `{tenantid}` placeholder here).
    pub issuer: Option<String>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    /// How many signing keys the provider publishes.
    pub signing_keys: usize,
}

/// Check the provider
///
/// Fetches the configured issuer's discovery document and signing keys now and answers what they say, or what
/// failed (`reachable: false` and the problem): the check itself worked either way.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = ProviderCheck),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "No issuer is configured"),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/sso-settings/check")]
async fn check_sso_provider(
    state: web::Data<AppState>,
    _caller: Caller<Administer>,
) -> Reply<web::Json<ProviderCheck>> {
    let issuer = stored::get(&state.db).await?.settings.issuer;
    if issuer.is_empty() {
        return Err(ValidationError::field("issuer", "is not configured yet").into());
    }
    Ok(web::Json(match state.principals.oidc().check(&issuer).await {
        Ok((discovery, signing_keys)) => ProviderCheck {
            reachable: true,
            problem: None,
            issuer: Some(discovery.issuer),
            authorization_endpoint: Some(discovery.authorization_endpoint),
            token_endpoint: Some(discovery.token_endpoint),
            jwks_uri: Some(discovery.jwks_uri),
            signing_keys,
        },
        Err(e) => ProviderCheck {
            reachable: false,
            problem: Some(e.to_string()),
            issuer: None,
            authorization_endpoint: None,
            token_endpoint: None,
            jwks_uri: None,
            signing_keys: 0,
        },
    }))
}
