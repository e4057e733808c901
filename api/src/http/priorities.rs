//! How a tenant prioritises: its priority rule table, its audit scope, and the bucket summary.

use actix_web::{HttpRequest, get, put, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Govern, ReadTenant, TenantCaller, expected_version};
use super::problem::Problem;
use super::{Body, Reply};
use crate::domain::bucket::{PriorityRule, RuleSet};
use crate::state::AppState;
use crate::store::recommendations::BucketSummary;
use crate::store::triage_settings::{self, AuditScope, Versioned};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_priority_rules)
        .service(put_priority_rules)
        .service(get_audit_scope)
        .service(put_audit_scope)
        .service(get_priority_summary);
}

/// A rule table and its version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PriorityRules {
    pub rules: Vec<PriorityRule>,
    /// 0 while DESIGN.md's default table applies.
    pub version: i64,
    /// Rules no rated combination can reach (they are kept, but place nothing).
    pub warnings: Vec<String>,
}

/// Read the priority rules
///
/// Evaluated top to bottom; the first matching rule places an item.
#[utoipa::path(
    tag = "priorities",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = PriorityRules),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/priority-rules")]
async fn get_priority_rules(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<PriorityRules>> {
    let stored = triage_settings::rules(&state.db, caller.tenant.id).await?;
    let warnings = stored.value.check().unwrap_or_default();
    Ok(web::Json(PriorityRules { rules: stored.value.rules, version: stored.version, warnings }))
}

/// A new rule table.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"rules": [
    {"name": "quick-win", "bucket": "P1", "risk": ["high"], "effort": ["low"], "aligned": true},
    {"name": "backlog", "bucket": "P4", "risk": [], "effort": [], "aligned": null}
], "version": 0}))]
pub struct PutPriorityRules {
    pub rules: Vec<PriorityRule>,
    /// The version the change is based on (or send `If-Match`); 0 replaces the default table.
    pub version: Option<i64>,
}

/// Replace the priority rules
///
/// Refused (422) when some rated combination of risk, effort and alignment would land in no bucket. Every item
/// is re-bucketed at once.
#[utoipa::path(
    tag = "priorities",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = PutPriorityRules,
    responses(
        (status = 200, body = PriorityRules),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso"]))
)]
#[put("/tenants/{tenant_id}/priority-rules")]
async fn put_priority_rules(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Govern>,
    body: Body<PutPriorityRules>,
) -> Reply<web::Json<PriorityRules>> {
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let rules = RuleSet { rules: body.rules };
    let (version, warnings) = triage_settings::set_rules(
        &state.db,
        &caller.principal.actor(),
        state.clock.now(),
        caller.tenant.id,
        &rules,
        version,
    )
    .await?;
    Ok(web::Json(PriorityRules { rules: rules.rules, version, warnings }))
}

/// Read the audit scope
///
/// The frameworks whose controls make an item "regulatory-aligned".
#[utoipa::path(
    tag = "priorities",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Versioned<AuditScope>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/audit-scope")]
async fn get_audit_scope(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<Versioned<AuditScope>>> {
    Ok(web::Json(triage_settings::scope(&state.db, caller.tenant.id).await?))
}

/// A new audit scope.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"frameworks": ["iso27001", "nis2", "gdpr"], "version": 0}))]
pub struct PutAuditScope {
    pub frameworks: Vec<String>,
    /// The version the change is based on (or send `If-Match`); 0 replaces the default scope.
    pub version: Option<i64>,
}

/// Replace the audit scope
///
/// Shipped frameworks and the tenant's own (not archived) may be named. Every item's alignment and bucket follow
/// at once.
#[utoipa::path(
    tag = "priorities",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = PutAuditScope,
    responses(
        (status = 200, body = Versioned<AuditScope>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso"]))
)]
#[put("/tenants/{tenant_id}/audit-scope")]
async fn put_audit_scope(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Govern>,
    body: Body<PutAuditScope>,
) -> Reply<web::Json<Versioned<AuditScope>>> {
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let scope = AuditScope { frameworks: body.frameworks };
    // The frameworks this tenant sees (shipped and its own, not archived), not a second list in the code.
    let known = crate::store::frameworks::scope_candidates(&state.db, caller.tenant.id).await?;
    let version = triage_settings::set_scope(
        &state.db,
        &caller.principal.actor(),
        state.clock.now(),
        caller.tenant.id,
        &scope,
        &known,
        version,
    )
    .await?;
    Ok(web::Json(Versioned { value: scope, version }))
}

/// Bucket summary
///
/// Items and points still available per priority bucket.
#[utoipa::path(
    tag = "priorities",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Vec<BucketSummary>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/priorities/summary")]
async fn get_priority_summary(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<Vec<BucketSummary>>> {
    Ok(web::Json(state.item_lists.bucket_summary(&state.db, caller.tenant.id).await?))
}
