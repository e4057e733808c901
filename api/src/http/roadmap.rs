//! Quarterly roadmaps: reading a plan (items, warnings, projected score), suggesting, adding, removing and
//! reordering items, locking the baseline and reading the plan against it. Item-level changes live in
//! `roadmap_items`.

use actix_web::{HttpRequest, delete, get, post, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Approve, Operate, ReadTenant, TenantCaller, expected_version};
use super::problem::Problem;
use super::{Body, PathOf, Reply};
use crate::domain::quarter::Quarter;
use crate::domain::roadmap::baseline::BaselineDiff;
use crate::domain::user::check_name;
use crate::state::AppState;
use crate::store::roadmap::{self, AddItem, Roadmap, RoadmapChange, RoadmapSummary};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_roadmaps)
        .service(get_roadmap)
        .service(suggest_roadmap)
        .service(add_roadmap_item)
        .service(remove_roadmap_item)
        .service(reorder_roadmap)
        .service(lock_roadmap_baseline)
        .service(get_roadmap_baseline_diff)
        .service(list_roadmap_changes);
}

/// The quarter in a path, checked.
pub(super) fn quarter(text: &str) -> Result<Quarter, super::problem::ApiError> {
    Ok(text.parse::<Quarter>()?)
}

async fn answer(
    state: &AppState,
    caller: &TenantCaller<impl super::extract::Policy>,
    q: Quarter,
) -> Reply<web::Json<Roadmap>> {
    state.jobs.wake();
    Ok(web::Json(roadmap::get(&state.db, caller.tenant.id, q, state.clock.now()).await?))
}

/// List the tenant's roadmaps
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Vec<RoadmapSummary>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/roadmaps")]
async fn list_roadmaps(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<Vec<RoadmapSummary>>> {
    Ok(web::Json(roadmap::list(&state.db, caller.tenant.id).await?))
}

/// Read a quarter's roadmap
///
/// Its items in order, with owner, target, phase, dependencies and change record; the warnings the plan carries
/// (size outside 10–15, items outside P1/P2, targets outside the quarter, no owner, late dependencies, phases
/// advanced early, high-impact changes without approvals); and the projected score if every item lands.
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1")),
    responses(
        (status = 200, body = Roadmap),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/roadmaps/{quarter}")]
async fn get_roadmap(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, String)>,
) -> Reply<web::Json<Roadmap>> {
    let q = quarter(&path?.1)?;
    Ok(web::Json(roadmap::get(&state.db, caller.tenant.id, q, state.clock.now()).await?))
}

/// Suggest items for a quarter
///
/// Appends P1 then P2 items by points still available until the plan holds 15: never an item completed, held by
/// a register decision or on another open plan, and never moving what people placed. Creates the plan if needed.
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1")),
    responses(
        (status = 200, body = Roadmap),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/roadmaps/{quarter}/suggest")]
async fn suggest_roadmap(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, String)>,
) -> Reply<web::Json<Roadmap>> {
    let q = quarter(&path?.1)?;
    roadmap::suggest(&state.db, &caller.principal.actor(), state.clock.now(), caller.tenant.id, q).await?;
    answer(&state, &caller, q).await
}

/// A recommendation to put on the plan.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"recommendation_id": "01900000-0000-7000-8000-000000000000", "owner_team": "Identity team", "target_date": "2027-02-15"}))]
pub struct NewRoadmapItem {
    pub recommendation_id: uuid::Uuid,
    pub owner_user_id: Option<uuid::Uuid>,
    pub owner_team: Option<String>,
    pub target_date: Option<chrono::NaiveDate>,
}

/// Add an item to a quarter's plan
///
/// At the end of the plan; a `to_address` recommendation becomes `planned`. Creates the plan if needed.
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1")),
    request_body = NewRoadmapItem,
    responses(
        (status = 200, body = Roadmap),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/roadmaps/{quarter}/items")]
async fn add_roadmap_item(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, String)>,
    body: Body<NewRoadmapItem>,
) -> Reply<web::Json<Roadmap>> {
    let q = quarter(&path?.1)?;
    let body = body?.into_inner();
    let owner_team = body.owner_team.map(|t| check_name("owner_team", &t, 200)).transpose()?;
    let add = AddItem {
        recommendation_id: body.recommendation_id,
        owner_user_id: body.owner_user_id,
        owner_team,
        target_date: body.target_date,
    };
    roadmap::add_item(&state.db, &caller.principal.actor(), state.clock.now(), caller.tenant.id, q, add).await?;
    answer(&state, &caller, q).await
}

/// Take an item off a quarter's plan
///
/// A recommendation the plan made `planned` goes back to `to_address`.
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1"), ("item_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Roadmap),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[delete("/tenants/{tenant_id}/roadmaps/{quarter}/items/{item_id}")]
async fn remove_roadmap_item(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, String, uuid::Uuid)>,
) -> Reply<web::Json<Roadmap>> {
    let (_, q, item) = path?.into_inner();
    let q = quarter(&q)?;
    roadmap::remove_item(&state.db, &caller.principal.actor(), state.clock.now(), caller.tenant.id, q, item).await?;
    answer(&state, &caller, q).await
}

/// The plan's items in their new order.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RoadmapOrder {
    /// Every item id of the plan, once each, in the new order.
    pub item_ids: Vec<uuid::Uuid>,
    /// The plan's version (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Reorder a quarter's plan
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1")),
    request_body = RoadmapOrder,
    responses(
        (status = 200, body = Roadmap),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[put("/tenants/{tenant_id}/roadmaps/{quarter}/order")]
async fn reorder_roadmap(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, String)>,
    body: Body<RoadmapOrder>,
) -> Reply<web::Json<Roadmap>> {
    let q = quarter(&path?.1)?;
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let (actor, now) = (caller.principal.actor(), state.clock.now());
    roadmap::reorder(&state.db, &actor, now, caller.tenant.id, q, &body.item_ids, version).await?;
    answer(&state, &caller, q).await
}

/// Lock the quarter's baseline
///
/// Freezes what the plan holds now; later changes stay allowed and are logged against it, so the quarter-end
/// review shows planned vs delivered vs slipped.
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1")),
    responses(
        (status = 200, body = Roadmap),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager"]))
)]
#[post("/tenants/{tenant_id}/roadmaps/{quarter}/baseline")]
async fn lock_roadmap_baseline(
    state: web::Data<AppState>,
    caller: TenantCaller<Approve>,
    path: PathOf<(uuid::Uuid, String)>,
) -> Reply<web::Json<Roadmap>> {
    let q = quarter(&path?.1)?;
    roadmap::lock_baseline(&state.db, &caller.principal.actor(), state.clock.now(), caller.tenant.id, q).await?;
    answer(&state, &caller, q).await
}

/// Compare a plan with its baseline
///
/// Planned, delivered, slipped, added, removed and re-targeted items, as of today (or the quarter's end).
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1")),
    responses(
        (status = 200, body = BaselineDiff),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/roadmaps/{quarter}/baseline-diff")]
async fn get_roadmap_baseline_diff(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, String)>,
) -> Reply<web::Json<BaselineDiff>> {
    let q = quarter(&path?.1)?;
    Ok(web::Json(roadmap::baseline_diff(&state.db, caller.tenant.id, q, state.clock.now()).await?))
}

/// List a plan's changes
///
/// Every change, oldest first: who, when, what; those made after the baseline was locked are marked.
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1")),
    responses(
        (status = 200, body = Vec<RoadmapChange>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/roadmaps/{quarter}/changes")]
async fn list_roadmap_changes(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, String)>,
) -> Reply<web::Json<Vec<RoadmapChange>>> {
    let q = quarter(&path?.1)?;
    Ok(web::Json(roadmap::changes(&state.db, caller.tenant.id, q).await?))
}
