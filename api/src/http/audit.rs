//! Reading and verifying the audit trail: per tenant (its members with an audit role) and for the platform
//! (admins).

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Administer, Caller, ReadAudit, TenantCaller};
use super::problem::Problem;
use super::{Query, Reply};
use crate::domain::audit::Chain;
use crate::state::AppState;
use crate::store::audit::{self, AuditFilter, AuditRecord, ChainReport};
use crate::store::page::{Page, PageParams};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tenant_audit)
        .service(verify_tenant_audit)
        .service(list_platform_audit)
        .service(verify_platform_audit);
}

/// Filters on the trail.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only rows about this kind of thing (`tenant`, `user`, `membership`, `service_token`, …).
    pub entity: Option<String>,
    /// Only rows about this id.
    pub entity_id: Option<String>,
    /// Only rows by this actor (username, token name or id).
    pub actor: Option<String>,
    /// Only rows at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only rows before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Items per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl AuditQuery {
    fn split(self) -> (AuditFilter, PageParams) {
        let filter = AuditFilter {
            entity: self.entity,
            entity_id: self.entity_id,
            actor: self.actor,
            from: self.from,
            to: self.to,
        };
        (filter, PageParams { limit: self.limit, cursor: self.cursor })
    }
}

async fn list_chain(state: &AppState, chain: Chain, query: AuditQuery) -> Reply<web::Json<Page<AuditRecord>>> {
    let (filter, page) = query.split();
    let page = page.parse()?;
    Ok(web::Json(audit::list(&state.db, chain, &filter, &page).await?))
}

/// Read a tenant's audit trail
///
/// Oldest first. Each row carries the hash of the row before it and its own hash.
#[utoipa::path(
    tag = "audit",
    params(("tenant_id" = uuid::Uuid, Path), AuditQuery),
    responses(
        (status = 200, body = Page<AuditRecord>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "auditor"]))
)]
#[get("/tenants/{tenant_id}/audit")]
async fn list_tenant_audit(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadAudit>,
    query: Query<AuditQuery>,
) -> Reply<web::Json<Page<AuditRecord>>> {
    list_chain(&state, Chain::Tenant(caller.tenant.id), query?.into_inner()).await
}

/// Verify a tenant's audit trail
///
/// Recomputes every hash from the first row and reports the first row that does not match.
#[utoipa::path(
    tag = "audit",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = ChainReport),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "auditor"]))
)]
#[get("/tenants/{tenant_id}/audit/verify")]
async fn verify_tenant_audit(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadAudit>,
) -> Reply<web::Json<ChainReport>> {
    Ok(web::Json(audit::verify(&state.db, Chain::Tenant(caller.tenant.id)).await?))
}

/// Read the platform audit trail
///
/// Users, tenants, service tokens and platform settings.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, body = Page<AuditRecord>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/audit")]
async fn list_platform_audit(
    state: web::Data<AppState>,
    _caller: Caller<Administer>,
    query: Query<AuditQuery>,
) -> Reply<web::Json<Page<AuditRecord>>> {
    list_chain(&state, Chain::Platform, query?.into_inner()).await
}

/// Verify the platform audit trail
#[utoipa::path(
    tag = "audit",
    responses(
        (status = 200, body = ChainReport),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/audit/verify")]
async fn verify_platform_audit(
    state: web::Data<AppState>,
    _caller: Caller<Administer>,
) -> Reply<web::Json<ChainReport>> {
    Ok(web::Json(audit::verify(&state.db, Chain::Platform).await?))
}
