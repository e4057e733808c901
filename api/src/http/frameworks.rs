//! The shipped framework catalogs, and the history of their updates.

use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Caller, SignedIn};
use super::problem::{ApiError, Problem};
use super::{PathOf, Query, Reply};
use crate::state::AppState;
use crate::store::catalogs::updates::{self, CatalogUpdate};
use crate::store::catalogs::{self, FrameworkControl, FrameworkSummary};
use crate::store::page::{Page, PageParams};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_frameworks).service(list_framework_controls).service(list_catalog_updates);
}

/// List frameworks
///
/// The shipped catalogs only — ISO/IEC 27001:2022 Annex A, NIS2 Art. 21 and GDPR Art. 32 — with their control
/// counts and catalog versions. A tenant's own frameworks are listed under `/tenants/{tenant_id}/frameworks`.
#[utoipa::path(
    tag = "frameworks",
    responses(
        (status = 200, body = Vec<FrameworkSummary>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/frameworks")]
async fn list_frameworks(
    state: web::Data<AppState>,
    _caller: Caller<SignedIn>,
) -> Reply<web::Json<Vec<FrameworkSummary>>> {
    Ok(web::Json(catalogs::frameworks(&state.db).await?))
}

/// List a framework's controls
///
/// In catalog order, with the id as people write it (`A.5.17`, `Art. 21(2)(j)`).
#[utoipa::path(
    tag = "frameworks",
    params(("framework" = String, Path, description = "iso27001, nis2 or gdpr")),
    responses(
        (status = 200, body = Vec<FrameworkControl>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/frameworks/{framework}/controls")]
async fn list_framework_controls(
    state: web::Data<AppState>,
    _caller: Caller<SignedIn>,
    path: PathOf<String>,
) -> Reply<web::Json<Vec<FrameworkControl>>> {
    let key = path?.into_inner();
    catalogs::controls(&state.db, &key).await?.map(web::Json).ok_or(ApiError::NotFound("framework"))
}

/// List catalog updates
///
/// Newest first: each time a newer shipped catalog or mapping file was applied, which files at which versions,
/// the counts, each control added, changed or retired, and each default mapping added, removed or changed (by
/// Secure Score control, framework and control). Untouched default mappings follow the catalog; people's edits
/// survive it: `manual_edits_kept` counts the items whose edits stayed, over the tenants you may see.
#[utoipa::path(
    tag = "frameworks",
    params(PageParams),
    responses(
        (status = 200, body = Page<CatalogUpdate>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/catalog/updates")]
async fn list_catalog_updates(
    state: web::Data<AppState>,
    caller: Caller<SignedIn>,
    page: Query<PageParams>,
) -> Reply<web::Json<Page<CatalogUpdate>>> {
    let page = page?.parse()?;
    Ok(web::Json(updates::list(&state.db, &caller.principal.tenants, &page).await?))
}
