//! Tenants and their memberships.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Administer, Caller, ReadTenant, SignedIn, TenantCaller, expected_version};
use super::problem::Problem;
use super::{Body, PathOf, Query, Reply};
use crate::domain::Violations;
use crate::domain::ids::UserId;
use crate::domain::user::check_name;
use crate::state::AppState;
use crate::store::memberships::{self, Member};
use crate::store::page::{Page, PageParams};
use crate::store::tenants::{self, Tenant, TenantUpdate};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tenants)
        .service(create_tenant)
        .service(get_tenant)
        .service(update_tenant)
        .service(list_members)
        .service(add_member)
        .service(remove_member);
}

/// The longest tenant name.
pub const MAX_TENANT_NAME: usize = 200;

/// A new tenant.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Contoso Ltd"}))]
pub struct CreateTenant {
    /// Holds something besides spaces, and no control characters.
    #[schema(max_length = 200, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$")]
    pub name: String,
}

/// List the tenants you may see
///
/// Admins see every tenant; everybody else sees the tenants they are a member of.
#[utoipa::path(
    tag = "tenants",
    params(PageParams),
    responses(
        (status = 200, body = Page<Tenant>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants")]
async fn list_tenants(
    state: web::Data<AppState>,
    caller: Caller<SignedIn>,
    page: Query<PageParams>,
) -> Reply<web::Json<Page<Tenant>>> {
    let page = page?.parse()?;
    Ok(web::Json(tenants::list(&state.db, &caller.principal.tenants, &page).await?))
}

/// Create a tenant
#[utoipa::path(
    tag = "tenants",
    request_body = CreateTenant,
    responses(
        (status = 201, body = Tenant, headers(("Location" = String, description = "URL of the new tenant"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "A tenant with that name exists"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/tenants")]
async fn create_tenant(
    state: web::Data<AppState>,
    caller: Caller<Administer>,
    body: Body<CreateTenant>,
) -> Reply<HttpResponse> {
    let name = check_name("name", &body?.name, MAX_TENANT_NAME)?;
    let tenant = tenants::create(&state.db, &caller.principal.actor(), state.clock.now(), name).await?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/tenants/{}", tenant.id))).json(tenant))
}

/// Read a tenant
#[utoipa::path(
    tag = "tenants",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Tenant),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}")]
async fn get_tenant(caller: TenantCaller<ReadTenant>) -> web::Json<Tenant> {
    web::Json(caller.tenant)
}

/// A change to a tenant: any of the fields.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Contoso Europe", "version": 1}))]
pub struct UpdateTenant {
    pub name: Option<String>,
    /// `true` archives the tenant (its data and trail stay), `false` restores it.
    pub archived: Option<bool>,
    /// The version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Rename, archive or restore a tenant
#[utoipa::path(
    tag = "tenants",
    params(("tenant_id" = uuid::Uuid, Path), ("If-Match" = Option<String>, Header, description = "Version the change is based on")),
    request_body = UpdateTenant,
    responses(
        (status = 200, body = Tenant),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[patch("/tenants/{tenant_id}")]
async fn update_tenant(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Administer>,
    body: Body<UpdateTenant>,
) -> Reply<web::Json<Tenant>> {
    let body = body?.into_inner();
    let mut violations = Violations::default();
    let name = body.name.as_deref().and_then(|n| violations.check(check_name("name", n, MAX_TENANT_NAME)));
    violations.finish()?;
    let version = expected_version(&req, body.version)?;
    let change = TenantUpdate { name, archived: body.archived, version };
    let tenant =
        tenants::update(&state.db, &caller.principal.actor(), state.clock.now(), caller.tenant.id, change).await?;
    state.principals.forget_all();
    Ok(web::Json(tenant))
}

/// List a tenant's members
#[utoipa::path(
    tag = "tenants",
    params(("tenant_id" = uuid::Uuid, Path), PageParams),
    responses(
        (status = 200, body = Page<Member>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/tenants/{tenant_id}/members")]
async fn list_members(
    state: web::Data<AppState>,
    caller: TenantCaller<Administer>,
    page: Query<PageParams>,
) -> Reply<web::Json<Page<Member>>> {
    let page = page?.parse()?;
    Ok(web::Json(memberships::list(&state.db, caller.tenant.id, &page).await?))
}

/// Make a user a member of a tenant
///
/// Idempotent: granting an existing membership changes nothing.
#[utoipa::path(
    tag = "tenants",
    params(("tenant_id" = uuid::Uuid, Path), ("user_id" = uuid::Uuid, Path)),
    responses(
        (status = 204, description = "The user is a member"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such tenant or user"),
    ),
    security(("bearer" = ["admin"]))
)]
#[put("/tenants/{tenant_id}/members/{user_id}")]
async fn add_member(
    state: web::Data<AppState>,
    caller: TenantCaller<Administer>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<HttpResponse> {
    let user = UserId(path?.1);
    memberships::grant(&state.db, &caller.principal.actor(), state.clock.now(), caller.tenant.id, user).await?;
    state.principals.forget_all();
    Ok(HttpResponse::NoContent().finish())
}

/// Remove a user from a tenant
#[utoipa::path(
    tag = "tenants",
    params(("tenant_id" = uuid::Uuid, Path), ("user_id" = uuid::Uuid, Path)),
    responses(
        (status = 204, description = "The user is no longer a member"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such tenant or membership"),
    ),
    security(("bearer" = ["admin"]))
)]
#[delete("/tenants/{tenant_id}/members/{user_id}")]
async fn remove_member(
    state: web::Data<AppState>,
    caller: TenantCaller<Administer>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<HttpResponse> {
    let user = UserId(path?.1);
    memberships::revoke(&state.db, &caller.principal.actor(), state.clock.now(), caller.tenant.id, user).await?;
    state.principals.forget_all();
    Ok(HttpResponse::NoContent().finish())
}
