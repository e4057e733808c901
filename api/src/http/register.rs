//! The risk-acceptance register: proposals (create, edit a draft), reading entries with their history, and the
//! tenant's register policy. The workflow steps live in `register_steps`, the register view in `register_view`.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Govern, Operate, ReadTenant, TenantCaller, expected_version};
use super::problem::{ApiError, Problem};
use super::{Body, PathOf, Query, Reply};
use crate::domain::register::policy::RegisterPolicy;
use crate::domain::register::proposal::Proposal;
use crate::domain::register::workflow::Action;
use crate::domain::register::{Decision, EntryState};
use crate::domain::{ValidationError, role::Role};
use crate::state::AppState;
use crate::store::page::{Page, PageParams};
use crate::store::register::{self, RegisterFilter, RiskAcceptance};
use crate::store::triage_settings::Versioned;

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_risk_acceptance)
        .service(list_risk_acceptances)
        .service(get_risk_acceptance)
        .service(update_risk_acceptance)
        .service(get_register_policy)
        .service(put_register_policy);
}

/// Refuses a role that can never take `action`, before anything is looked up (DESIGN.md: 403 before 409).
pub(super) fn may_ever(action: Action, role: Role) -> Result<(), ApiError> {
    match crate::domain::register::workflow::roles_for(action) {
        roles if roles.contains(&role) => Ok(()),
        roles => {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::Forbidden(format!("`{}` is for {}, not {role}", action.as_str(), names.join(", "))))
        }
    }
}

/// Propose a risk acceptance (or a third-party / alternate-mitigation decision)
///
/// Creates a draft covering one or more recommendations; its points at stake and category are snapshotted now and
/// kept current while it is open. An item may be in one open entry at a time (409 names it).
#[utoipa::path(
    tag = "register",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = Proposal,
    responses(
        (status = 201, body = RiskAcceptance, headers(("Location" = String, description = "URL of the new entry"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/risk-acceptances")]
async fn create_risk_acceptance(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    body: Body<Proposal>,
) -> Reply<HttpResponse> {
    let proposal = body?.into_inner().checked()?;
    let actor = caller.principal.actor();
    let entry = register::create(&state.db, &actor, state.clock.now(), caller.tenant.id, proposal).await?;
    let location = format!("/api/v1/tenants/{}/risk-acceptances/{}", caller.tenant.id, entry.id);
    Ok(HttpResponse::Created().insert_header(("Location", location)).json(entry))
}

/// Filters on the register.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    pub state: Option<EntryState>,
    pub decision: Option<Decision>,
    /// In force with the review date within this window, e.g. `30d` (overdue ones included).
    pub review_due_within: Option<String>,
    pub needs_re_review: Option<bool>,
    /// The approver's name or id.
    pub approver: Option<String>,
    /// A category of the covered items (Identity, Data, Apps, …).
    pub category: Option<String>,
    pub recommendation_id: Option<uuid::Uuid>,
    /// Items per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Parses `30d` (or `30`) as days.
fn days(field: &str, text: &str) -> Result<u64, ValidationError> {
    let number = text.trim().strip_suffix('d').unwrap_or(text.trim());
    number
        .parse::<u64>()
        .ok()
        .filter(|d| *d <= 3650)
        .ok_or_else(|| ValidationError::field(field, "must be a number of days, e.g. `30d`"))
}

impl RegisterQuery {
    /// The filter and paging this query asks for.
    pub(super) fn split(self) -> Result<(RegisterFilter, PageParams), ValidationError> {
        let review_due_within_days =
            self.review_due_within.as_deref().map(|t| days("review_due_within", t)).transpose()?;
        let filter = RegisterFilter {
            state: self.state,
            decision: self.decision,
            review_due_within_days,
            needs_re_review: self.needs_re_review,
            approver: self.approver,
            category: self.category,
            recommendation_id: self.recommendation_id,
        };
        Ok((filter, PageParams { limit: self.limit, cursor: self.cursor }))
    }
}

/// List register entries
///
/// Newest first, with effective states (`expired` once an approval passes its review date and grace period),
/// `review_due`, `needs_re_review` and its reasons. `?review_due_within=30d` lists what is coming up.
#[utoipa::path(
    tag = "register",
    params(("tenant_id" = uuid::Uuid, Path), RegisterQuery),
    responses(
        (status = 200, body = Page<RiskAcceptance>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/risk-acceptances")]
async fn list_risk_acceptances(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    query: Query<RegisterQuery>,
) -> Reply<web::Json<Page<RiskAcceptance>>> {
    let (filter, page) = query?.into_inner().split()?;
    let page = page.parse()?;
    Ok(web::Json(register::list(&state.db, caller.tenant.id, &filter, &page, state.clock.now()).await?))
}

/// Read a register entry
///
/// With its covered recommendations and every step of its history (who, when, from → to, comment).
#[utoipa::path(
    tag = "register",
    params(("tenant_id" = uuid::Uuid, Path), ("entry_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = RiskAcceptance),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/risk-acceptances/{entry_id}")]
async fn get_risk_acceptance(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<web::Json<RiskAcceptance>> {
    let id = path?.1;
    Ok(web::Json(register::get(&state.db, caller.tenant.id, id, state.clock.now()).await?))
}

/// A draft's new text and items, with the version it is based on.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateProposal {
    #[serde(flatten)]
    pub proposal: Proposal,
    /// Required (or send `If-Match`): 428 without it, 412 when stale.
    pub version: Option<i64>,
}

/// Edit a draft
///
/// Replaces the text and the covered recommendations. Only a draft can be edited; a returned entry is a draft
/// again.
#[utoipa::path(
    tag = "register",
    params(("tenant_id" = uuid::Uuid, Path), ("entry_id" = uuid::Uuid, Path)),
    request_body = UpdateProposal,
    responses(
        (status = 200, body = RiskAcceptance),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[put("/tenants/{tenant_id}/risk-acceptances/{entry_id}")]
async fn update_risk_acceptance(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Operate>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    body: Body<UpdateProposal>,
) -> Reply<web::Json<RiskAcceptance>> {
    may_ever(Action::Update, caller.principal.role)?;
    let id = path?.1;
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let proposal = body.proposal.checked()?;
    let actor = caller.principal.actor();
    let (now, tenant, role) = (state.clock.now(), caller.tenant.id, caller.principal.role);
    Ok(web::Json(register::update(&state.db, &actor, role, now, tenant, id, proposal, version).await?))
}

/// Read the register policy
///
/// The low-impact limit (points at stake an IT manager may approve, with residual risk low), the review period and
/// the grace period before an unrenewed approval expires.
#[utoipa::path(
    tag = "register",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Versioned<RegisterPolicy>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/register-policy")]
async fn get_register_policy(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<Versioned<RegisterPolicy>>> {
    Ok(web::Json(register::policy(&state.db, caller.tenant.id).await?))
}

/// A new register policy.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"low_impact_max_points": 2.0, "review_period_months": 12, "grace_days": 30}))]
pub struct PutPolicy {
    #[serde(flatten)]
    pub policy: RegisterPolicy,
    /// The version the change is based on (or send `If-Match`); checked when given.
    pub version: Option<i64>,
}

/// Change the register policy
///
/// Takes effect at once: at the next approval or renewal, and in review-due and expiry as they are read.
#[utoipa::path(
    tag = "register",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = PutPolicy,
    responses(
        (status = 200, body = Versioned<RegisterPolicy>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso"]))
)]
#[put("/tenants/{tenant_id}/register-policy")]
async fn put_register_policy(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Govern>,
    body: Body<PutPolicy>,
) -> Reply<web::Json<Versioned<RegisterPolicy>>> {
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let actor = caller.principal.actor();
    let stored =
        register::set_policy(&state.db, &actor, state.clock.now(), caller.tenant.id, &body.policy, version).await?;
    Ok(web::Json(Versioned { value: body.policy, version: stored }))
}
