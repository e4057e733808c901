//! The board's quarterly report: JSON, a printable HTML page (charts drawn server-side, no script), and the CISO's
//! sign-off that freezes both.

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{ReadTenant, SignOff, TenantCaller};
use super::problem::Problem;
use super::roadmap::quarter;
use super::{PathOf, Reply};
use crate::domain::board::BoardReport;
use crate::state::AppState;
use crate::store::board;

/// Mounts the routes of this module. The page's route comes first: `{quarter}` alone would also match `….html`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_board_report_html).service(get_board_report).service(sign_off_board_report);
}

/// The board report for a quarter
///
/// Score at quarter end (or now) against quarter start with the trend, actions completed in the quarter with the
/// ISO 27001 / NIS2 controls each satisfies, outstanding gaps and why, coverage of the audit-scope frameworks,
/// and the roadmap delivered vs planned and projected vs achieved. A past quarter shows the figures snapshotted
/// at its end; a signed-off report is served as frozen.
#[utoipa::path(
    tag = "reports",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2026-Q4")),
    responses(
        (status = 200, body = BoardReport),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/reports/board/{quarter}")]
async fn get_board_report(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, String)>,
) -> Reply<web::Json<BoardReport>> {
    let q = quarter(&path?.1)?;
    Ok(web::Json(board::report(&state.db, caller.tenant.id, q, state.clock.now()).await?))
}

/// The board report as a printable page
///
/// One self-contained HTML page (inline CSS and SVG, no script, nothing fetched) that prints to A4.
#[utoipa::path(
    tag = "reports",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2026-Q4")),
    responses(
        (status = 200, content_type = "text/html", body = String),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/reports/board/{quarter}.html")]
async fn get_board_report_html(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, String)>,
) -> Reply<HttpResponse> {
    let q = quarter(&path?.1)?;
    let html = board::html(&state.db, caller.tenant.id, q, state.clock.now()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"))
        .body(html))
}

/// Sign off the board report (CISO)
///
/// Freezes the JSON and the HTML page with the signer and the time; later reads serve the frozen copy. Signing
/// twice is refused (409).
#[utoipa::path(
    tag = "reports",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2026-Q4")),
    responses(
        (status = 200, body = BoardReport),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso"]))
)]
#[post("/tenants/{tenant_id}/reports/board/{quarter}/sign-off")]
async fn sign_off_board_report(
    state: web::Data<AppState>,
    caller: TenantCaller<SignOff>,
    path: PathOf<(uuid::Uuid, String)>,
) -> Reply<web::Json<BoardReport>> {
    let q = quarter(&path?.1)?;
    let actor = caller.principal.actor();
    Ok(web::Json(board::sign_off(&state.db, &actor, state.clock.now(), caller.tenant.id, q).await?))
}
