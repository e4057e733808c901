//! The frameworks a tenant sees (shipped and its own), and a CISO or admin writing the tenant's own frameworks.
//! Shipped catalogs are read-only here: a write to one answers 409.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Govern, ReadTenant, TenantCaller, expected_version};
use super::problem::{ApiError, Problem};
use super::{Body, PathOf, Query, Reply};
use crate::domain::framework::{ControlDraft, ControlEditDraft, FrameworkDraft, FrameworkEditDraft};
use crate::state::AppState;
use crate::store::frameworks::{self, FrameworkDetail, FrameworkWrite, TenantFramework};
use crate::store::page::{Page, PageParams};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tenant_frameworks)
        .service(create_framework)
        .service(get_tenant_framework)
        .service(update_framework)
        .service(delete_framework)
        .service(add_framework_control)
        .service(update_framework_control);
}

fn writer<'a>(
    state: &AppState,
    actor: &'a crate::domain::audit::Actor,
    caller: &TenantCaller<Govern>,
) -> FrameworkWrite<'a> {
    FrameworkWrite { actor, now: state.clock.now(), tenant: caller.tenant.id }
}

/// Answers 404 before the body is judged when the tenant sees no framework `key` (checks run 404 → 403 → 422).
async fn seen(state: &AppState, caller: &TenantCaller<Govern>, key: &str) -> Result<(), ApiError> {
    match frameworks::visible(&state.db, caller.tenant.id, key).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound("framework")),
    }
}

fn location(tenant: uuid::Uuid, key: &str) -> String {
    format!("/api/v1/tenants/{tenant}/frameworks/{key}")
}

/// List the frameworks the tenant sees
///
/// The shipped catalogs (ISO/IEC 27001:2022, NIS2 Art. 21, GDPR Art. 32) first, then the tenant's own, each
/// marked `shipped` or `custom`. No other tenant sees a tenant's own frameworks.
#[utoipa::path(
    tag = "frameworks",
    params(("tenant_id" = uuid::Uuid, Path), PageParams),
    responses(
        (status = 200, body = Page<TenantFramework>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/frameworks")]
async fn list_tenant_frameworks(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    page: Query<PageParams>,
) -> Reply<web::Json<Page<TenantFramework>>> {
    let page = page?.parse()?;
    Ok(web::Json(frameworks::list(&state.db, caller.tenant.id, &page).await?))
}

/// Create a framework of the tenant's own
///
/// With its controls (at most 500; ids unique). The key is a lowercase slug no framework the tenant sees uses
/// (shipped keys included), and never changes. Items can then be mapped to its controls, it can join the audit
/// scope, and its coverage is read like a shipped framework's, for this tenant only.
#[utoipa::path(
    tag = "frameworks",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = FrameworkDraft,
    responses(
        (status = 201, body = FrameworkDetail, headers(("Location" = String, description = "URL of the new framework"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The key is taken, or the tenant holds the most frameworks it may"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso"]))
)]
#[post("/tenants/{tenant_id}/frameworks")]
async fn create_framework(
    state: web::Data<AppState>,
    caller: TenantCaller<Govern>,
    body: Body<FrameworkDraft>,
) -> Reply<HttpResponse> {
    let new = body?.into_inner().check()?;
    let actor = caller.principal.actor();
    let created = frameworks::create(&state.db, writer(&state, &actor, &caller), new).await?;
    Ok(HttpResponse::Created().insert_header(("Location", location(caller.tenant.id.0, &created.key))).json(created))
}

/// Read a framework with its controls
///
/// A shipped framework or the tenant's own, with every control in framework order (retired ones marked).
#[utoipa::path(
    tag = "frameworks",
    params(("tenant_id" = uuid::Uuid, Path), ("framework" = String, Path, description = "iso27001, nis2, gdpr or the tenant's own key")),
    responses(
        (status = 200, body = FrameworkDetail),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/frameworks/{framework}")]
async fn get_tenant_framework(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, String)>,
) -> Reply<web::Json<FrameworkDetail>> {
    let key = path?.into_inner().1;
    frameworks::get(&state.db, caller.tenant.id, &key).await?.map(web::Json).ok_or(ApiError::NotFound("framework"))
}

/// A change to a framework of the tenant's own.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "ACME information security policy 2027", "version": 1}))]
pub struct UpdateFramework {
    #[serde(flatten)]
    pub edit: FrameworkEditDraft,
    /// The version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Rename, describe, archive or restore a framework of the tenant's own
///
/// The key never changes. An archived framework stays readable (with its mappings and coverage) but takes no new
/// mappings and cannot join the audit scope; archiving is refused while the audit scope names it. Shipped
/// frameworks are read-only (409).
#[utoipa::path(
    tag = "frameworks",
    params(
        ("tenant_id" = uuid::Uuid, Path),
        ("framework" = String, Path, description = "The tenant's own framework key"),
        ("If-Match" = Option<String>, Header, description = "Version the change is based on"),
    ),
    request_body = UpdateFramework,
    responses(
        (status = 200, body = FrameworkDetail),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "A shipped framework, or archiving one the audit scope names"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso"]))
)]
#[patch("/tenants/{tenant_id}/frameworks/{framework}")]
async fn update_framework(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Govern>,
    path: PathOf<(uuid::Uuid, String)>,
    body: Body<UpdateFramework>,
) -> Reply<web::Json<FrameworkDetail>> {
    let key = path?.into_inner().1;
    seen(&state, &caller, &key).await?;
    let body = body?.into_inner();
    let edit = body.edit.check()?;
    let version = expected_version(&req, body.version)?;
    let actor = caller.principal.actor();
    Ok(web::Json(frameworks::update(&state.db, writer(&state, &actor, &caller), &key, edit, version).await?))
}

/// Delete an unused framework of the tenant's own
///
/// Only while no item maps to its controls and the audit scope does not name it; a framework in use is archived
/// instead (PATCH with `archived: true`), so its mappings and their history stay readable. The audit trail keeps
/// what it held. Shipped frameworks are read-only (409).
#[utoipa::path(
    tag = "frameworks",
    params(
        ("tenant_id" = uuid::Uuid, Path),
        ("framework" = String, Path, description = "The tenant's own framework key"),
        ("If-Match" = Option<String>, Header, description = "Version the deletion is based on"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "A shipped framework, or one in use"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "If-Match is not a version"),
    ),
    security(("bearer" = ["admin", "ciso"]))
)]
#[delete("/tenants/{tenant_id}/frameworks/{framework}")]
async fn delete_framework(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Govern>,
    path: PathOf<(uuid::Uuid, String)>,
) -> Reply<HttpResponse> {
    let key = path?.into_inner().1;
    seen(&state, &caller, &key).await?;
    let version = expected_version(&req, None)?;
    let actor = caller.principal.actor();
    frameworks::delete(&state.db, writer(&state, &actor, &caller), &key, version).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A control to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"control_id": "AC-3", "title": "Privileged access review", "theme": "Access",
    "description": "Privileged roles are reviewed monthly.", "version": 1}))]
pub struct AddControl {
    #[serde(flatten)]
    pub control: ControlDraft,
    /// The framework version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Add a control to a framework of the tenant's own
///
/// At the end of the framework order. Answers the framework with its new version. Shipped frameworks are
/// read-only (409).
#[utoipa::path(
    tag = "frameworks",
    params(
        ("tenant_id" = uuid::Uuid, Path),
        ("framework" = String, Path, description = "The tenant's own framework key"),
        ("If-Match" = Option<String>, Header, description = "Version the change is based on"),
    ),
    request_body = AddControl,
    responses(
        (status = 201, body = FrameworkDetail, headers(("Location" = String, description = "URL of the framework, which now holds the control"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "A shipped or archived framework, a control id taken, or the framework full"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso"]))
)]
#[post("/tenants/{tenant_id}/frameworks/{framework}/controls")]
async fn add_framework_control(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Govern>,
    path: PathOf<(uuid::Uuid, String)>,
    body: Body<AddControl>,
) -> Reply<HttpResponse> {
    let key = path?.into_inner().1;
    seen(&state, &caller, &key).await?;
    let body = body?.into_inner();
    let control = body.control.check("")?;
    let version = expected_version(&req, body.version)?;
    let actor = caller.principal.actor();
    let updated = frameworks::add_control(&state.db, writer(&state, &actor, &caller), &key, control, version).await?;
    Ok(HttpResponse::Created().insert_header(("Location", location(caller.tenant.id.0, &key))).json(updated))
}

/// A change to a control.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"title": "Account management and review", "version": 2}))]
pub struct UpdateControl {
    #[serde(flatten)]
    pub edit: ControlEditDraft,
    /// The framework version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Change, retire or restore a control of a framework of the tenant's own
///
/// The control id never changes. A retired control is kept (mappings and history name it), left out of coverage
/// and takes no new mappings; `retired: false` brings it back. Answers the framework with its new version.
/// Shipped frameworks are read-only (409).
#[utoipa::path(
    tag = "frameworks",
    params(
        ("tenant_id" = uuid::Uuid, Path),
        ("framework" = String, Path, description = "The tenant's own framework key"),
        ("control_id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "Version the change is based on"),
    ),
    request_body = UpdateControl,
    responses(
        (status = 200, body = FrameworkDetail),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such framework or control"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "A shipped or archived framework"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso"]))
)]
#[patch("/tenants/{tenant_id}/frameworks/{framework}/controls/{control_id}")]
async fn update_framework_control(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Govern>,
    path: PathOf<(uuid::Uuid, String, String)>,
    body: Body<UpdateControl>,
) -> Reply<web::Json<FrameworkDetail>> {
    let (_, key, control_id) = path?.into_inner();
    seen(&state, &caller, &key).await?;
    let body = body?.into_inner();
    let edit = body.edit.check()?;
    let version = expected_version(&req, body.version)?;
    let actor = caller.principal.actor();
    let w = writer(&state, &actor, &caller);
    Ok(web::Json(frameworks::update_control(&state.db, w, &key, &control_id, edit, version).await?))
}
