//! Imports: upload a portal export (CSV or xlsx), or start a connector import, and follow its run.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Operate, ReadTenant, TenantCaller};
use super::problem::{ApiError, Problem};
use super::{PathOf, Query, Reply};
use crate::import::run::Upload;
use crate::state::AppState;
use crate::store::connectors::ConnectorKind;
use crate::store::import_runs::{self, ImportRun};
use crate::store::page::{Page, PageParams};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(import_file)
        .service(start_graph_import)
        .service(start_defender_import)
        .service(list_imports)
        .service(get_import);
}

/// Options of an upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// For an xlsx: the sheet to read (default: the first).
    pub sheet: Option<String>,
    /// The file's name, for the run's record (multipart uploads carry their own).
    pub file_name: Option<String>,
}

async fn read_limited(
    mut stream: impl futures_util::Stream<Item = Result<web::Bytes, impl std::fmt::Display>> + Unpin,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::Malformed(format!("The upload could not be read: {e}.")))?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Whether the request's body is a multipart form.
pub(super) fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The file from a multipart form (field `file`, optional field `sheet`) or the raw body, refused beyond `limit`
/// bytes.
pub(super) async fn upload_from(
    req: &HttpRequest,
    payload: web::Payload,
    params: UploadParams,
    limit: usize,
) -> Result<Upload, ApiError> {
    if !is_multipart(req) {
        let bytes = read_limited(payload, limit).await?;
        return Ok(Upload { file_name: params.file_name, bytes, sheet: params.sheet });
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut upload = Upload { file_name: params.file_name, bytes: Vec::new(), sheet: params.sheet };
    let mut found = false;
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|e| ApiError::Malformed(format!("The multipart form could not be read: {e}.")))?;
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        let content = read_limited(&mut field, limit).await?;
        match name.as_str() {
            "file" => {
                found = true;
                upload.bytes = content;
                upload.file_name = file_name.or(upload.file_name);
            }
            "sheet" => {
                upload.sheet = Some(String::from_utf8_lossy(&content).trim().to_owned()).filter(|s| !s.is_empty())
            }
            _ => {}
        }
    }
    if !found {
        return Err(crate::domain::ValidationError::field("file", "the form has no `file` field").into());
    }
    Ok(upload)
}

/// Import a portal export (CSV or xlsx)
///
/// The Defender portal's "Recommended actions → Export" as CSV, or the same columns in an xlsx (first sheet, or
/// `?sheet=`). Send the file as the raw body or as the `file` field of a multipart form; the format is detected
/// from the content. Applied in one transaction: a bad row rejects the whole file, naming its row and column.
/// Rows whose control id cannot be found are kept as unmatched items and listed in the run's change list.
#[utoipa::path(
    tag = "imports",
    params(("tenant_id" = uuid::Uuid, Path), UploadParams),
    request_body(
        description = "The export file, raw or as the `file` field of a multipart form",
        content(
            (Vec<u8> = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<u8> = "application/octet-stream"),
            (Vec<u8> = "multipart/form-data"),
        )
    ),
    responses(
        (status = 201, body = ImportRun, headers(("Location" = String, description = "URL of the run"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The tenant is archived"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "Neither CSV nor xlsx"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "The file cannot be imported; `row` and `column` say where"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/imports")]
async fn import_file(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    req: HttpRequest,
    params: Query<UploadParams>,
    payload: web::Payload,
) -> Reply<HttpResponse> {
    caller.refuse_archived("importing")?;
    let upload = upload_from(&req, payload, params?.into_inner(), state.config.max_upload_bytes).await?;
    let run = state.importer.import_file(caller.tenant.id, &caller.principal.actor(), upload).await?;
    let location = format!("/api/v1/tenants/{}/imports/{}", caller.tenant.id, run.id);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(run))
}

async fn start_connector(state: &AppState, caller: &TenantCaller<Operate>, kind: ConnectorKind) -> Reply<HttpResponse> {
    caller.refuse_archived("importing")?;
    let run = state.importer.queue_connector(caller.tenant.id, &caller.principal.actor(), kind, true).await?;
    state.jobs.wake();
    let location = format!("/api/v1/tenants/{}/imports/{}", caller.tenant.id, run.id);
    Ok(HttpResponse::Accepted().insert_header((header::LOCATION, location)).json(run))
}

/// Start a Microsoft Graph import
///
/// Queues an import through the tenant's Graph connector and answers at once; poll the run at `Location` for
/// its phase, pages and counts. A second connector import while one is going answers 409.
#[utoipa::path(
    tag = "imports",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 202, body = ImportRun, headers(("Location" = String, description = "URL of the run to poll"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Already running, no connector, or archived tenant"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/imports/graph")]
async fn start_graph_import(state: web::Data<AppState>, caller: TenantCaller<Operate>) -> Reply<HttpResponse> {
    start_connector(&state, &caller, ConnectorKind::Graph).await
}

/// Start a Defender for Cloud import
///
/// Queues an import of every configured subscription's secure score and controls; poll the run at `Location`.
#[utoipa::path(
    tag = "imports",
    params(("tenant_id" = uuid::Uuid, Path)),
    responses(
        (status = 202, body = ImportRun, headers(("Location" = String, description = "URL of the run to poll"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Already running, no connector, or archived tenant"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/imports/defender")]
async fn start_defender_import(state: web::Data<AppState>, caller: TenantCaller<Operate>) -> Reply<HttpResponse> {
    start_connector(&state, &caller, ConnectorKind::Defender).await
}

/// List import runs
///
/// Newest first, without their change lists.
#[utoipa::path(
    tag = "imports",
    params(("tenant_id" = uuid::Uuid, Path), PageParams),
    responses(
        (status = 200, body = Page<ImportRun>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/imports")]
async fn list_imports(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    page: Query<PageParams>,
) -> Reply<web::Json<Page<ImportRun>>> {
    let page = page?.parse()?;
    Ok(web::Json(import_runs::list(&state.db, caller.tenant.id, &page).await?))
}

/// Read an import run
///
/// Its phase, pages, counts, errors and change list.
#[utoipa::path(
    tag = "imports",
    params(("tenant_id" = uuid::Uuid, Path), ("run_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = ImportRun),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/imports/{run_id}")]
async fn get_import(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<web::Json<ImportRun>> {
    let run_id = path?.1;
    Ok(web::Json(import_runs::get(&state.db, caller.tenant.id, run_id).await?))
}
