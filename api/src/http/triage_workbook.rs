//! The triage workbook round-trip: download every item as an Excel workbook, fill in risk, effort and mappings,
//! upload it back.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::Reply;
use super::download;
use super::extract::{Operate, ReadTenant, TenantCaller};
use super::imports::{UploadParams, upload_from};
use super::problem::{ApiError, Problem};
use crate::export::triage_workbook::{self as workbook, About, CONTENT_TYPE};
use crate::import::triage_workbook as import;
use crate::state::AppState;
use crate::store::triage_workbook::{TriageEdit, TriageImportSummary};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_triage_workbook).service(import_triage_workbook);
}

/// Download the triage workbook
///
/// An Excel workbook with one `Triage` sheet: every current item, P1 first, then by points still available.
/// Hidden columns A and B hold the item's id and what the row said when exported; *Risk Reduction* and
/// *Implementation Effort* (dropdowns: High, Medium, Low) and *Regulatory Mapping* (`iso27001:5.17;
/// nis2:21.2.j`) are for the team to fill in and upload to `POST …/imports/triage`. No cell can be read as a
/// formula.
#[utoipa::path(
    tag = "recommendations",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body = Vec<u8>, description = "The workbook", headers(("Content-Disposition" = String, description = "attachment; filename=…"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/exports/triage.xlsx")]
async fn export_triage_workbook(state: web::Data<AppState>, caller: TenantCaller<ReadTenant>) -> Reply<HttpResponse> {
    let now = state.clock.now();
    let tenant = caller.tenant.clone();
    let internal = |e: workbook::WorkbookError| match e {
        workbook::WorkbookError::Store(e) => ApiError::from(e),
        other => ApiError::Internal(other.to_string()),
    };
    let book = workbook::TriageWorkbook::fill(&state.db, tenant.id, now).await.map_err(internal)?;
    let by = caller.principal.name.clone();
    let file = web::block(move || {
        let about = About { tenant_name: &tenant.name, tenant_id: tenant.id.0, generated_at: now, generated_by: &by };
        book.finish(&about)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(internal)?;
    let date = now.date_naive();
    let name = match download::file_name_part(&caller.tenant.name).as_str() {
        "" => format!("triage-{date}.xlsx"),
        part => format!("triage-{part}-{date}.xlsx"),
    };
    download::attachment(file, CONTENT_TYPE, &name)
}

/// Import an edited triage workbook
///
/// The workbook from `GET …/exports/triage.xlsx`, as the raw body or the `file` field of a multipart form. Rows
/// are matched by the hidden id and version columns, columns by their header text. A row whose editable cells
/// still say what was exported is left alone. Every row is checked first: a wrong cell answers 422 and an
/// edited row whose item someone changed since the export answers 409 (`changed by … at …`), each problem in
/// `errors` with its cell (`Triage!K17`), and nothing is written. Otherwise every rating change and mapping
/// addition or removal is applied in one transaction, recorded as one audit row; buckets follow at once.
#[utoipa::path(
    tag = "imports",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body(
        description = "The edited workbook, raw or as the `file` field of a multipart form",
        content(
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<u8> = "application/octet-stream"),
            (Vec<u8> = "multipart/form-data"),
        )
    ),
    responses(
        (status = 200, body = TriageImportSummary, description = "Every change applied (or none was needed)"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "The upload or form cannot be read"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Edited rows whose items changed since the export; `errors` names each row's id cell"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Not a triage workbook, or cells that cannot be imported; `errors` names each cell"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/imports/triage")]
async fn import_triage_workbook(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    req: HttpRequest,
    payload: web::Payload,
) -> Reply<web::Json<TriageImportSummary>> {
    let params = UploadParams { sheet: None, file_name: None };
    let upload = upload_from(&req, payload, params, state.config.max_upload_bytes).await?;
    let actor = caller.principal.actor();
    let edit = TriageEdit { actor: &actor, now: state.clock.now(), tenant: caller.tenant.id };
    Ok(web::Json(import::import(&state.db, edit, upload.bytes).await?))
}
