//! Comparisons: a tenant against Microsoft's averages, and every tenant a caller sees side by side (the MSP view).

use actix_web::{get, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Caller, ReadTenant, SignedIn, TenantCaller};
use super::problem::Problem;
use super::{Query, Reply};
use crate::state::AppState;
use crate::store::comparison::{self, CompareBy, TenantBenchmark, TenantRow};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_score_benchmark).service(compare_tenants);
}

/// Compare the score with Microsoft's averages
///
/// The latest Microsoft Secure Score against the comparative averages Graph reports with it (all tenants, similar
/// seat count), in percentage points.
#[utoipa::path(
    tag = "monitoring",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = TenantBenchmark),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/score/comparison")]
async fn get_score_benchmark(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<TenantBenchmark>> {
    Ok(web::Json(comparison::benchmark(&state.db, caller.tenant.id).await?))
}

/// How to sort the side-by-side view.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// `name` (default), `score`, `change`, `open_p1`, `regressions`, `review_due`.
    pub sort: Option<CompareBy>,
    /// `desc` for descending.
    pub order: Option<String>,
}

/// Compare tenants side by side
///
/// Every tenant the caller sees: score, change over 30 days, open quick wins, regressions and acceptances with
/// their review due — the MSP's morning view.
#[utoipa::path(
    tag = "monitoring",
    params(CompareQuery),
    responses(
        (status = 200, body = Vec<TenantRow>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants-comparison")]
async fn compare_tenants(
    state: web::Data<AppState>,
    caller: Caller<SignedIn>,
    query: Query<CompareQuery>,
) -> Reply<web::Json<Vec<TenantRow>>> {
    let query = query?.into_inner();
    let descending = query.order.as_deref() == Some("desc");
    let by = query.sort.unwrap_or_default();
    let rows = comparison::tenants(&state.db, &caller.principal.tenants, by, descending, state.clock.now()).await?;
    Ok(web::Json(rows))
}
