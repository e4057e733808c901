//! Service tokens for automation, issued and revoked by admins.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Administer, Caller};
use super::problem::Problem;
use super::{Body, PathOf, Query, Reply};
use crate::auth::service_token;
use crate::domain::Violations;
use crate::domain::ids::{ServiceTokenId, TenantId};
use crate::domain::role::{Role, check_service_token_role};
use crate::domain::user::{check_name, service_token_expiry};
use crate::state::AppState;
use crate::store::page::{Page, PageParams};
use crate::store::tokens::{self, NewToken, ServiceToken};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tokens).service(issue_token).service(revoke_token);
}

/// A token to issue.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "nightly import", "role": "engineer", "tenant_ids": [], "expires_in_days": 90}))]
pub struct IssueToken {
    pub name: String,
    /// One role, never `admin`.
    pub role: Role,
    /// The tenants the token may see.
    pub tenant_ids: Vec<TenantId>,
    /// 1–365, default 90.
    pub expires_in_days: Option<i64>,
}

/// A freshly issued token: the only time the secret is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    /// Send as `Authorization: Bearer <secret>`. Store it now: it cannot be shown again.
    pub secret: String,
    pub token: ServiceToken,
}

/// The whole of issuing a token, shared by the API and the CLI.
pub async fn issue(
    state_db: &sea_orm::DatabaseConnection,
    actor: &crate::domain::audit::Actor,
    now: DateTime<Utc>,
    request: IssueToken,
) -> Reply<IssuedToken> {
    let mut violations = Violations::default();
    let name = violations.check(check_name("name", &request.name, 200));
    let role = violations.check(check_service_token_role(request.role));
    let expires_at = violations.check(service_token_expiry(now, request.expires_in_days));
    violations.finish()?;
    let (Some(name), Some(role), Some(expires_at)) = (name, role, expires_at) else {
        return Err(super::problem::ApiError::Internal("checked fields missing".into()));
    };
    let secret = service_token::generate(&mut rand::rngs::OsRng);
    let new = NewToken {
        name,
        role,
        tenant_ids: request.tenant_ids,
        expires_at,
        secret_sha256: service_token::digest(&secret),
    };
    let token = tokens::create(state_db, actor, now, new).await?;
    Ok(IssuedToken { secret, token })
}

/// List service tokens
#[utoipa::path(
    tag = "tokens",
    params(PageParams),
    responses(
        (status = 200, body = Page<ServiceToken>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/tokens")]
async fn list_tokens(
    state: web::Data<AppState>,
    _caller: Caller<Administer>,
    page: Query<PageParams>,
) -> Reply<web::Json<Page<ServiceToken>>> {
    let page = page?.parse()?;
    Ok(web::Json(tokens::list(&state.db, state.clock.now(), &page).await?))
}

/// Issue a service token
///
/// The secret is in the answer and nowhere else: only its SHA-256 is stored.
#[utoipa::path(
    tag = "tokens",
    request_body = IssueToken,
    responses(
        (status = 201, body = IssuedToken, headers(("Location" = String, description = "URL of the token list"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/tokens")]
async fn issue_token(
    state: web::Data<AppState>,
    caller: Caller<Administer>,
    body: Body<IssueToken>,
) -> Reply<HttpResponse> {
    let issued = issue(&state.db, &caller.principal.actor(), state.clock.now(), body?.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/tokens/{}", issued.token.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(issued))
}

/// Revoke a service token
///
/// The token stops working on its next request; its record stays for the trail.
#[utoipa::path(
    tag = "tokens",
    params(("token_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = ServiceToken),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[delete("/tokens/{token_id}")]
async fn revoke_token(
    state: web::Data<AppState>,
    caller: Caller<Administer>,
    path: PathOf<uuid::Uuid>,
) -> Reply<web::Json<ServiceToken>> {
    let id = ServiceTokenId(path?.into_inner());
    let token = tokens::revoke(&state.db, &caller.principal.actor(), state.clock.now(), id).await?;
    state.principals.forget_all();
    Ok(web::Json(token))
}
