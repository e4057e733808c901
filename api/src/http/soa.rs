//! The Statement of Applicability (ISO/IEC 27001:2022 clause 6.1.3 d): reading it, changing a control's row, and
//! the row's history.

use actix_web::{HttpRequest, get, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Approve, ReadTenant, TenantCaller, expected_version};
use super::problem::Problem;
use super::{Body, PathOf, Query, Reply};
use crate::domain::soa::Implementation;
use crate::state::AppState;
use crate::store::audit::AuditRecord;
use crate::store::page::{Page, PageParams};
use crate::store::soa::{self, SoaRow, StatementChange, StatementOfApplicability};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_soa).service(put_soa_statement).service(get_soa_statement_history);
}

/// Read the Statement of Applicability
///
/// Every ISO/IEC 27001:2022 Annex A control in force, in catalog order: applicable or not with the
/// justification; the implementation (`implemented`, `partially_implemented`, `planned`, `not_implemented`) and
/// its `basis`: `computed` from the coverage of the mapped recommendations (covered → implemented, partial →
/// partially implemented, gap → planned when a mapped item is planned or in progress, else not implemented),
/// `attested` by a person (without technical mappings, or overriding the computation with a justification), or
/// `not_assessed`; the `computation` in words; the mapped recommendations with status and bucket; the register
/// entries submitted, reviewed or approved that cover them; and the evidence count. With summary counts.
#[utoipa::path(
    tag = "soa",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = StatementOfApplicability),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/soa")]
async fn get_soa(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
) -> Reply<web::Json<StatementOfApplicability>> {
    Ok(web::Json(soa::read(&state.db, caller.tenant.id, state.clock.now()).await?))
}

/// A control's new statement, replacing the previous one, with the version it is based on.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "applicable": true,
    "applicability_justification": "Risk treatment plan R-12",
    "implementation": "implemented",
    "implementation_justification": "Access reviews run quarterly; see the signed review record",
    "evidence_ids": [],
    "version": 7
}))]
pub struct PutSoaStatement {
    /// Whether the control applies (default true).
    #[serde(default = "applies")]
    pub applicable: bool,
    /// Required when not applicable; allowed when applicable (e.g. the risk treatment that selected it).
    pub applicability_justification: Option<String>,
    /// The attested implementation. Counts without technical mappings; over a computed value only with
    /// `implementation_justification`.
    pub implementation: Option<Implementation>,
    /// Required to attest over a computed implementation.
    pub implementation_justification: Option<String>,
    /// Evidence items of the tenant that support the statement.
    #[serde(default)]
    pub evidence_ids: Vec<uuid::Uuid>,
    /// Required (or send `If-Match`): 0 while nobody has stated anything; 428 without it, 412 when stale.
    pub version: Option<i64>,
}

fn applies() -> bool {
    true
}

/// State a control's applicability and implementation
///
/// Replaces the row's statement and records who and when; the change and its audit row commit together. 422 names
/// the field at fault: `applicability_justification` when a control is excluded without one,
/// `implementation_justification` when overriding a computed implementation without one, `evidence_ids[i]` for
/// evidence that is not the tenant's or was deleted, `control_id` for a control that is not in Annex A.
#[utoipa::path(
    tag = "soa",
    params(("tenant_id" = uuid::Uuid, Path), ("control_id" = String, Path, description = "Annex A control id, e.g. 5.17")),
    request_body = PutSoaStatement,
    responses(
        (status = 200, body = SoaRow),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager"]))
)]
#[put("/tenants/{tenant_id}/soa/{control_id}")]
async fn put_soa_statement(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: TenantCaller<Approve>,
    path: PathOf<(uuid::Uuid, String)>,
    body: Body<PutSoaStatement>,
) -> Reply<web::Json<SoaRow>> {
    let control_id = path?.into_inner().1;
    let body = body?.into_inner();
    let version = expected_version(&req, body.version)?;
    let change = StatementChange {
        applicable: body.applicable,
        applicability_justification: body.applicability_justification,
        implementation: body.implementation,
        implementation_justification: body.implementation_justification,
        evidence_ids: body.evidence_ids,
    };
    let actor = caller.principal.actor();
    let now = state.clock.now();
    Ok(web::Json(soa::put(&state.db, &actor, now, caller.tenant.id, &control_id, change, version).await?))
}

/// History of a control's statement
///
/// Every change to the row, oldest first, from the tenant's hash-chained audit trail: who, when, before and after.
#[utoipa::path(
    tag = "soa",
    params(("tenant_id" = uuid::Uuid, Path), ("control_id" = String, Path, description = "Annex A control id, e.g. 5.17"), PageParams),
    responses(
        (status = 200, body = Page<AuditRecord>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/soa/{control_id}/history")]
async fn get_soa_statement_history(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, String)>,
    query: Query<PageParams>,
) -> Reply<web::Json<Page<AuditRecord>>> {
    let control_id = path?.into_inner().1;
    let page = query?.parse()?;
    Ok(web::Json(soa::history(&state.db, caller.tenant.id, &control_id, &page).await?))
}
