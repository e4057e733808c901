//! The Graph write-back queue of a tenant: what was written to Microsoft Secure Score, what waits, what failed,
//! and retrying a failure once its cause is fixed.

use actix_web::{get, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Operate, ReadTenant, TenantCaller};
use super::problem::Problem;
use super::{PathOf, Query, Reply};
use crate::state::AppState;
use crate::store::page::{Page, PageParams};
use crate::store::write_backs::{self, WriteBack, WriteBackFilter, WriteBackOutcome};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_write_backs).service(retry_write_back);
}

/// Filters on the write-back queue.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WriteBackQuery {
    /// Only write-backs with this outcome.
    pub outcome: Option<WriteBackOutcome>,
    /// Only this item's write-backs.
    pub recommendation_id: Option<uuid::Uuid>,
    /// Items per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List the tenant's Graph write-backs
///
/// Newest first. Each shows the state written, the outcome, attempts, the next retry and the last error.
#[utoipa::path(
    tag = "connectors",
    params(("tenant_id" = uuid::Uuid, Path), WriteBackQuery),
    responses(
        (status = 200, body = Page<WriteBack>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/write-backs")]
async fn list_write_backs(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    query: Query<WriteBackQuery>,
) -> Reply<web::Json<Page<WriteBack>>> {
    let query = query?.into_inner();
    let page = PageParams { limit: query.limit, cursor: query.cursor }.parse()?;
    let filter = WriteBackFilter { outcome: query.outcome, recommendation_id: query.recommendation_id };
    Ok(web::Json(write_backs::list(&state.db, caller.tenant.id, &filter, &page).await?))
}

/// Retry a failed write-back
///
/// For after its cause is fixed (the app's `SecurityEvents.ReadWrite.All` consent, the connector's secret).
/// 409 when it did not fail, when a newer status change replaced it, or when write-back is off.
#[utoipa::path(
    tag = "connectors",
    params(("tenant_id" = uuid::Uuid, Path), ("write_back_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = WriteBack),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/write-backs/{write_back_id}/retry")]
async fn retry_write_back(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<web::Json<WriteBack>> {
    let id = path?.1;
    let actor = caller.principal.actor();
    let retried = write_backs::retry(&state.db, &actor, state.clock.now(), caller.tenant.id, id).await?;
    state.jobs.wake();
    Ok(web::Json(retried))
}
