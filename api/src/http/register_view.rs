//! The register view auditors ask for: the seed article's columns, one row per entry and recommendation, as JSON
//! and as CSV (cells formula-safe).

use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{ReadTenant, TenantCaller};
use super::problem::{ApiError, Problem};
use super::register::RegisterQuery;
use super::{Query, Reply};
use crate::export::register_csv;
use crate::state::AppState;
use crate::store::register::{self, RegisterRow};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_risk_register).service(get_risk_register_csv);
}

async fn rows(state: &AppState, caller: &TenantCaller<ReadTenant>, query: RegisterQuery) -> Reply<Vec<RegisterRow>> {
    let (filter, _) = query.split()?;
    Ok(register::register_rows(&state.db, caller.tenant.id, &filter, state.clock.now()).await?)
}

/// The risk-acceptance register
///
/// Entries in force by default (`?state=` for others), oldest first, one row per covered recommendation:
/// recommendation, category, score impact, risk description, business justification, compensating controls,
/// approval date, approver, review date — then reference, decision, state, residual risk and what covers the gap.
#[utoipa::path(
    tag = "register",
    params(("tenant_id" = uuid::Uuid, Path), RegisterQuery),
    responses(
        (status = 200, body = Vec<RegisterRow>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/risk-register")]
async fn get_risk_register(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    query: Query<RegisterQuery>,
) -> Reply<web::Json<Vec<RegisterRow>>> {
    Ok(web::Json(rows(&state, &caller, query?.into_inner()).await?))
}

/// The risk-acceptance register as CSV
///
/// The same rows and columns as the JSON view, ready for a spreadsheet; no cell can be read as a formula.
#[utoipa::path(
    tag = "register",
    params(("tenant_id" = uuid::Uuid, Path), RegisterQuery),
    responses(
        (status = 200, content_type = "text/csv", body = String),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/risk-register.csv")]
async fn get_risk_register_csv(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    query: Query<RegisterQuery>,
) -> Reply<HttpResponse> {
    let rows = rows(&state, &caller, query?.into_inner()).await?;
    let bytes = register_csv::to_csv(&rows).map_err(|e| ApiError::Internal(e.to_string()))?;
    let file = format!("risk-register-{}.csv", state.clock.now().date_naive());
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{file}\"")))
        .body(bytes))
}
