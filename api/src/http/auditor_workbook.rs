//! The auditor workbook download. The file is written to a temporary file (its big sheets in constant memory)
//! and streamed from there, so neither the rows nor the file sit in memory whole.

use actix_web::body::SizedStream;
use actix_web::{HttpResponse, get, web};
use futures_util::stream;
use tokio::io::AsyncReadExt;
use utoipa_actix_web::service_config::ServiceConfig;

use super::Reply;
use super::extract::{ReadAudit, TenantCaller};
use super::problem::{ApiError, Problem};
use crate::export::auditor_workbook::{self, ExportRequest, file_sha256};
use crate::state::AppState;
use crate::store::exports::{self, ExportRecord};

/// The media type of an `.xlsx` file.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_auditor_workbook);
}

/// The auditor workbook
///
/// One `.xlsx` for the auditor: *Summary* (tenant, generated at and by, score, counts per bucket and status, the
/// audit-chain head hash), *Prioritised actions*, *Roadmap* (the current quarter), *Risk acceptance register*,
/// *ISO 27001 coverage*, *NIS2 coverage* (and any other framework in the audit scope), *Score history* with a
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
    let file = tempfile::NamedTempFile::new().map_err(io_failure)?;
    let summary = auditor_workbook::write(&state.db, &request, file.path(), &mut |_| {}).await?;
    let path = file.path().to_owned();
    let (sha256, bytes) = web::block(move || file_sha256(&path))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(io_failure)?;
    let record = ExportRecord {
        kind: "auditor_workbook",
        sha256: &sha256,
        bytes,
        rows: summary.rows,
        head_hash: &summary.head_hash,
    };
    exports::record(&state.db, &caller.principal.actor(), now, caller.tenant.id, record).await?;
    let filename = format!("scoregrc-auditor-{}-{}.xlsx", file_slug(&caller.tenant.name), now.format("%Y-%m-%d"));
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header(("content-disposition", format!("attachment; filename=\"{filename}\"")))
        .insert_header(("x-content-sha256", sha256))
        .body(SizedStream::new(bytes, file_stream(file).await?)))
}

fn io_failure(err: std::io::Error) -> ApiError {
    ApiError::Internal(format!("writing the export: {err}"))
}

/// A file name made of the tenant's letters and digits.
pub fn file_slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() { "tenant".to_owned() } else { slug }
}

/// The file's bytes as a stream of 64 KiB blocks. The temporary file's name is removed at once; the open handle
/// keeps its content readable until the stream ends.
pub async fn file_stream(
    file: tempfile::NamedTempFile,
) -> Result<impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>>, ApiError> {
    let reader = tokio::fs::File::open(file.path()).await.map_err(io_failure)?;
    drop(file);
    Ok(stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        let mut buffer = vec![0u8; 64 * 1024];
        match reader.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(web::Bytes::from(buffer)), Some(reader)))
            }
            Err(e) => Some((Err(e), None)),
        }
    }))
}
