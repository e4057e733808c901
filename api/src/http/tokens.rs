//! Service tokens for automation, issued and revoked by admins.

use actix_web::{HttpResponse, delete, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Administer, Caller};
use super::problem::Problem;
use super::{Body, PathOf, Query, Reply};
use crate::auth::service_token::{self, IssueToken, IssuedToken};
use crate::domain::ids::ServiceTokenId;
use crate::state::AppState;
use crate::store::page::{Page, PageParams};
use crate::store::tokens::{self, ServiceToken};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tokens).service(issue_token).service(get_token).service(revoke_token);
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
    let issued =
        service_token::issue(&state.db, &caller.principal.actor(), state.clock.now(), body?.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/tokens/{}", issued.token.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(issued))
}

/// Read a service token
///
/// Its role, tenants, state and last use; never the secret.
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
#[get("/tokens/{token_id}")]
async fn get_token(
    state: web::Data<AppState>,
    _caller: Caller<Administer>,
    path: PathOf<uuid::Uuid>,
) -> Reply<web::Json<ServiceToken>> {
    let id = ServiceTokenId(path?.into_inner());
    Ok(web::Json(tokens::get(&state.db, state.clock.now(), id).await?))
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
