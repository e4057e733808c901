//! Framework coverage: per control, the mapped items, how many are resolved, and the state.

use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{ReadTenant, TenantCaller};
use super::problem::{ApiError, Problem};
use super::{PathOf, Reply};
use crate::state::AppState;
use crate::store::coverage::{self, FrameworkCoverage};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_coverage);
}

/// Coverage of a framework
///
/// For every control in force of `iso27001`, `nis2`, `gdpr` or one of the tenant's own frameworks: its mapped items (deprecated, zero-point and not-applicable
/// ones listed but not counted), how many are resolved (completed and confirmed by Microsoft, third party or
/// alternate mitigation), the risk-accepted ones apart, and the state: covered, partial, gap or
/// no_technical_mapping. The percentage is covered ÷ controls with at least one mapped item.
#[utoipa::path(
    tag = "priorities",
    params(("tenant_id" = uuid::Uuid, Path), ("framework" = String, Path, description = "iso27001, nis2, gdpr or the tenant's own key")),
    responses(
        (status = 200, body = FrameworkCoverage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/coverage/{framework}")]
async fn get_coverage(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, String)>,
) -> Reply<web::Json<FrameworkCoverage>> {
    let key = path?.into_inner().1;
    coverage::framework_coverage(&state.db, caller.tenant.id, &key)
        .await?
        .map(web::Json)
        .ok_or(ApiError::NotFound("framework"))
}
