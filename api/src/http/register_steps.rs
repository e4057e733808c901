//! The register's workflow steps, one endpoint each: submit, review, return, approve, reject, revoke, renew.
//! Every step carries the version it is based on (428 without, 412 when stale) and is recorded in the entry's
//! history and the tenant's audit trail.

use actix_web::{HttpRequest, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Operate, ReadTenant, TenantCaller, expected_version};
use super::problem::Problem;
use super::register::may_ever;
use super::{Body, PathOf, Reply};
use crate::domain::register::proposal::check_text;
use crate::domain::register::workflow::{Action, Attempt, Refusal, options};
use crate::state::AppState;
use crate::store::register::{self, RiskAcceptance, StepRequest};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_risk_acceptance)
        .service(review_risk_acceptance)
        .service(return_risk_acceptance)
        .service(approve_risk_acceptance)
        .service(reject_risk_acceptance)
        .service(revoke_risk_acceptance)
        .service(renew_risk_acceptance)
        .service(risk_acceptance_steps);
}

/// The steps one person may take on an entry now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntrySteps {
    /// What the server would accept from you now: offer only these.
    pub allowed: Vec<Action>,
    /// What it would refuse, and why (role, state, separation of duties, impact).
    pub refused: Vec<RefusedStep>,
}

/// A step the server would refuse.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefusedStep {
    pub action: Action,
    pub reason: String,
}

/// The steps open to you
///
/// Every workflow step judged for the caller on this entry as it stands, by the same rules the steps enforce:
/// role, state, separation of duties (proposer, reviewer and approver differ) and the low-impact rule. A user
/// interface offers exactly `allowed`; the server still judges every step when it is taken.
#[utoipa::path(
    tag = "register",
    params(("tenant_id" = uuid::Uuid, Path), ("entry_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = EntrySteps),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/risk-acceptances/{entry_id}/steps")]
async fn risk_acceptance_steps(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<web::Json<EntrySteps>> {
    let id = path?.1;
    let entry = register::get(&state.db, caller.tenant.id, id, state.clock.now()).await?;
    let actor = caller.principal.id.to_string();
    let attempt = Attempt {
        action: Action::Update,
        state: entry.state,
        role: caller.principal.role,
        actor: &actor,
        proposer: entry.proposer.id.as_deref().unwrap_or_default(),
        reviewer: entry.reviewer.as_ref().and_then(|r| r.id.as_deref()),
        low_impact: if entry.low_impact { Ok(()) } else { Err(entry.low_impact_failure.clone().unwrap_or_default()) },
    };
    let mut steps = EntrySteps { allowed: Vec::new(), refused: Vec::new() };
    for (action, judged) in options(&attempt) {
        match judged {
            Ok(_) => steps.allowed.push(action),
            Err(Refusal::Forbidden(reason) | Refusal::Conflict(reason)) => {
                steps.refused.push(RefusedStep { action, reason })
            }
        }
    }
    Ok(web::Json(steps))
}

/// Characters a comment or reason of a step may hold at most.
pub const MAX_COMMENT: usize = 5000;

/// A step with an optional comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 0, "comment": "Ready for review"}))]
pub struct StepBody {
    /// The entry's version the step is based on (or send `If-Match`).
    pub version: Option<i64>,
    pub comment: Option<String>,
}

/// The IT manager's review.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 0, "business_context": "Three approved SaaS apps; CASB licence not budgeted this year"}))]
pub struct ReviewBody {
    pub version: Option<i64>,
    /// What the business knows that the proposal does not say.
    pub business_context: String,
    pub comment: Option<String>,
}

/// A step that needs a reason (return, reject, revoke).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 0, "reason": "Compensating controls need evidence"}))]
pub struct ReasonBody {
    pub version: Option<i64>,
    /// Holds something besides spaces, and no control characters other than tabs and line breaks.
    #[schema(
        max_length = 5000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub reason: String,
}

/// A renewal at review time.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"version": 0, "renew": true, "comment": "Still no budget for Defender for Cloud Apps"}))]
pub struct RenewBody {
    pub version: Option<i64>,
    /// `false` refuses the renewal, which revokes the entry.
    #[serde(default = "yes")]
    pub renew: bool,
    pub comment: Option<String>,
}

fn yes() -> bool {
    true
}

fn comment(field: &str, text: Option<String>) -> Result<Option<String>, super::problem::ApiError> {
    Ok(text.map(|t| check_text(field, &t, MAX_COMMENT)).transpose()?)
}

async fn step(
    state: &AppState,
    caller: &TenantCaller<Operate>,
    id: uuid::Uuid,
    request: StepRequest,
) -> Reply<web::Json<RiskAcceptance>> {
    let actor = caller.principal.actor();
    let (now, tenant, role) = (state.clock.now(), caller.tenant.id, caller.principal.role);
    let entry = register::take_step(&state.db, &actor, role, now, tenant, id, request).await?;
    // An approval, revocation or refused renewal may have queued Graph write-backs.
    state.jobs.wake();
    Ok(web::Json(entry))
}

macro_rules! step_route {
    ($(#[$doc:meta])* $name:ident, $path:literal, $action:expr, $roles:expr, $body:ty, |$b:ident| $build:expr) => {
        $(#[$doc])*
        #[utoipa::path(
            tag = "register",
            params(("tenant_id" = uuid::Uuid, Path), ("entry_id" = uuid::Uuid, Path)),
            request_body = $body,
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
            security(("bearer" = $roles))
        )]
        #[post($path)]
        async fn $name(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: TenantCaller<Operate>,
            path: PathOf<(uuid::Uuid, uuid::Uuid)>,
            body: Body<$body>,
        ) -> Reply<web::Json<RiskAcceptance>> {
            may_ever($action, caller.principal.role)?;
            let id = path?.1;
            let $b = body?.into_inner();
            let version = expected_version(&req, $b.version)?;
            let mut request: StepRequest = $build;
            request.version = version;
            step(&state, &caller, id, request).await
        }
    };
}

fn request(action: Action) -> StepRequest {
    StepRequest { action, version: None, comment: None, business_context: None, renew: true }
}

step_route!(
    /// Submit a draft
    ///
    /// Sends the proposal to the IT manager for review.
    submit_risk_acceptance, "/tenants/{tenant_id}/risk-acceptances/{entry_id}/submit", Action::Submit,
    ["ciso", "it_manager", "engineer"], StepBody,
    |b| StepRequest { comment: comment("comment", b.comment)?, ..request(Action::Submit) }
);

step_route!(
    /// Review a submitted entry
    ///
    /// The IT manager adds business context. Nobody reviews their own proposal (409).
    review_risk_acceptance, "/tenants/{tenant_id}/risk-acceptances/{entry_id}/review", Action::Review,
    ["it_manager"], ReviewBody,
    |b| StepRequest {
        business_context: Some(check_text("business_context", &b.business_context, MAX_COMMENT)?),
        comment: comment("comment", b.comment)?,
        ..request(Action::Review)
    }
);

step_route!(
    /// Return an entry to draft
    ///
    /// With a reason: a submitted entry by the IT manager, a reviewed one by the CISO (or an IT manager when it is
    /// low impact).
    return_risk_acceptance, "/tenants/{tenant_id}/risk-acceptances/{entry_id}/return", Action::Return,
    ["ciso", "it_manager"], ReasonBody,
    |b| StepRequest { comment: Some(check_text("reason", &b.reason, MAX_COMMENT)?), ..request(Action::Return) }
);

step_route!(
    /// Approve a reviewed entry
    ///
    /// The CISO, or an IT manager when the entry is low impact (residual risk low and points at stake within the
    /// tenant's limit; a refusal names the condition that failed). The approver is neither the proposer nor the
    /// reviewer. Every covered item takes the decision's status (`risk_accepted` is reached no other way), and
    /// with Graph write-back on, the matching state is queued with the entry's reference as comment.
    approve_risk_acceptance, "/tenants/{tenant_id}/risk-acceptances/{entry_id}/approve", Action::Approve,
    ["ciso", "it_manager"], StepBody,
    |b| StepRequest { comment: comment("comment", b.comment)?, ..request(Action::Approve) }
);

step_route!(
    /// Reject a reviewed entry
    ///
    /// Final: a new proposal may be made. Same deciders and separation of duties as approval.
    reject_risk_acceptance, "/tenants/{tenant_id}/risk-acceptances/{entry_id}/reject", Action::Reject,
    ["ciso", "it_manager"], ReasonBody,
    |b| StepRequest { comment: Some(check_text("reason", &b.reason, MAX_COMMENT)?), ..request(Action::Reject) }
);

step_route!(
    /// Revoke an approved (or expired) entry
    ///
    /// Its items go back to `to_address`.
    revoke_risk_acceptance, "/tenants/{tenant_id}/risk-acceptances/{entry_id}/revoke", Action::Revoke,
    ["ciso", "it_manager"], ReasonBody,
    |b| StepRequest { comment: Some(check_text("reason", &b.reason, MAX_COMMENT)?), ..request(Action::Revoke) }
);

step_route!(
    /// Renew an approved entry
    ///
    /// At review: a new review period starts and re-review flags clear. `"renew": false` refuses the renewal,
    /// which revokes the entry.
    renew_risk_acceptance, "/tenants/{tenant_id}/risk-acceptances/{entry_id}/renew", Action::Renew,
    ["ciso", "it_manager"], RenewBody,
    |b| StepRequest { renew: b.renew, comment: comment("comment", b.comment)?, ..request(Action::Renew) }
);
