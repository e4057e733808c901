//! The weekly review (the Monday agenda), the weekly digest as it would be sent now, and the digest's schedule.

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Govern, ReadTenant, TenantCaller, expected_version};
use super::problem::Problem;
use super::{Body, Query, Reply};
use crate::domain::digest::{DigestPayload, DigestSchedule};
use crate::domain::weekly_review::default_since;
use crate::export::digest;
use crate::state::AppState;
use crate::store::digest_schedule::{self, DigestScheduleView};
use crate::store::weekly_review::{self, WeeklyReview};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_weekly_review)
        .service(get_digest_preview)
        .service(get_digest_preview_png)
        .service(get_digest_schedule)
        .service(put_digest_schedule);
}

/// Where the review starts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeklyQuery {
    /// The first day covered, `YYYY-MM-DD` (default: seven days before today).
    pub since: Option<NaiveDate>,
}

/// The weekly review
///
/// The seed's 15-minute Monday agenda: recommendations Microsoft added, regressions, completions Microsoft has
/// not confirmed after 72 h, roadmap items past their target date, risk acceptances due for review, and the open
/// controls with the top five to fix (by bucket, then points still available). Items link by id.
#[utoipa::path(
    tag = "reviews",
    params(("tenant_id" = uuid::Uuid, Path), WeeklyQuery),
    responses(
        (status = 200, body = WeeklyReview),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/reviews/weekly")]
async fn get_weekly_review(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    query: Query<WeeklyQuery>,
) -> Reply<web::Json<WeeklyReview>> {
    let now = state.clock.now();
    let since = query?.into_inner().since.unwrap_or_else(|| default_since(now));
    Ok(web::Json(weekly_review::review(&state.db, caller.tenant.id, since, now).await?))
}

/// The weekly digest as it would be sent now
///
/// The payload the notification outbox would carry (`digest.weekly`): title, summary, facts (score, change over
/// the week, open controls, the review's counts), the top five to fix, and the trend chart as a base64 PNG
/// attachment. Nothing is written.
#[utoipa::path(
    tag = "reviews",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = DigestPayload),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/reviews/weekly/digest-preview")]
async fn get_digest_preview(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<DigestPayload>> {
    Ok(web::Json(digest::compose_for(&state.db, caller.tenant.id, state.clock.now()).await?))
}

/// The digest's trend chart
///
/// Microsoft Secure Score over the last 30 days as the PNG the digest attaches (1200 × 520 pixels).
#[utoipa::path(
    tag = "reviews",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, content_type = "image/png", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/reviews/weekly/digest-preview.png")]
async fn get_digest_preview_png(state: web::Data<AppState>, caller: TenantCaller<ReadTenant>) -> Reply<HttpResponse> {
    let png = digest::chart(&state.db, caller.tenant.id, state.clock.now()).await?;
    Ok(HttpResponse::Ok().content_type("image/png").insert_header(("Cache-Control", "no-store")).body(png))
}

/// Read the digest schedule
///
/// Off until a ciso or admin sets it; `next_digest_at` says when the next one falls due.
#[utoipa::path(
    tag = "reviews",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = DigestScheduleView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/digest-schedule")]
async fn get_digest_schedule(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<DigestScheduleView>> {
    Ok(web::Json(digest_schedule::get(&state.db, caller.tenant.id, state.clock.now()).await?))
}

/// A new digest schedule.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"enabled": true, "day_of_week": "monday", "local_time": "09:00",
    "time_zone": "Europe/Amsterdam", "version": 0}))]
pub struct PutDigestSchedule {
    /// `false` turns the digest off (the schedule is kept).
    pub enabled: bool,
    #[serde(flatten)]
    pub schedule: DigestSchedule,
    /// The version the change is based on (or send `If-Match`); 0 while never set.
    pub version: Option<i64>,
}

/// Set the digest schedule
///
/// A weekday, a local time (`HH:MM`) and an IANA time zone. The runner writes one digest per scheduled week to
/// the notification outbox: after downtime it catches up once (the latest week only), never twice, and never for
/// a time before the schedule was set.
#[utoipa::path(
    tag = "reviews",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = PutDigestSchedule,
    responses(
        (status = 200, body = DigestScheduleView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso"]))
)]
#[put("/tenants/{tenant_id}/digest-schedule")]
async fn put_digest_schedule(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Govern>,
    body: Body<PutDigestSchedule>,
) -> Reply<web::Json<DigestScheduleView>> {
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let actor = caller.principal.actor();
    let view = digest_schedule::set(
        &state.db,
        &actor,
        state.clock.now(),
        caller.tenant.id,
        body.enabled,
        body.schedule,
        version,
    )
    .await?;
    Ok(web::Json(view))
}
