//! One roadmap item: its planning fields and change record, its rollout phase, and the approvals a high-impact
//! change needs (the IT manager's own, and the business-unit lead's as recorded by an IT manager or CISO).

use actix_web::{HttpRequest, patch, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Approve, Operate, TenantCaller, expected_version};
use super::problem::{ApiError, Problem};
use super::roadmap::quarter;
use super::{Body, PathOf, Reply};
use crate::domain::register::proposal::check_text;
use crate::domain::roadmap::Phase;
use crate::domain::role::Role;
use crate::domain::user::check_name;
use crate::domain::{ValidationError, Violations};
use crate::state::AppState;
use crate::store::roadmap::{self, BusinessLeadApproval, Dependency, ItemUpdate, PhaseChange, Roadmap};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(update_roadmap_item)
        .service(set_roadmap_item_phase)
        .service(approve_roadmap_item)
        .service(record_business_lead_approval);
}

const MAX_TEXT: usize = 5000;

/// A field that is present, even as `null` (`Some(None)`), as opposed to absent (`None`).
fn present<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

/// Fields to change on an item; omitted ones stay, `null` clears the nullable ones.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"owner_team": "Identity team", "target_date": "2027-02-15", "rollback_plan": "Disable the CA policy", "dependencies": [{"kind": "budget", "description": "FIDO2 keys purchase", "expected_date": "2027-01-20"}], "version": 0}))]
pub struct RoadmapItemChange {
    #[serde(default, deserialize_with = "present")]
    pub owner_user_id: Option<Option<uuid::Uuid>>,
    #[serde(default, deserialize_with = "present")]
    pub owner_team: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub target_date: Option<Option<NaiveDate>>,
    /// Replaces every dependency of the item.
    pub dependencies: Option<Vec<Dependency>>,
    pub change_what: Option<String>,
    pub change_why: Option<String>,
    pub rollback_plan: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub communication_date: Option<Option<NaiveDate>>,
    /// `low`, `medium`, `high` or `unknown`.
    pub user_impact: Option<String>,
    /// The item's version (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

fn checked(body: RoadmapItemChange, version: Option<i64>) -> Result<ItemUpdate, ValidationError> {
    let mut violations = Violations::default();
    let mut text = |field: &str, value: Option<String>| {
        value.and_then(|v| match check_text(field, &v, MAX_TEXT) {
            Ok(t) => Some(t),
            Err(e) => {
                for error in e.errors {
                    violations.add(error.field, error.message);
                }
                None
            }
        })
    };
    let change_what = text("change_what", body.change_what);
    let change_why = text("change_why", body.change_why);
    let rollback_plan = text("rollback_plan", body.rollback_plan);
    if let Some(impact) = &body.user_impact
        && !["low", "medium", "high", "unknown"].contains(&impact.as_str())
    {
        violations.add("user_impact", "must be low, medium, high or unknown");
    }
    let owner_team = match body.owner_team {
        Some(Some(team)) => match check_name("owner_team", &team, 200) {
            Ok(t) => Some(Some(t)),
            Err(e) => {
                for error in e.errors {
                    violations.add(error.field, error.message);
                }
                None
            }
        },
        other => other,
    };
    violations.finish()?;
    Ok(ItemUpdate {
        owner_user_id: body.owner_user_id,
        owner_team,
        target_date: body.target_date,
        dependencies: body.dependencies,
        change_what,
        change_why,
        rollback_plan,
        communication_date: body.communication_date,
        user_impact: body.user_impact,
        version,
    })
}

/// Change an item's owner, target, dependencies or change record
///
/// A dependency on another item of the plan that would close a cycle is refused (422).
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1"), ("item_id" = uuid::Uuid, Path)),
    request_body = RoadmapItemChange,
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
#[patch("/tenants/{tenant_id}/roadmaps/{quarter}/items/{item_id}")]
async fn update_roadmap_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, String, uuid::Uuid)>,
    body: Body<RoadmapItemChange>,
) -> Reply<web::Json<Roadmap>> {
    let (_, q, item) = path?.into_inner();
    let q = quarter(&q)?;
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let update = checked(body, version)?;
    let (actor, now) = (caller.principal.actor(), state.clock.now());
    roadmap::update_item(&state.db, &actor, now, caller.tenant.id, q, item, update).await?;
    Ok(web::Json(roadmap::get(&state.db, caller.tenant.id, q, now).await?))
}

/// A move to another rollout phase.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"phase": "pilot", "notes": "CA-Pilot-Admins: 3 admin accounts", "version": 0}))]
pub struct RoadmapPhaseChange {
    pub phase: Phase,
    /// Default: today.
    pub started_on: Option<NaiveDate>,
    /// Default: pilot 7, early adopters 14, general 30 days.
    pub observation_days: Option<u32>,
    pub notes: Option<String>,
    /// The item's version (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Move an item to a rollout phase
///
/// `pilot` makes the recommendation `in_progress`; `done` marks it `completed` with the change record as
/// evidence, pending Microsoft's confirmation. A move before the previous phase's observation window ended is
/// allowed and shows as a warning.
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1"), ("item_id" = uuid::Uuid, Path)),
    request_body = RoadmapPhaseChange,
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
#[post("/tenants/{tenant_id}/roadmaps/{quarter}/items/{item_id}/phase")]
async fn set_roadmap_item_phase(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, String, uuid::Uuid)>,
    body: Body<RoadmapPhaseChange>,
) -> Reply<web::Json<Roadmap>> {
    let (_, q, item) = path?.into_inner();
    let q = quarter(&q)?;
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    if body.observation_days.is_some_and(|d| d > 365) {
        return Err(ValidationError::field("observation_days", "must be at most 365").into());
    }
    let notes = body.notes.map(|n| check_text("notes", &n, MAX_TEXT)).transpose()?;
    let change = PhaseChange {
        phase: body.phase,
        started_on: body.started_on,
        observation_days: body.observation_days,
        notes,
        version,
    };
    let (actor, now) = (caller.principal.actor(), state.clock.now());
    roadmap::set_phase(&state.db, &actor, now, caller.tenant.id, q, item, change).await?;
    state.jobs.wake();
    Ok(web::Json(roadmap::get(&state.db, caller.tenant.id, q, now).await?))
}

/// The version an approval is based on.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 0}))]
pub struct ItemVersion {
    pub version: Option<i64>,
}

/// Approve a change as IT manager
///
/// A high-user-impact change needs it (and the business-unit lead's). Only an IT manager gives it.
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1"), ("item_id" = uuid::Uuid, Path)),
    request_body = ItemVersion,
    responses(
        (status = 200, body = Roadmap),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["it_manager"]))
)]
#[post("/tenants/{tenant_id}/roadmaps/{quarter}/items/{item_id}/approvals/it-manager")]
async fn approve_roadmap_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Approve>,
    path: PathOf<(uuid::Uuid, String, uuid::Uuid)>,
    body: Body<ItemVersion>,
) -> Reply<web::Json<Roadmap>> {
    if caller.principal.role != Role::ItManager {
        return Err(ApiError::Forbidden(
            "the IT manager approves a change as IT manager; a CISO records the business-unit lead's approval".into(),
        ));
    }
    let (_, q, item) = path?.into_inner();
    let q = quarter(&q)?;
    let version = expected_version(&req, body?.version)?;
    let (actor, now) = (caller.principal.actor(), state.clock.now());
    roadmap::approve_as_it_manager(&state.db, &actor, now, caller.tenant.id, q, item, version).await?;
    Ok(web::Json(roadmap::get(&state.db, caller.tenant.id, q, now).await?))
}

/// The business-unit lead's approval, as recorded.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Maria Papadopoulou (Sales)", "approved_on": "2027-01-12", "evidence_url": "https://contoso.sharepoint.com/changes/CR-114", "version": 0}))]
pub struct BusinessLeadBody {
    pub name: String,
    pub approved_on: NaiveDate,
    pub evidence_url: Option<String>,
    pub version: Option<i64>,
}

/// Record the business-unit lead's approval
#[utoipa::path(
    tag = "roadmap",
    params(("tenant_id" = uuid::Uuid, Path), ("quarter" = String, Path, example = "2027-Q1"), ("item_id" = uuid::Uuid, Path)),
    request_body = BusinessLeadBody,
    responses(
        (status = 200, body = Roadmap),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager"]))
)]
#[post("/tenants/{tenant_id}/roadmaps/{quarter}/items/{item_id}/approvals/business-lead")]
async fn record_business_lead_approval(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Approve>,
    path: PathOf<(uuid::Uuid, String, uuid::Uuid)>,
    body: Body<BusinessLeadBody>,
) -> Reply<web::Json<Roadmap>> {
    let (_, q, item) = path?.into_inner();
    let q = quarter(&q)?;
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let name = check_name("name", &body.name, 200)?;
    if let Some(url) = &body.evidence_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(ValidationError::field("evidence_url", "must be an http(s) link").into());
    }
    let approval =
        BusinessLeadApproval { name, approved_on: body.approved_on, evidence_url: body.evidence_url, version };
    let (actor, now) = (caller.principal.actor(), state.clock.now());
    roadmap::record_business_lead(&state.db, &actor, now, caller.tenant.id, q, item, approval).await?;
    Ok(web::Json(roadmap::get(&state.db, caller.tenant.id, q, now).await?))
}
