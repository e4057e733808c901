//! The identities at the single sign-on provider that sign in as each user: listed, linked by an admin's
//! decision (never by a matching e-mail address) and unlinked.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Administer, Caller};
use super::problem::{ApiError, Problem};
use super::{Body, PathOf, Reply};
use crate::domain::error::Violations;
use crate::domain::ids::UserId;
use crate::state::AppState;
use crate::store::sso::identities::{self, LinkedIdentity};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_identities).service(link_identity).service(get_identity).service(unlink_identity);
}

/// The identities that sign in as a user
#[utoipa::path(
    tag = "users",
    params(("user_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Vec<LinkedIdentity>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/users/{user_id}/identities")]
async fn list_identities(
    state: web::Data<AppState>,
    _caller: Caller<Administer>,
    path: PathOf<uuid::Uuid>,
) -> Reply<web::Json<Vec<LinkedIdentity>>> {
    let id = UserId(path?.into_inner());
    crate::store::users::find(&state.db, id).await?.ok_or(ApiError::NotFound("user"))?;
    Ok(web::Json(identities::list(&state.db, id).await?))
}

/// An identity at the provider to link.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
    "tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
    "object_id": "00000000-0000-0000-0000-000000000001"
}))]
pub struct LinkIdentity {
    /// The provider's issuer as its discovery document names it (see `POST /sso-settings/check`).
    pub issuer: String,
    /// The directory (`tid`).
    pub tenant_id: String,
    /// The person's object id in that directory (`oid`).
    pub object_id: String,
}

/// Link an identity to a user
///
/// The only way an existing account (a local one, say) signs in through the provider: an admin's decision,
/// never a matching e-mail address. 409 when the identity already signs in as an account.
#[utoipa::path(
    tag = "users",
    params(("user_id" = uuid::Uuid, Path)),
    request_body = LinkIdentity,
    responses(
        (status = 201, body = LinkedIdentity, headers(("Location" = String, description = "The linked identity"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/users/{user_id}/identities")]
async fn link_identity(
    state: web::Data<AppState>,
    caller: Caller<Administer>,
    path: PathOf<uuid::Uuid>,
    body: Body<LinkIdentity>,
) -> Reply<HttpResponse> {
    let id = UserId(path?.into_inner());
    let body = body?.into_inner();
    let mut violations = Violations::default();
    let (issuer, tenant_id, object_id) =
        (body.issuer.trim(), body.tenant_id.trim().to_lowercase(), body.object_id.trim().to_owned());
    for (field, value) in [("issuer", issuer), ("tenant_id", tenant_id.as_str()), ("object_id", object_id.as_str())] {
        if value.is_empty() || value.chars().count() > 256 {
            violations.add(field, "must be 1 to 256 characters");
        }
    }
    violations.finish()?;
    let linked =
        identities::link(&state.db, &caller.principal.actor(), state.clock.now(), id, issuer, &tenant_id, &object_id)
            .await?;
    let location = format!("/api/v1/users/{}/identities/{}", id, linked.id);
    Ok(HttpResponse::Created().insert_header((actix_web::http::header::LOCATION, location)).json(linked))
}

/// One identity linked to a user
#[utoipa::path(
    tag = "users",
    params(("user_id" = uuid::Uuid, Path), ("identity_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = LinkedIdentity),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/users/{user_id}/identities/{identity_id}")]
async fn get_identity(
    state: web::Data<AppState>,
    _caller: Caller<Administer>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<web::Json<LinkedIdentity>> {
    let (user, identity) = path?.into_inner();
    Ok(web::Json(identities::get(&state.db, UserId(user), identity).await?))
}

/// Unlink an identity from a user
///
/// That identity's next sign-in creates a new account (or is refused by the mapping).
#[utoipa::path(
    tag = "users",
    params(("user_id" = uuid::Uuid, Path), ("identity_id" = uuid::Uuid, Path)),
    responses(
        (status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[delete("/users/{user_id}/identities/{identity_id}")]
async fn unlink_identity(
    state: web::Data<AppState>,
    caller: Caller<Administer>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<HttpResponse> {
    let (user, identity) = path?.into_inner();
    identities::unlink(&state.db, &caller.principal.actor(), state.clock.now(), UserId(user), identity).await?;
    Ok(HttpResponse::NoContent().finish())
}
