//! Liveness and readiness.

use actix_web::{HttpResponse, get, web};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::Reply;
use super::problem::{ApiError, Problem};
use crate::state::AppState;

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz);
}

/// A health answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

/// Is the process up
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)), security(()))]
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Does the database answer
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, body = Health),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> Reply<HttpResponse> {
    state.db.execute_unprepared("SELECT 1").await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}
