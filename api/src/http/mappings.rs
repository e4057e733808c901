//! Changing an item's framework mappings by hand.

use actix_web::{delete, post, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Operate, TenantCaller};
use super::problem::Problem;
use super::{Body, PathOf, Reply};
use crate::domain::user::check_name;
use crate::state::AppState;
use crate::store::mappings::{self, MappingEdit};
use crate::store::recommendations::{self, Recommendation};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(add_mapping).service(remove_mapping).service(review_mapping);
}

fn reason(text: Option<String>) -> Result<Option<String>, crate::domain::ValidationError> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(|t| check_name("reason", t, 2000)).transpose()
}

/// A control to map.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"framework": "iso27001", "control_id": "8.15", "reason": "Sign-in logs feed our SIEM"}))]
pub struct AddMapping {
    /// `iso27001`, `nis2`, `gdpr` or the key of one of the tenant's own frameworks.
    pub framework: String,
    /// As in the catalog: `8.15`, `21.2.e`, `32.1.b`.
    pub control_id: String,
    pub reason: Option<String>,
}

/// Map an item to a framework control
///
/// To a control in force of a shipped framework or one of the tenant's own (not archived). Re-adding a shipped
/// default that was removed restores it. Alignment, bucket and coverage follow at once.
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path), ("recommendation_id" = uuid::Uuid, Path)),
    request_body = AddMapping,
    responses(
        (status = 200, body = Recommendation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such item, framework or control"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The control is retired or its framework archived"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/recommendations/{recommendation_id}/mappings")]
async fn add_mapping(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    body: Body<AddMapping>,
) -> Reply<web::Json<Recommendation>> {
    let id = path?.1;
    let body = body?.into_inner();
    let actor = caller.principal.actor();
    let edit = MappingEdit { actor: &actor, now: state.clock.now(), tenant: caller.tenant.id, item: id };
    mappings::add(&state.db, edit, &body.framework, &body.control_id, reason(body.reason)?).await?;
    Ok(web::Json(recommendations::get(&state.db, caller.tenant.id, id, state.clock.now()).await?))
}

/// Remove a mapping from an item
///
/// A removed shipped default stays removed when the catalog is updated.
#[utoipa::path(
    tag = "recommendations",
    params(
        ("tenant_id" = uuid::Uuid, Path),
        ("recommendation_id" = uuid::Uuid, Path),
        ("framework" = String, Path),
        ("control_id" = String, Path),
    ),
    responses(
        (status = 200, body = Recommendation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such item or mapping"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[delete("/tenants/{tenant_id}/recommendations/{recommendation_id}/mappings/{framework}/{control_id}")]
async fn remove_mapping(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, uuid::Uuid, String, String)>,
) -> Reply<web::Json<Recommendation>> {
    let (_, id, framework, control_id) = path?.into_inner();
    let actor = caller.principal.actor();
    let edit = MappingEdit { actor: &actor, now: state.clock.now(), tenant: caller.tenant.id, item: id };
    mappings::remove(&state.db, edit, &framework, &control_id, None).await?;
    Ok(web::Json(recommendations::get(&state.db, caller.tenant.id, id, state.clock.now()).await?))
}

/// Whether an item was reviewed and maps to nothing.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"reviewed": true, "note": "Zoom is not used here"}))]
pub struct MappingReview {
    pub reviewed: bool,
    pub note: Option<String>,
}

/// Mark an item "not mapped, reviewed"
///
/// Tells unmapped-by-decision apart from not-yet-looked-at. Adding a mapping clears the mark.
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path), ("recommendation_id" = uuid::Uuid, Path)),
    request_body = MappingReview,
    responses(
        (status = 200, body = Recommendation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[put("/tenants/{tenant_id}/recommendations/{recommendation_id}/mapping-review")]
async fn review_mapping(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    body: Body<MappingReview>,
) -> Reply<web::Json<Recommendation>> {
    let id = path?.1;
    let body = body?.into_inner();
    let actor = caller.principal.actor();
    let edit = MappingEdit { actor: &actor, now: state.clock.now(), tenant: caller.tenant.id, item: id };
    mappings::set_reviewed(&state.db, edit, body.reviewed, reason(body.note)?).await?;
    Ok(web::Json(recommendations::get(&state.db, caller.tenant.id, id, state.clock.now()).await?))
}
