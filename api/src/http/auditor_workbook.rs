//! The auditor workbook download. The file is written to a temporary file (its big sheets in constant memory)
//! and streamed from there (`download::attachment`), so neither the rows nor the file sit in memory whole.

use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::Reply;
use super::download::{export_file, file_name_part, recorded_attachment};
use super::extract::{ReadAudit, TenantCaller};
use super::problem::Problem;
use crate::export::auditor_workbook::{self, ExportRequest};
use crate::export::triage_workbook::CONTENT_TYPE;
use crate::state::AppState;

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_auditor_workbook);
}

/// The auditor workbook
///
/// One `.xlsx` for the auditor: *Summary* (tenant, generated at and by, score, counts per bucket and status, the
/// audit-chain head hash), *Prioritised actions*, *Roadmap* (the current quarter), *Risk acceptance register*,
/// *ISO 27001 coverage*, *NIS2 coverage* (and any other framework in the audit scope), *Statement of
/// Applicability*, *Evidence* (every piece with its SHA-256, corrections and tombstones), *Score history* with a
/// line chart, and the *Audit trail*. All sheets describe one moment. The download itself is recorded in the
/// audit trail with the file's SHA-256, which the `x-content-sha256` header repeats.
#[utoipa::path(
    tag = "exports",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>,
         headers(("x-content-sha256" = String, description = "SHA-256 of the file, as recorded in the audit trail"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "auditor"]))
)]
#[get("/tenants/{tenant_id}/exports/auditor.xlsx")]
async fn get_auditor_workbook(state: web::Data<AppState>, caller: TenantCaller<ReadAudit>) -> Reply<HttpResponse> {
    let now = state.clock.now();
    let request = ExportRequest { tenant: caller.tenant.id, generated_by: caller.principal.name.clone(), now };
    let file = export_file()?;
    let actor = caller.principal.actor();
    let written = auditor_workbook::write_and_record(&state.db, &request, &actor, file.path(), &mut |_| {}).await?;
    let name = format!("scoregrc-auditor-{}-{}.xlsx", file_name_part(&caller.tenant.name), now.format("%Y-%m-%d"));
    recorded_attachment(file, CONTENT_TYPE, &name, &written.sha256)
}
