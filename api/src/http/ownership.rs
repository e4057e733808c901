//! Owner, tags and notes of an item.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Operate, ReadTenant, TenantCaller, expected_version};
use super::problem::Problem;
use super::{Body, PathOf, Reply};
use crate::domain::user::check_name;
use crate::state::AppState;
use crate::store::ownership::{self, Note, Ownership, check_tags};
use crate::store::ratings::Rater;
use crate::store::recommendations::{self, Recommendation};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(set_ownership).service(add_note).service(list_notes);
}

/// An item's owner (a member or a team) and tags.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"owner_team": "Identity team", "tags": ["q1", "mfa"], "version": 0}))]
pub struct SetOwnership {
    pub owner_user_id: Option<uuid::Uuid>,
    pub owner_team: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Set an item's owner and tags
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path), ("recommendation_id" = uuid::Uuid, Path)),
    request_body = SetOwnership,
    responses(
        (status = 200, body = Recommendation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[put("/tenants/{tenant_id}/recommendations/{recommendation_id}/ownership")]
async fn set_ownership(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    body: Body<SetOwnership>,
) -> Reply<web::Json<Recommendation>> {
    let id = path?.1;
    let body = body?.into_inner();
    let mut violations = crate::domain::Violations::default();
    let team = body
        .owner_team
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .and_then(|t| violations.check(check_name("owner_team", t, 200)));
    let tags = violations.check(check_tags(&body.tags)).unwrap_or_default();
    violations.finish()?;
    let version = expected_version(&req, body.version)?;
    let actor = caller.principal.actor();
    let rater = Rater { actor: &actor, now: state.clock.now(), tenant: caller.tenant.id };
    let new = Ownership { owner_user_id: body.owner_user_id, owner_team: team, tags, version: 0 };
    ownership::set(&state.db, rater, id, new, version).await?;
    Ok(web::Json(recommendations::get(&state.db, caller.tenant.id, id, state.clock.now()).await?))
}

/// A note to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"text": "Waiting for the break-glass accounts to be excluded first"}))]
pub struct AddNote {
    pub text: String,
}

/// Add a note to an item
///
/// Notes are append-only: who and when are kept, nothing is edited or deleted.
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path), ("recommendation_id" = uuid::Uuid, Path)),
    request_body = AddNote,
    responses(
        (status = 201, body = Note, headers(("Location" = String, description = "The item's notes"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/recommendations/{recommendation_id}/notes")]
async fn add_note(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    body: Body<AddNote>,
) -> Reply<HttpResponse> {
    let id = path?.1;
    let text = check_name("text", &body?.text, 5000)?;
    let actor = caller.principal.actor();
    let rater = Rater { actor: &actor, now: state.clock.now(), tenant: caller.tenant.id };
    let note = ownership::add_note(&state.db, rater, id, text).await?;
    let location = format!("/api/v1/tenants/{}/recommendations/{id}/notes", caller.tenant.id);
    Ok(HttpResponse::Created().insert_header(("Location", location)).json(note))
}

/// List an item's notes
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path), ("recommendation_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Vec<Note>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/recommendations/{recommendation_id}/notes")]
async fn list_notes(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<web::Json<Vec<Note>>> {
    let id = path?.1;
    recommendations::get(&state.db, caller.tenant.id, id, state.clock.now()).await?;
    Ok(web::Json(ownership::notes(&state.db, caller.tenant.id, id).await?))
}
