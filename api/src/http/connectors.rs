//! Configuring a tenant's connectors to Microsoft (admin only). The client secret is write-only.

use actix_web::{HttpRequest, get, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Administer, TenantCaller, expected_version};
use super::problem::{ApiError, Problem};
use super::{Body, Reply};
use crate::domain::write_back::WriteBackSettings;
use crate::domain::{ValidationError, Violations};
use crate::state::AppState;
use crate::store::connectors::{self, Connector, ConnectorKind, ConnectorSettings, ConnectorWrite};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(put_graph_connector)
        .service(get_graph_connector)
        .service(put_defender_connector)
        .service(get_defender_connector);
}

/// A connector's settings and, when setting or rotating it, the client secret.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"azure_tenant_id": "contoso.onmicrosoft.com", "client_id": "00000000-0000-0000-0000-000000000001", "client_secret": "app secret", "subscription_ids": ["00000000-0000-0000-0000-0000000000aa"]}))]
pub struct PutConnector {
    pub azure_tenant_id: String,
    pub client_id: String,
    /// Write-only; required the first time, optional afterwards (omitted = keep the stored one).
    pub client_secret: Option<String>,
    pub login_base_url: Option<String>,
    pub graph_base_url: Option<String>,
    pub arm_base_url: Option<String>,
    /// Azure subscriptions to read (Defender for Cloud).
    #[serde(default)]
    pub subscription_ids: Vec<String>,
    /// Graph connector only: write team statuses back to Secure Score (needs `SecurityEvents.ReadWrite.All`).
    /// Omitted or null = off.
    pub write_back: Option<WriteBackSettings>,
    /// The version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

fn check_url(field: &str, value: &Option<String>, violations: &mut Violations) {
    if let Some(url) = value
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        violations.add(field, "must be an http(s) URL");
    }
}

fn checked(kind: ConnectorKind, body: PutConnector) -> Result<(ConnectorSettings, Option<String>), ValidationError> {
    let mut violations = Violations::default();
    let tenant = body.azure_tenant_id.trim().to_owned();
    if tenant.is_empty()
        || tenant.len() > 253
        || !tenant.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        violations.add("azure_tenant_id", "must be the tenant's GUID or domain name");
    }
    if body.client_id.trim().is_empty() || body.client_id.len() > 100 {
        violations.add("client_id", "must be the app registration's client id");
    }
    if body.client_secret.as_deref().is_some_and(|s| s.is_empty() || s.len() > 1000) {
        violations.add("client_secret", "must be 1 to 1000 characters");
    }
    check_url("login_base_url", &body.login_base_url, &mut violations);
    check_url("graph_base_url", &body.graph_base_url, &mut violations);
    check_url("arm_base_url", &body.arm_base_url, &mut violations);
    if kind == ConnectorKind::Defender && body.subscription_ids.is_empty() {
        violations.add("subscription_ids", "needs at least one Azure subscription id");
    }
    if kind != ConnectorKind::Graph && body.write_back.is_some_and(|w| w.enabled) {
        violations.add("write_back.enabled", "only the Graph connector writes back to Microsoft Secure Score");
    }
    for (i, id) in body.subscription_ids.iter().enumerate() {
        if uuid::Uuid::parse_str(id).is_err() {
            violations.add(format!("subscription_ids[{i}]"), "must be a subscription GUID");
        }
    }
    violations.finish()?;
    let settings = ConnectorSettings {
        azure_tenant_id: tenant,
        client_id: body.client_id.trim().to_owned(),
        login_base_url: body.login_base_url,
        graph_base_url: body.graph_base_url,
        arm_base_url: body.arm_base_url,
        subscription_ids: body.subscription_ids,
        write_back: body.write_back.unwrap_or_default(),
    };
    Ok((settings, body.client_secret))
}

async fn put_connector(
    state: &AppState,
    req: &HttpRequest,
    caller: &TenantCaller<Administer>,
    kind: ConnectorKind,
    body: PutConnector,
) -> Reply<web::Json<Connector>> {
    let version = expected_version(req, body.version)?;
    let (settings, client_secret) = checked(kind, body)?;
    let write = ConnectorWrite { settings, client_secret, version };
    let saved = connectors::put(
        &state.db,
        &state.importer.data_key,
        &caller.principal.actor(),
        state.clock.now(),
        caller.tenant.id,
        kind,
        write,
    )
    .await?;
    Ok(web::Json(saved))
}

async fn get_connector(
    state: &AppState,
    caller: &TenantCaller<Administer>,
    kind: ConnectorKind,
) -> Reply<web::Json<Connector>> {
    connectors::get(&state.db, caller.tenant.id, kind).await?.map(web::Json).ok_or(ApiError::NotFound("connector"))
}

/// Configure the Microsoft Graph connector
///
/// OAuth2 client credentials for an app registration with `SecurityEvents.Read.All` (and
/// `SecurityEvents.ReadWrite.All` when `write_back.enabled`). The secret is sealed at rest and never returned.
#[utoipa::path(
    tag = "connectors",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = PutConnector,
    responses(
        (status = 200, body = Connector),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[put("/tenants/{tenant_id}/connectors/graph")]
async fn put_graph_connector(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Administer>,
    body: Body<PutConnector>,
) -> Reply<web::Json<Connector>> {
    put_connector(&state, &req, &caller, ConnectorKind::Graph, body?.into_inner()).await
}

/// Read the Microsoft Graph connector
///
/// With the write-back queue: how many writes wait, how many items' newest write failed, and the newest failure.
#[utoipa::path(
    tag = "connectors",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Connector),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/tenants/{tenant_id}/connectors/graph")]
async fn get_graph_connector(
    state: web::Data<AppState>,
    caller: TenantCaller<Administer>,
) -> Reply<web::Json<Connector>> {
    get_connector(&state, &caller, ConnectorKind::Graph).await
}

/// Configure the Defender for Cloud connector
///
/// The same app credentials (with Reader or Security Reader on the subscriptions) and the subscriptions to read.
#[utoipa::path(
    tag = "connectors",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = PutConnector,
    responses(
        (status = 200, body = Connector),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[put("/tenants/{tenant_id}/connectors/defender")]
async fn put_defender_connector(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Administer>,
    body: Body<PutConnector>,
) -> Reply<web::Json<Connector>> {
    put_connector(&state, &req, &caller, ConnectorKind::Defender, body?.into_inner()).await
}

/// Read the Defender for Cloud connector
#[utoipa::path(
    tag = "connectors",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Connector),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/tenants/{tenant_id}/connectors/defender")]
async fn get_defender_connector(
    state: web::Data<AppState>,
    caller: TenantCaller<Administer>,
) -> Reply<web::Json<Connector>> {
    get_connector(&state, &caller, ConnectorKind::Defender).await
}
