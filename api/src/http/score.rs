//! The tenant's score now and over time. Microsoft 365 and Defender for Cloud are reported apart, never mixed.

use actix_web::{get, web};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{ReadTenant, TenantCaller};
use super::problem::Problem;
use super::{Query, Reply};
use crate::domain::ValidationError;
use crate::domain::recommendation::Product;
use crate::domain::score::{ScoreSummary, SubscriptionScore, defender_aggregate_percent, percent, round2};
use crate::state::AppState;
use crate::store::scores::{self, Snapshot};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_score).service(get_score_history);
}

/// One Defender for Cloud subscription's score.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubscriptionScoreView {
    pub subscription_id: String,
    pub day: chrono::NaiveDate,
    pub current: f64,
    pub max: f64,
    pub percent: f64,
}

/// Defender for Cloud, per subscription and as Microsoft's weighted aggregate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DefenderScore {
    pub subscriptions: Vec<SubscriptionScoreView>,
    /// Σ(percentage × weight) / Σ weight over the subscriptions.
    pub aggregate_percent: Option<f64>,
}

/// The tenant's score now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantScore {
    /// Microsoft Secure Score: Microsoft's own figure from the newest snapshot, with its category breakdown.
    pub m365: Option<ScoreSummary>,
    /// The day of that snapshot.
    pub m365_day: Option<chrono::NaiveDate>,
    pub defender: DefenderScore,
}

fn summary_of(snapshot: &Snapshot) -> ScoreSummary {
    ScoreSummary {
        current: round2(snapshot.current),
        max: round2(snapshot.max),
        percent: percent(snapshot.current, snapshot.max),
        points_available: round2((snapshot.max - snapshot.current).max(0.0)),
        categories: snapshot.categories.clone(),
    }
}

/// The current score
///
/// Current, max, percent, per category and points still available for Microsoft Secure Score; Defender for
/// Cloud per subscription and aggregated.
#[utoipa::path(
    tag = "score",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = TenantScore),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/score")]
async fn get_score(state: web::Data<AppState>, caller: TenantCaller<ReadTenant>) -> Reply<web::Json<TenantScore>> {
    Ok(web::Json(tenant_score(&state, caller.tenant.id).await?))
}

/// The tenant's score now (shared with the seed UI's alias).
pub async fn tenant_score(state: &AppState, tenant: crate::domain::ids::TenantId) -> Reply<TenantScore> {
    let m365 = scores::latest(&state.db, tenant, Product::M365).await?.into_iter().next();
    let defender = scores::latest(&state.db, tenant, Product::DefenderCloud).await?;
    let weights: Vec<SubscriptionScore> = defender
        .iter()
        .map(|s| SubscriptionScore {
            ratio: s.averages.get("percentage").and_then(|p| p.as_f64()).unwrap_or(if s.max > 0.0 {
                s.current / s.max
            } else {
                0.0
            }),
            weight: s.averages.get("weight").and_then(|w| w.as_f64()).unwrap_or(0.0),
        })
        .collect();
    Ok(TenantScore {
        m365: m365.as_ref().map(summary_of),
        m365_day: m365.map(|s| s.day),
        defender: DefenderScore {
            aggregate_percent: defender_aggregate_percent(&weights),
            subscriptions: defender
                .into_iter()
                .map(|s| SubscriptionScoreView {
                    percent: percent(s.current, s.max),
                    subscription_id: s.scope,
                    day: s.day,
                    current: s.current,
                    max: s.max,
                })
                .collect(),
        },
    })
}

/// How far back.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Days back from today, 1–3650 (default 90).
    #[param(minimum = 1, maximum = 3650)]
    pub days: Option<i64>,
    /// `m365` (default) or `defender_cloud`.
    pub product: Option<Product>,
}

/// Score history
///
/// Daily snapshots, oldest first; Defender for Cloud has one per subscription per day.
#[utoipa::path(
    tag = "score",
    params(("tenant_id" = uuid::Uuid, Path), HistoryQuery),
    responses(
        (status = 200, body = Vec<Snapshot>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/score/history")]
async fn get_score_history(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    query: Query<HistoryQuery>,
) -> Reply<web::Json<Vec<Snapshot>>> {
    let query = query?.into_inner();
    let days = query.days.unwrap_or(90);
    if !(1..=3650).contains(&days) {
        return Err(ValidationError::field("days", "must be between 1 and 3650").into());
    }
    let since = (state.clock.now() - Duration::days(days - 1)).date_naive();
    let product = query.product.unwrap_or(Product::M365);
    Ok(web::Json(scores::history(&state.db, caller.tenant.id, product, since).await?))
}
