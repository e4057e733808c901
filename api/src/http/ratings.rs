//! Rating many items at once, and accepting Microsoft-derived suggestions as the caller's rating.

use actix_web::{post, put, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Operate, TenantCaller};
use super::problem::{ApiError, Problem};
use super::{Body, Reply};
use crate::domain::ValidationError;
use crate::domain::rating::{Level, Rating};
use crate::domain::user::check_name;
use crate::state::AppState;
use crate::store::{ratings, recommendations};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(rate_many).service(accept_suggestions);
}

/// Items per bulk request at most.
const MAX_ITEMS: usize = 1000;

/// One item's rating in a bulk request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ItemRating {
    pub id: uuid::Uuid,
    pub risk_reduction: Option<Level>,
    pub implementation_effort: Option<Level>,
}

/// Many ratings and one note for all.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"items": [{"id": "01900000-0000-7000-8000-000000000000", "risk_reduction": "high", "implementation_effort": "low"}], "note": "Q1 triage"}))]
pub struct RateMany {
    pub items: Vec<ItemRating>,
    pub note: Option<String>,
}

/// What a bulk rating did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkRated {
    /// The run id on the single audit row that records the whole operation.
    pub run_id: uuid::Uuid,
    pub rated: usize,
}

fn checked_note(note: Option<String>) -> Result<Option<String>, ValidationError> {
    note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(|n| check_name("note", n, 2000)).transpose()
}

fn checked_count(count: usize) -> Result<(), ValidationError> {
    if count == 0 || count > MAX_ITEMS {
        return Err(ValidationError::field("items", format!("must hold 1 to {MAX_ITEMS} items")));
    }
    Ok(())
}

fn rater<'a>(
    state: &AppState,
    caller: &TenantCaller<Operate>,
    actor: &'a crate::domain::audit::Actor,
) -> ratings::Rater<'a> {
    ratings::Rater { actor, now: state.clock.now(), tenant: caller.tenant.id }
}

/// Rate many recommendations
///
/// All in one transaction: every rating is written or none (an unknown item answers 404 and changes nothing).
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = RateMany,
    responses(
        (status = 200, body = BulkRated),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[put("/tenants/{tenant_id}/ratings")]
async fn rate_many(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    body: Body<RateMany>,
) -> Reply<web::Json<BulkRated>> {
    let body = body?.into_inner();
    checked_count(body.items.len())?;
    let note = checked_note(body.note)?;
    let actor = caller.principal.actor();
    let entries: Vec<(uuid::Uuid, Rating)> = body
        .items
        .iter()
        .map(|i| (i.id, Rating { risk_reduction: i.risk_reduction, implementation_effort: i.implementation_effort }))
        .collect();
    let run_id = ratings::set_many(&state.db, rater(&state, &caller, &actor), &entries, note).await?;
    Ok(web::Json(BulkRated { run_id, rated: entries.len() }))
}

/// Items whose suggestions to accept.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"ids": ["01900000-0000-7000-8000-000000000000"]}))]
pub struct AcceptSuggestions {
    pub ids: Vec<uuid::Uuid>,
}

/// Accept suggested ratings
///
/// Writes each item's suggested rating as the caller's own (an axis with no suggestion keeps its current value).
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = AcceptSuggestions,
    responses(
        (status = 200, body = BulkRated),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/ratings/accept-suggestions")]
async fn accept_suggestions(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    body: Body<AcceptSuggestions>,
) -> Reply<web::Json<BulkRated>> {
    let body = body?.into_inner();
    checked_count(body.ids.len())?;
    let mut entries = Vec::with_capacity(body.ids.len());
    for id in &body.ids {
        let item =
            recommendations::get(&state.db, caller.tenant.id, *id, state.clock.now()).await.map_err(ApiError::from)?;
        let suggested = item.suggested_rating;
        let rating = Rating {
            risk_reduction: suggested.risk_reduction.or(item.rating.risk_reduction),
            implementation_effort: suggested.implementation_effort.or(item.rating.implementation_effort),
        };
        entries.push((*id, rating));
    }
    let note = Some("accepted the suggested rating".to_owned());
    let actor = caller.principal.actor();
    let run_id = ratings::set_many(&state.db, rater(&state, &caller, &actor), &entries, note).await?;
    Ok(web::Json(BulkRated { run_id, rated: entries.len() }))
}
