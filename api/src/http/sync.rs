//! A tenant's daily sync schedule: the service runs its connectors' imports itself at a local time of day.

use actix_web::{HttpRequest, get, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Administer, ReadTenant, TenantCaller, expected_version};
use super::problem::Problem;
use super::{Body, Reply};
use crate::domain::schedule::SyncSchedule;
use crate::state::AppState;
use crate::store::sync_schedule;
use crate::store::triage_settings::Versioned;

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_sync_schedule).service(put_sync_schedule);
}

/// Read the sync schedule
#[utoipa::path(
    tag = "connectors",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Versioned<SyncSchedule>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/sync-schedule")]
async fn get_sync_schedule(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<Versioned<SyncSchedule>>> {
    Ok(web::Json(sync_schedule::schedule(&state.db, caller.tenant.id).await?))
}

/// A new schedule.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"enabled": true, "time": "06:00", "time_zone": "Europe/Athens"}))]
pub struct PutSyncSchedule {
    #[serde(flatten)]
    pub schedule: SyncSchedule,
    /// The version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Set the sync schedule
///
/// Every configured connector is imported once a day at the local time given; after downtime the service
/// catches up once, never with a burst of missed runs, and a sync still running is never started twice.
#[utoipa::path(
    tag = "connectors",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = PutSyncSchedule,
    responses(
        (status = 200, body = Versioned<SyncSchedule>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[put("/tenants/{tenant_id}/sync-schedule")]
async fn put_sync_schedule(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Administer>,
    body: Body<PutSyncSchedule>,
) -> Reply<web::Json<Versioned<SyncSchedule>>> {
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let (actor, now) = (caller.principal.actor(), state.clock.now());
    let stored = sync_schedule::set_schedule(&state.db, &actor, now, caller.tenant.id, &body.schedule, version).await?;
    Ok(web::Json(Versioned { value: body.schedule, version: stored }))
}
