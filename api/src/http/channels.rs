//! A tenant's alert channels (admin only): webhook, Microsoft Teams and e-mail. Secrets are write-only; each
//! channel shows its health, lists its delivery attempts, and can be sent a test message.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::channel_input::{AlertChannelChange, NewAlertChannel, channel_change, new_channel};
use super::extract::{Administer, TenantCaller, expected_version};
use super::problem::Problem;
use super::{Body, PathOf, Query, Reply};
use crate::domain::delivery::AttemptOutcome;
use crate::domain::ids::ChannelId;
use crate::state::AppState;
use crate::store::channels::{self, AlertChannel, Delivery, DeliveryFilter};
use crate::store::notifications::{self, Notification};
use crate::store::page::{Page, PageParams};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_alert_channels)
        .service(create_alert_channel)
        .service(get_alert_channel)
        .service(update_alert_channel)
        .service(delete_alert_channel)
        .service(list_alert_deliveries)
        .service(test_alert_channel);
}

fn channel_of(path: PathOf<(uuid::Uuid, uuid::Uuid)>) -> Reply<ChannelId> {
    Ok(ChannelId(path?.into_inner().1))
}

/// List the tenant's alert channels
///
/// Oldest first, each with its settings (never a secret) and health.
#[utoipa::path(
    tag = "alerts",
    params(("tenant_id" = uuid::Uuid, Path), PageParams),
    responses(
        (status = 200, body = Page<AlertChannel>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/tenants/{tenant_id}/alert-channels")]
async fn list_alert_channels(
    state: web::Data<AppState>,
    caller: TenantCaller<Administer>,
    query: Query<PageParams>,
) -> Reply<web::Json<Page<AlertChannel>>> {
    let page = query?.into_inner().parse()?;
    Ok(web::Json(channels::list(&state.db, caller.tenant.id, &page).await?))
}

/// Add an alert channel
///
/// A signed JSON webhook, a Teams Workflows webhook or an SMTP relay. Every notification of the tenant (alerts,
/// the weekly digest, the register's review reminders) goes to every enabled channel. Secrets are sealed at rest
/// and never returned.
#[utoipa::path(
    tag = "alerts",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = NewAlertChannel,
    responses(
        (status = 201, body = AlertChannel, headers(("Location" = String, description = "URL of the new channel"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The name is taken"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/tenants/{tenant_id}/alert-channels")]
async fn create_alert_channel(
    state: web::Data<AppState>,
    caller: TenantCaller<Administer>,
    body: Body<NewAlertChannel>,
) -> Reply<HttpResponse> {
    let new = new_channel(body?.into_inner())?;
    let actor = caller.principal.actor();
    let key = &state.importer.data_key;
    let created = channels::create(&state.db, key, &actor, state.clock.now(), caller.tenant.id, new).await?;
    let location = format!("/api/v1/tenants/{}/alert-channels/{}", caller.tenant.id, created.id);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(created))
}

/// Read an alert channel
///
/// With its health: "failing since …, N failed attempts in a row, last error: …" once deliveries keep failing.
#[utoipa::path(
    tag = "alerts",
    params(("tenant_id" = uuid::Uuid, Path), ("channel_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = AlertChannel),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/tenants/{tenant_id}/alert-channels/{channel_id}")]
async fn get_alert_channel(
    state: web::Data<AppState>,
    caller: TenantCaller<Administer>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<web::Json<AlertChannel>> {
    let id = channel_of(path)?;
    Ok(web::Json(channels::get(&state.db, caller.tenant.id, id).await?))
}

/// Change an alert channel
///
/// Rename, enable or disable it, or replace its settings (a secret left out is kept). Needs the version.
#[utoipa::path(
    tag = "alerts",
    params(
        ("tenant_id" = uuid::Uuid, Path),
        ("channel_id" = uuid::Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "Version the change is based on (or `version` in the body)"),
    ),
    request_body = AlertChannelChange,
    responses(
        (status = 200, body = AlertChannel),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The name is taken"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[patch("/tenants/{tenant_id}/alert-channels/{channel_id}")]
async fn update_alert_channel(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Administer>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    body: Body<AlertChannelChange>,
) -> Reply<web::Json<AlertChannel>> {
    let id = channel_of(path)?;
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let change = channel_change(body, version)?;
    let actor = caller.principal.actor();
    let key = &state.importer.data_key;
    let saved = channels::update(&state.db, key, &actor, state.clock.now(), caller.tenant.id, id, change).await?;
    Ok(web::Json(saved))
}

/// Delete an alert channel
///
/// With its delivery history; notifications waiting only for it are finished. To stop deliveries but keep the
/// history, disable it instead. Needs the version as `If-Match`.
#[utoipa::path(
    tag = "alerts",
    params(
        ("tenant_id" = uuid::Uuid, Path),
        ("channel_id" = uuid::Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "Version the deletion is based on"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "If-Match is not a version"),
        (status = 428, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[delete("/tenants/{tenant_id}/alert-channels/{channel_id}")]
async fn delete_alert_channel(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Administer>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<HttpResponse> {
    let id = channel_of(path)?;
    let version = expected_version(&req, None)?;
    channels::delete(&state.db, &caller.principal.actor(), state.clock.now(), caller.tenant.id, id, version).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Filters on a channel's delivery attempts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only attempts that ended so.
    pub outcome: Option<AttemptOutcome>,
    /// Only attempts for this notification.
    pub notification_id: Option<uuid::Uuid>,
    /// Items per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List a channel's delivery attempts
///
/// Newest first: every attempt with its outcome, the receiver's HTTP status or SMTP reply, the error and, after a
/// failure that is retried, when the next attempt is due.
#[utoipa::path(
    tag = "alerts",
    params(("tenant_id" = uuid::Uuid, Path), ("channel_id" = uuid::Uuid, Path), DeliveryQuery),
    responses(
        (status = 200, body = Page<Delivery>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/tenants/{tenant_id}/alert-channels/{channel_id}/deliveries")]
async fn list_alert_deliveries(
    state: web::Data<AppState>,
    caller: TenantCaller<Administer>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    query: Query<DeliveryQuery>,
) -> Reply<web::Json<Page<Delivery>>> {
    let id = channel_of(path)?;
    let query = query?.into_inner();
    let page = PageParams { limit: query.limit, cursor: query.cursor }.parse()?;
    let filter = DeliveryFilter { outcome: query.outcome, notification_id: query.notification_id };
    Ok(web::Json(channels::list_deliveries(&state.db, caller.tenant.id, id, &filter, &page).await?))
}

/// Send a test message to a channel
///
/// Queues a `channel.test` notification for this channel only (a disabled one too, to try it before switching
/// it on) and answers at once; follow the notification at `Location` to see the attempt.
#[utoipa::path(
    tag = "alerts",
    params(("tenant_id" = uuid::Uuid, Path), ("channel_id" = uuid::Uuid, Path)),
    responses(
        (status = 202, body = Notification, headers(("Location" = String, description = "URL of the test notification"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/tenants/{tenant_id}/alert-channels/{channel_id}/test")]
async fn test_alert_channel(
    state: web::Data<AppState>,
    caller: TenantCaller<Administer>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<HttpResponse> {
    let id = channel_of(path)?;
    let tenant = &caller.tenant;
    let by = caller.principal.name.clone();
    let queued =
        notifications::queue_channel_test(&state.db, state.clock.now(), tenant.id, &tenant.name, id, &by).await?;
    state.jobs.wake();
    let location = format!("/api/v1/tenants/{}/notifications/{}", tenant.id, queued.id);
    Ok(HttpResponse::Accepted().insert_header((header::LOCATION, location)).json(queued))
}
