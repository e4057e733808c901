//! Reading a tenant's recommendations, and linking an unmatched one to its control id.

use actix_web::{HttpRequest, get, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Operate, ReadTenant, TenantCaller, expected_version};
use super::problem::{ApiError, Problem};
use super::{Body, PathOf, Query, Reply};
use crate::domain::recommendation::{Product, Status};
use crate::domain::user::check_name;
use crate::state::AppState;
use crate::store::page::{Page, PageParams};
use crate::store::recommendations::{self, Recommendation, RecommendationFilter, RecommendationSort, StatusSummary};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_recommendations)
        .service(get_status_summary)
        .service(get_recommendation)
        .service(link_external_id)
        .service(rate_recommendation)
        .service(set_recommendation_status);
}

/// Filters and sort of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecommendationQuery {
    /// `m365` or `defender_cloud`.
    pub product: Option<Product>,
    /// Identity, Data, Device, Apps, Infrastructure (case-insensitive).
    pub category: Option<String>,
    pub status: Option<Status>,
    /// The owning service (e.g. `AzureAD`, `MDO`), case-insensitive.
    pub service: Option<String>,
    /// Text in the title or the control id, case-insensitive.
    pub q: Option<String>,
    pub regressed: Option<bool>,
    pub unmatched: Option<bool>,
    /// `P1`, `P2`, `P3`, `P4` or `unrated`.
    pub bucket: Option<crate::domain::bucket::Bucket>,
    /// Items owned by this user (id) or team (name).
    pub owner: Option<String>,
    /// Items with this tag.
    pub tag: Option<String>,
    /// Also list items Microsoft no longer lists.
    #[serde(default)]
    pub include_removed: bool,
    /// `rank` (default), `score_impact` (points still available, most first), `title`, or `bucket` (P1 first, then
    /// points still available).
    pub sort: Option<RecommendationSort>,
    /// Items per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List recommendations
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path), RecommendationQuery),
    responses(
        (status = 200, body = Page<Recommendation>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/recommendations")]
async fn list_recommendations(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    query: Query<RecommendationQuery>,
) -> Reply<web::Json<Page<std::sync::Arc<Recommendation>>>> {
    let (filter, page) = filter_of(query?.into_inner())?;
    Ok(web::Json(state.item_lists.page(&state.db, caller.tenant.id, &filter, &page, state.clock.now()).await?))
}

/// Status summary
///
/// Items and points still available per team status (every status listed, zeros included), over the current
/// items; one request for what a dashboard shows as status counts.
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Vec<StatusSummary>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/statuses/summary")]
async fn get_status_summary(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<Vec<StatusSummary>>> {
    Ok(web::Json(state.item_lists.status_summary(&state.db, caller.tenant.id).await?))
}

/// The store's filter and page from the list's query parameters.
pub fn filter_of(q: RecommendationQuery) -> Result<(RecommendationFilter, crate::store::page::PageRequest), ApiError> {
    let page = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    let filter = RecommendationFilter {
        product: q.product,
        category: q.category,
        status: q.status,
        service: q.service,
        text: q.q,
        regressed: q.regressed,
        unmatched: q.unmatched,
        bucket: q.bucket,
        owner: q.owner,
        tag: q.tag,
        include_removed: q.include_removed,
        sort: q.sort.unwrap_or_default(),
    };
    Ok((filter, page))
}

/// Read a recommendation
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path), ("recommendation_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Recommendation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/recommendations/{recommendation_id}")]
async fn get_recommendation(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<web::Json<Recommendation>> {
    Ok(web::Json(recommendations::get(&state.db, caller.tenant.id, path?.1, state.clock.now()).await?))
}

/// The control id to link an unmatched item to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"external_id": "AdminMFAV2"}))]
pub struct LinkExternalId {
    /// The Secure Score control id, e.g. `AdminMFAV2`.
    pub external_id: String,
    /// The item's version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Link an unmatched item to its control id
///
/// When the tenant already has an item with that id, the unmatched one is merged into it: its status history
/// and sources move over. Otherwise the item takes the id.
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path), ("recommendation_id" = uuid::Uuid, Path)),
    request_body = LinkExternalId,
    responses(
        (status = 200, body = Recommendation, description = "The linked item (the one kept, after a merge)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The item already has another id"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[put("/tenants/{tenant_id}/recommendations/{recommendation_id}/external-id")]
async fn link_external_id(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    body: Body<LinkExternalId>,
) -> Reply<web::Json<Recommendation>> {
    let id = path?.1;
    let body = body?.into_inner();
    let external_id = check_name("external_id", &body.external_id, 300)?;
    let version = expected_version(&req, body.version)?;
    let linked = recommendations::link_external_id(
        &state.db,
        &caller.principal.actor(),
        state.clock.now(),
        caller.tenant.id,
        id,
        external_id,
        version,
    )
    .await?;
    Ok(web::Json(linked))
}

/// A rating: both axes (either may be `null` to clear it) and why.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"risk_reduction": "high", "implementation_effort": "low", "note": "MFA for admins is table stakes"}))]
pub struct RateRecommendation {
    pub risk_reduction: Option<crate::domain::rating::Level>,
    pub implementation_effort: Option<crate::domain::rating::Level>,
    /// Why, kept in the rating history and the audit trail.
    pub note: Option<String>,
    /// The rating's version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Rate a recommendation
///
/// Risk reduction and implementation effort (`high`, `medium`, `low`). The item is unrated until both are set;
/// rated items are placed in a priority bucket at once. Every change is kept with who, when, old → new and the note.
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path), ("recommendation_id" = uuid::Uuid, Path)),
    request_body = RateRecommendation,
    responses(
        (status = 200, body = Recommendation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[put("/tenants/{tenant_id}/recommendations/{recommendation_id}/rating")]
async fn rate_recommendation(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    body: Body<RateRecommendation>,
) -> Reply<web::Json<Recommendation>> {
    let id = path?.1;
    let body = body?.into_inner();
    let note = match body.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => Some(check_name("note", n, 2000)?),
        None => None,
    };
    let version = expected_version(&req, body.version)?;
    let rating = crate::domain::rating::Rating {
        risk_reduction: body.risk_reduction,
        implementation_effort: body.implementation_effort,
    };
    let tenant = caller.tenant.id;
    let actor = caller.principal.actor();
    let rater = crate::store::ratings::Rater { actor: &actor, now: state.clock.now(), tenant };
    crate::store::ratings::set_rating(&state.db, rater, id, rating, note, version).await?;
    Ok(web::Json(recommendations::get(&state.db, tenant, id, state.clock.now()).await?))
}

/// A status to set.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"status": "completed", "note": "Conditional Access policy enforced for all admins", "evidence_url": "https://contoso.sharepoint.com/evidence/ca-admin-mfa.png"}))]
pub struct SetStatus {
    /// `to_address`, `planned`, `in_progress`, `third_party`, `alternate_mitigation` or `completed`.
    pub status: Status,
    pub note: Option<String>,
    /// A link to the evidence.
    pub evidence_url: Option<String>,
    /// The item's version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Set a recommendation's status
///
/// `risk_accepted` is refused (409): it comes only from an approved entry in the risk-acceptance register.
/// `completed` records who and when with the optional evidence, and stays pending confirmation until an import
/// shows every point achieved. `third_party` and `alternate_mitigation` show `undocumented` until an approved
/// register entry covers them.
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path), ("recommendation_id" = uuid::Uuid, Path)),
    request_body = SetStatus,
    responses(
        (status = 200, body = Recommendation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "risk_accepted, or an item under an approved acceptance"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[put("/tenants/{tenant_id}/recommendations/{recommendation_id}/status")]
async fn set_recommendation_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    body: Body<SetStatus>,
) -> Reply<web::Json<Recommendation>> {
    let id = path?.1;
    let body = body?.into_inner();
    let mut violations = crate::domain::Violations::default();
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .and_then(|n| violations.check(check_name("note", n, 2000)));
    let evidence_url = body.evidence_url.as_deref().map(str::trim).filter(|u| !u.is_empty()).map(str::to_owned);
    if let Some(url) = &evidence_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        violations.add("evidence_url", "must be an http(s) link");
    }
    violations.finish()?;
    let version = expected_version(&req, body.version)?;
    let request = crate::store::statuses::StatusRequest { status: body.status, note, evidence_url, version };
    let tenant = caller.tenant.id;
    crate::store::statuses::set_status(&state.db, &caller.principal.actor(), state.clock.now(), tenant, id, request)
        .await?;
    // A write-back may have been queued.
    state.jobs.wake();
    Ok(web::Json(recommendations::get(&state.db, tenant, id, state.clock.now()).await?))
}
