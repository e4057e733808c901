//! "Why won't my score budge": the latest score change explained, drift apart from real regressions. Each item's
//! own diagnosis travels with the item (`GET …/recommendations`).

use actix_web::{get, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{ReadTenant, TenantCaller};
use super::problem::Problem;
use super::{Query, Reply};
use crate::domain::recommendation::Product;
use crate::domain::score_change::ScoreChangeExplanation;
use crate::state::AppState;
use crate::store::diagnosis;

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_score_diagnosis);
}

/// Which score.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiagnosisQuery {
    /// `m365` (default) or `defender_cloud` (summed over its subscriptions).
    pub product: Option<Product>,
}

/// Explain the latest score change
///
/// Compares the two newest snapshot days and reads the change lists of the imports between them: drift (items
/// Microsoft added, returned, removed or deprecated, maximum points or applicability changed, a Defender for Cloud
/// subscription that joined) is told apart from real regressions and from points gained or lost on unchanged
/// items. Each changed item carries its diagnosis, and `held_back` says where the points still available sit now,
/// by reason class.
#[utoipa::path(
    tag = "score",
    params(("tenant_id" = uuid::Uuid, Path), DiagnosisQuery),
    responses(
        (status = 200, body = ScoreChangeExplanation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/score/diagnosis")]
async fn get_score_diagnosis(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    query: Query<DiagnosisQuery>,
) -> Reply<web::Json<ScoreChangeExplanation>> {
    let product = query?.into_inner().product.unwrap_or(Product::M365);
    Ok(web::Json(diagnosis::score_change(&state.db, caller.tenant.id, product, state.clock.now()).await?))
}
