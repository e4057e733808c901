//! Monitoring's alerts (score drops, regressions): listing, acknowledging with a comment, and the tenant's
//! thresholds.

use actix_web::{HttpRequest, get, post, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Govern, Operate, ReadTenant, TenantCaller, expected_version};
use super::problem::Problem;
use super::{Body, PathOf, Query, Reply};
use crate::domain::alert::{AlertKind, AlertThresholds};
use crate::domain::register::proposal::check_text;
use crate::state::AppState;
use crate::store::alerts::{self, Alert, AlertFilter};
use crate::store::page::{Page, PageParams};
use crate::store::triage_settings::Versioned;

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_alerts).service(acknowledge_alert).service(get_alert_thresholds).service(put_alert_thresholds);
}

/// Filters on the alert list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    pub acknowledged: Option<bool>,
    pub kind: Option<AlertKind>,
    /// Items per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List alerts
///
/// Newest first: score drops beyond the tenant's threshold (with the items whose points fell) and regressions.
#[utoipa::path(
    tag = "monitoring",
    params(("tenant_id" = uuid::Uuid, Path), AlertQuery),
    responses(
        (status = 200, body = Page<Alert>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/alerts")]
async fn list_alerts(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    query: Query<AlertQuery>,
) -> Reply<web::Json<Page<Alert>>> {
    let query = query?.into_inner();
    let page = PageParams { limit: query.limit, cursor: query.cursor }.parse()?;
    let filter = AlertFilter { acknowledged: query.acknowledged, kind: query.kind };
    Ok(web::Json(alerts::list(&state.db, caller.tenant.id, &filter, &page).await?))
}

/// An acknowledgement.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"comment": "Licence change on the 20th; expected, tracked in CR-118"}))]
pub struct Acknowledge {
    /// What was found or done.
    pub comment: String,
    /// The alert's version (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Acknowledge an alert
#[utoipa::path(
    tag = "monitoring",
    params(("tenant_id" = uuid::Uuid, Path), ("alert_id" = uuid::Uuid, Path)),
    request_body = Acknowledge,
    responses(
        (status = 200, body = Alert),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/alerts/{alert_id}/acknowledge")]
async fn acknowledge_alert(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    body: Body<Acknowledge>,
) -> Reply<web::Json<Alert>> {
    let id = path?.1;
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let comment = check_text("comment", &body.comment, 2000)?;
    let (actor, now) = (caller.principal.actor(), state.clock.now());
    Ok(web::Json(alerts::acknowledge(&state.db, &actor, now, caller.tenant.id, id, comment, version).await?))
}

/// Read the alert thresholds
#[utoipa::path(
    tag = "monitoring",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Versioned<AlertThresholds>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/alert-thresholds")]
async fn get_alert_thresholds(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<Versioned<AlertThresholds>>> {
    Ok(web::Json(alerts::thresholds(&state.db, caller.tenant.id).await?))
}

/// New thresholds.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"score_drop_points": 2.0}))]
pub struct PutThresholds {
    #[serde(flatten)]
    pub thresholds: AlertThresholds,
    /// The version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Change the alert thresholds
///
/// A score drop of more than `score_drop_points` percentage points against the latest earlier snapshot raises an
/// alert (default 2.0, the seed's "more than 2 %").
#[utoipa::path(
    tag = "monitoring",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = PutThresholds,
    responses(
        (status = 200, body = Versioned<AlertThresholds>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso"]))
)]
#[put("/tenants/{tenant_id}/alert-thresholds")]
async fn put_alert_thresholds(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Govern>,
    body: Body<PutThresholds>,
) -> Reply<web::Json<Versioned<AlertThresholds>>> {
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let (actor, now) = (caller.principal.actor(), state.clock.now());
    let stored = alerts::set_thresholds(&state.db, &actor, now, caller.tenant.id, &body.thresholds, version).await?;
    Ok(web::Json(Versioned { value: body.thresholds, version: stored }))
}
