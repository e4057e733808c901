//! The seed UI's three paths (`../shared/seeds/004_*.txt`), as thin aliases over the tenant-scoped API. They take
//! `?tenant_id=`, or use the caller's only tenant.

use actix_web::{get, post, web};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Caller, Operate, Policy, ReadTenant};
use super::problem::{ApiError, Problem};
use super::recommendations::{RecommendationQuery, filter_of};
use super::score::{TenantScore, tenant_score};
use super::{Body, PathOf, Query, Reply};
use crate::domain::ids::TenantId;
use crate::domain::principal::Principal;
use crate::domain::recommendation::{Product, Status};
use crate::state::AppState;
use crate::store::page::{Page, PageRequest};
use crate::store::recommendations::{self, Recommendation};
use crate::store::scores::{self, Snapshot};
use crate::store::statuses::{StatusRequest, set_status};
use crate::store::tenants::{self, Tenant};

/// Mounts the routes of this module (outside `/api/v1`, where the seed UI expects them).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(seed_secure_score).service(seed_recommendations).service(seed_action_status);
}

/// Which tenant.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TenantParam {
    /// The tenant; may be left out by a caller who sees exactly one.
    pub tenant_id: Option<uuid::Uuid>,
}

/// The named tenant if the caller may see it, else the caller's only tenant; several and none named → 400.
async fn resolve(state: &AppState, principal: &Principal, tenant_id: Option<uuid::Uuid>) -> Reply<Tenant> {
    if let Some(id) = tenant_id.map(TenantId) {
        if !principal.tenants.includes(id) {
            return Err(ApiError::NotFound("tenant"));
        }
        return tenants::get(&state.db, id).await?.ok_or(ApiError::NotFound("tenant"));
    }
    let visible = tenants::list(&state.db, &principal.tenants, &PageRequest { limit: 50, after: None }).await?;
    match visible.items.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(ApiError::NotFound("tenant")),
        several => Err(ApiError::Malformed(format!(
            "You see several tenants: add ?tenant_id= with one of {}.",
            several.iter().map(|t| format!("{} ({})", t.id, t.name)).collect::<Vec<_>>().join(", ")
        ))),
    }
}

async fn tenant_of<P: Policy>(state: &AppState, caller: &Caller<P>, param: Query<TenantParam>) -> Reply<Tenant> {
    resolve(state, &caller.principal, param?.into_inner().tenant_id).await
}

/// The score now and its last 90 days.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SeedSecureScore {
    pub tenant_id: TenantId,
    pub score: TenantScore,
    pub history: Vec<Snapshot>,
}

/// Secure score and history (seed UI)
///
/// The same as `GET /api/v1/tenants/{tenant_id}/score` with the last 90 days of history.
#[utoipa::path(
    tag = "seed-ui",
    params(TenantParam),
    responses(
        (status = 200, body = SeedSecureScore),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Several tenants and none named"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/api/security-defender/secure-score")]
async fn seed_secure_score(
    state: web::Data<AppState>,
    caller: Caller<ReadTenant>,
    param: Query<TenantParam>,
) -> Reply<web::Json<SeedSecureScore>> {
    let tenant = tenant_of(&state, &caller, param).await?;
    let since = (state.clock.now() - Duration::days(89)).date_naive();
    let history = scores::history(&state.db, tenant.id, Product::M365, since).await?;
    Ok(web::Json(SeedSecureScore { tenant_id: tenant.id, score: tenant_score(&state, tenant.id).await?, history }))
}

/// Improvement actions (seed UI)
///
/// The same list as `GET /api/v1/tenants/{tenant_id}/recommendations`: points (`max`, `achieved`,
/// `points_available`), impact, difficulty (`implementation_cost`) and the quick-win tag, with the same filters.
#[utoipa::path(
    tag = "seed-ui",
    params(TenantParam, RecommendationQuery),
    responses(
        (status = 200, body = Page<Recommendation>),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "Several tenants and none named"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/api/security-defender/secure-score/recommendations")]
async fn seed_recommendations(
    state: web::Data<AppState>,
    caller: Caller<ReadTenant>,
    param: Query<TenantParam>,
    query: Query<RecommendationQuery>,
) -> Reply<web::Json<Page<std::sync::Arc<Recommendation>>>> {
    let tenant = tenant_of(&state, &caller, param).await?;
    let (filter, page) = filter_of(query?.into_inner())?;
    Ok(web::Json(state.item_lists.page(&state.db, tenant.id, &filter, &page, state.clock.now()).await?))
}

/// A status in the portal's words or the API's.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"status": "Planned"}))]
pub struct SeedStatus {
    /// "To address", "Planned", "In progress", "Resolved through third party", "Resolved through alternate
    /// mitigation", "Completed" (or `to_address` … `completed`). "Risk accepted" answers 409: use the register.
    pub status: String,
    pub note: Option<String>,
}

/// The status named by the portal's words or the API's.
fn status_of(text: &str) -> Option<Status> {
    let words = text.trim().to_lowercase().replace(['_', '-'], " ");
    Some(match words.as_str() {
        "to address" => Status::ToAddress,
        "planned" => Status::Planned,
        "in progress" => Status::InProgress,
        "risk accepted" => Status::RiskAccepted,
        "resolved through third party" | "third party" => Status::ThirdParty,
        "resolved through alternate mitigation" | "alternate mitigation" => Status::AlternateMitigation,
        "completed" => Status::Completed,
        _ => return None,
    })
}

/// Update an action's status (seed UI)
///
/// `actionId` is the Secure Score control id (`AdminMFAV2`). The same rules as
/// `PUT /api/v1/tenants/{tenant_id}/recommendations/{id}/status`.
#[utoipa::path(
    tag = "seed-ui",
    params(TenantParam, ("actionId" = String, Path, description = "The Secure Score control id")),
    request_body = SeedStatus,
    responses(
        (status = 200, body = Recommendation),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Risk accepted: use the register"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/api/security-defender/secure-score/actions/{actionId}/status")]
async fn seed_action_status(
    state: web::Data<AppState>,
    caller: Caller<Operate>,
    param: Query<TenantParam>,
    path: PathOf<String>,
    body: Body<SeedStatus>,
) -> Reply<web::Json<Recommendation>> {
    let tenant = tenant_of(&state, &caller, param).await?;
    let action = path?.into_inner();
    let body = body?.into_inner();
    let status = status_of(&body.status).ok_or_else(|| {
        crate::domain::ValidationError::field("status", format!("`{}` is not a status of Secure Score", body.status))
    })?;
    let id =
        recommendations::id_of_control(&state.db, tenant.id, &action).await?.ok_or(ApiError::NotFound("action"))?;
    let request = StatusRequest { status, note: body.note, evidence_url: None, version: None };
    set_status(&state.db, &caller.principal.actor(), state.clock.now(), tenant.id, id, request).await?;
    state.jobs.wake();
    Ok(web::Json(recommendations::get(&state.db, tenant.id, id, state.clock.now()).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portals_words_and_the_apis_both_name_statuses() {
        assert_eq!(status_of("Resolved through third party"), Some(Status::ThirdParty));
        assert_eq!(status_of("in_progress"), Some(Status::InProgress));
        assert_eq!(status_of(" Risk Accepted "), Some(Status::RiskAccepted));
        assert_eq!(status_of("done"), None);
    }
}
