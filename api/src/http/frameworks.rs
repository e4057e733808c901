//! The shipped framework catalogs.

use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Caller, SignedIn};
use super::problem::{ApiError, Problem};
use super::{PathOf, Reply};
use crate::state::AppState;
use crate::store::catalogs::{self, FrameworkControl, FrameworkSummary};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_frameworks).service(list_framework_controls);
}

/// List frameworks
///
/// ISO/IEC 27001:2022 Annex A, NIS2 Art. 21 and GDPR Art. 32, with their control counts and catalog versions.
#[utoipa::path(
    tag = "priorities",
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
    tag = "priorities",
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
