//! The tenant's notification outbox, for every member: what scoregrc has to say (alerts, the weekly digest, review
//! reminders, channel tests) and how each delivery stands. A notification with no channel to go to stays here,
//! undelivered, until an admin adds one.

use actix_web::{get, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{ReadTenant, TenantCaller};
use super::problem::Problem;
use super::{PathOf, Query, Reply};
use crate::state::AppState;
use crate::store::notifications::{self, Notification, NotificationFilter};
use crate::store::page::{Page, PageParams};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_notifications).service(get_notification);
}

/// Filters on the outbox.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `false`: only those still waiting (no channel yet, or retries under way); `true`: only finished ones.
    pub delivered: Option<bool>,
    /// Only this kind, e.g. `risk_acceptance.review_due`.
    pub kind: Option<String>,
    /// Items per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List the tenant's notifications
///
/// Newest first, each with its title, state and how each channel's attempts went.
#[utoipa::path(
    tag = "alerts",
    params(("tenant_id" = uuid::Uuid, Path), NotificationQuery),
    responses(
        (status = 200, body = Page<Notification>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/notifications")]
async fn list_notifications(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    query: Query<NotificationQuery>,
) -> Reply<web::Json<Page<Notification>>> {
    let query = query?.into_inner();
    let page = PageParams { limit: query.limit, cursor: query.cursor }.parse()?;
    let filter = NotificationFilter { delivered: query.delivered, kind: query.kind };
    let tenant = &caller.tenant;
    Ok(web::Json(notifications::list(&state.db, tenant.id, &tenant.name, &filter, &page).await?))
}

/// Read a notification
#[utoipa::path(
    tag = "alerts",
    params(("tenant_id" = uuid::Uuid, Path), ("notification_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Notification),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/notifications/{notification_id}")]
async fn get_notification(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<web::Json<Notification>> {
    let id = path?.into_inner().1;
    let tenant = &caller.tenant;
    Ok(web::Json(notifications::get(&state.db, tenant.id, &tenant.name, id).await?))
}
