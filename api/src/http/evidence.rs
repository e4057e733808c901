//! Evidence: upload a file or add a link to an item, a roadmap item, a register entry or an SoA row; list,
//! read and download it; correct it with a new version; an admin deletes it, leaving a tombstone.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Administer, Operate, ReadTenant, TenantCaller};
use super::problem::{ApiError, Problem};
use super::{Body, PathOf, Query, Reply};
use crate::domain::ValidationError;
use crate::domain::evidence::{EvidenceKind, TargetKind};
use crate::import::evidence_file::{SpooledFile, Spooler};
use crate::state::AppState;
use crate::store::evidence::write::{self, Content, NewEvidence};
use crate::store::evidence::{self, Evidence, EvidenceFilter};
use crate::store::page::{Page, PageParams};

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload_evidence)
        .service(add_link)
        .service(list_evidence)
        .service(get_evidence)
        .service(download_evidence)
        .service(delete_evidence);
}

/// The longest text field of the upload form.
const FIELD_LIMIT: usize = 16 * 1024;
/// The most text fields the upload form may carry (it has five).
const FIELD_COUNT: usize = 16;

/// A link as evidence.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"target_kind": "recommendation", "target_id": "0190f3c2-8a4e-7c1b-9d2e-3f4a5b6c7d8e", "title": "Change ticket CHG-1042", "proves": "MFA for admins rolled out to all admin accounts", "url": "https://servicedesk.example.com/CHG-1042"}))]
pub struct NewLink {
    /// Required unless `supersedes` is given.
    pub target_kind: Option<TargetKind>,
    pub target_id: Option<String>,
    pub title: String,
    pub proves: Option<String>,
    /// An `http` or `https` address.
    pub url: String,
    /// The id of the version this one corrects.
    pub supersedes: Option<uuid::Uuid>,
}

/// Why evidence is deleted.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteEvidence {
    /// Recorded in the tombstone and the audit trail.
    pub reason: String,
}

/// Filters on the evidence list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    pub target_kind: Option<TargetKind>,
    /// An item, roadmap item or register entry id, or an Annex A control id (`5.17`).
    pub target_id: Option<String>,
    pub kind: Option<EvidenceKind>,
    /// Also list deleted evidence (tombstones).
    #[serde(default)]
    pub include_deleted: bool,
    /// Items per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn created(evidence: Evidence) -> HttpResponse {
    let location = format!("/api/v1/tenants/{}/evidence/{}", evidence.tenant_id, evidence.id);
    HttpResponse::Created().insert_header((header::LOCATION, location)).json(evidence)
}

/// The multipart form of an evidence upload, as the spec shows it. The handler reads the fields as they stream
/// in (the file is spooled, never held whole), so this type only describes them.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct EvidenceUploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    title: String,
    /// What the evidence shows.
    proves: Option<String>,
    /// `recommendation`, `roadmap_item`, `risk_acceptance` or `soa_control`; a correction inherits its target.
    target_kind: Option<String>,
    target_id: Option<String>,
    /// The evidence this version corrects.
    supersedes: Option<String>,
}

/// Upload a file as evidence
///
/// A multipart form: `file` (a screenshot, PDF, exported policy JSON, CSV, xlsx, docx, zip or text; at most the
/// instance's limit, 25 MiB by default), `title`, optional `proves` (what it shows), `target_kind` and `target_id`
/// (what it is for), and optional `supersedes` (the id of the version it corrects; the target then defaults to
/// that version's). The type is decided from the bytes: a file whose bytes do not match its declared
/// `Content-Type` or name is refused (422), and programs and markup (HTML, SVG) are never accepted (415). The
/// same bytes are stored once however often they are uploaded.
#[utoipa::path(
    tag = "evidence",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body(content = EvidenceUploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = Evidence, headers(("Location" = String, description = "URL of the evidence"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Archived tenant, or the version is already corrected or deleted"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "Larger than the file limit, or beyond the tenant's quota"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "Not a multipart form, or a kind of file evidence may not be"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "A field at fault, or bytes that do not match the declared type"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/evidence")]
async fn upload_evidence(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    req: HttpRequest,
    payload: web::Payload,
) -> Reply<HttpResponse> {
    caller.refuse_archived("adding evidence")?;
    let form = read_form(&req, payload, state.config.max_evidence_bytes).await?;
    let file = form.file.ok_or_else(|| ValidationError::field("file", "the form has no `file` field"))?;
    let new = new_evidence(&form.fields)?;
    let content = Content::File {
        path: file.spooled.path(),
        file_name: file.name,
        file_type: file.spooled.file_type,
        sha256: file.spooled.sha256.clone(),
        size: file.spooled.size,
    };
    let now = state.clock.now();
    let quota = state.config.evidence_quota_bytes;
    let actor = caller.principal.actor();
    Ok(created(write::add(&state.db, &actor, now, caller.tenant.id, quota, new, content).await?))
}

/// Add a link as evidence
///
/// A ticket, a portal page or a document-store address (`http` or `https` only). The SHA-256 of the address is
/// recorded; `supersedes` corrects an earlier version, which stays.
#[utoipa::path(
    tag = "evidence",
    params(("tenant_id" = uuid::Uuid, Path)),
    request_body = NewLink,
    responses(
        (status = 201, body = Evidence, headers(("Location" = String, description = "URL of the evidence"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["ciso", "it_manager", "engineer"]))
)]
#[post("/tenants/{tenant_id}/evidence/links")]
async fn add_link(
    state: web::Data<AppState>,
    caller: TenantCaller<Operate>,
    body: Body<NewLink>,
) -> Reply<HttpResponse> {
    caller.refuse_archived("adding evidence")?;
    let link = body?.into_inner();
    let target = match (link.target_kind, link.target_id) {
        (Some(kind), Some(id)) => Some((kind, id)),
        (None, None) => None,
        (Some(_), None) => return Err(ValidationError::field("target_id", "is required with `target_kind`").into()),
        (None, Some(_)) => return Err(ValidationError::field("target_kind", "is required with `target_id`").into()),
    };
    let new = NewEvidence { target, title: link.title, proves: link.proves, supersedes: link.supersedes };
    let now = state.clock.now();
    let quota = state.config.evidence_quota_bytes;
    let actor = caller.principal.actor();
    let content = Content::Link { url: link.url };
    Ok(created(write::add(&state.db, &actor, now, caller.tenant.id, quota, new, content).await?))
}

/// List the tenant's evidence
///
/// Oldest first; filter by what it is for (`target_kind` and `target_id`) or by kind. Deleted evidence is left
/// out unless `include_deleted=true`, which shows the tombstones.
#[utoipa::path(
    tag = "evidence",
    params(("tenant_id" = uuid::Uuid, Path), EvidenceQuery),
    responses(
        (status = 200, body = Page<Evidence>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/evidence")]
async fn list_evidence(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    query: Query<EvidenceQuery>,
) -> Reply<web::Json<Page<Evidence>>> {
    let q = query?.into_inner();
    let filter = EvidenceFilter {
        target_kind: q.target_kind,
        target_id: q.target_id,
        kind: q.kind,
        include_deleted: q.include_deleted,
    };
    let page = PageParams { limit: q.limit, cursor: q.cursor }.parse()?;
    Ok(web::Json(evidence::list(&state.db, caller.tenant.id, &filter, &page).await?))
}

/// Read one piece of evidence
///
/// With the version it corrects (`supersedes`) and the one that corrects it (`superseded_by`).
#[utoipa::path(
    tag = "evidence",
    params(("tenant_id" = uuid::Uuid, Path), ("evidence_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Evidence),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/evidence/{evidence_id}")]
async fn get_evidence(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<web::Json<Evidence>> {
    let (_, id) = path?.into_inner();
    Ok(web::Json(evidence::get(&state.db, caller.tenant.id, id).await?))
}

/// Download the evidence's bytes
///
/// Always as an attachment with `X-Content-Type-Options: nosniff` and a sandboxing `Content-Security-Policy`,
/// so nothing is ever rendered inline or run. The `x-content-sha256` header carries the recorded SHA-256.
#[utoipa::path(
    tag = "evidence",
    params(("tenant_id" = uuid::Uuid, Path), ("evidence_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, content_type = "application/octet-stream", body = Vec<u8>,
         headers(("x-content-sha256" = String, description = "SHA-256 of the content"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such evidence, or a link (which has no bytes)"),
        (status = 410, body = Problem, content_type = "application/problem+json", description = "Deleted by an admin"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[get("/tenants/{tenant_id}/evidence/{evidence_id}/content")]
async fn download_evidence(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadTenant>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
) -> Reply<HttpResponse> {
    let (_, id) = path?.into_inner();
    super::evidence_content::download(&state, caller.tenant.id, id).await
}

/// Delete evidence (admin)
///
/// For evidence uploaded by mistake (the wrong file, a secret in a screenshot). The bytes are dropped unless
/// other evidence holds the same bytes; the record stays as a tombstone with who, when and why, and the audit
/// trail keeps what it was.
#[utoipa::path(
    tag = "evidence",
    params(("tenant_id" = uuid::Uuid, Path), ("evidence_id" = uuid::Uuid, Path)),
    request_body = DeleteEvidence,
    responses(
        (status = 200, body = Evidence),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Already deleted"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "No reason given"),
    ),
    security(("bearer" = ["admin"]))
)]
#[delete("/tenants/{tenant_id}/evidence/{evidence_id}")]
async fn delete_evidence(
    state: web::Data<AppState>,
    caller: TenantCaller<Administer>,
    path: PathOf<(uuid::Uuid, uuid::Uuid)>,
    body: Body<DeleteEvidence>,
) -> Reply<web::Json<Evidence>> {
    let (_, id) = path?.into_inner();
    let reason = body?.into_inner().reason;
    let actor = caller.principal.actor();
    Ok(web::Json(write::delete(&state.db, &actor, state.clock.now(), caller.tenant.id, id, &reason).await?))
}

/// The upload form: its text fields and its file, spooled.
struct EvidenceForm {
    fields: HashMap<String, String>,
    file: Option<UploadedFile>,
}

struct UploadedFile {
    spooled: SpooledFile,
    name: Option<String>,
}

async fn read_form(req: &HttpRequest, payload: web::Payload, limit: u64) -> Result<EvidenceForm, ApiError> {
    if !super::imports::is_multipart(req) {
        return Err(ApiError::UnsupportedMediaType(
            "Send evidence as a multipart form with a `file` field (links go to /evidence/links as JSON).".into(),
        ));
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut out = EvidenceForm { fields: HashMap::new(), file: None };
    let malformed =
        |e: actix_multipart::MultipartError| ApiError::Malformed(format!("The multipart form could not be read: {e}."));
    while let Some(field) = form.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if out.file.is_some() {
                return Err(ValidationError::field("file", "send one file per upload").into());
            }
            let file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
            let declared = field.content_type().map(|m| m.essence_str().to_owned());
            let mut spooler = Spooler::new(limit)?;
            while let Some(chunk) = field.next().await {
                spooler.write(&chunk.map_err(malformed)?).await?;
            }
            let spooled = spooler.finish(declared.as_deref(), file_name.as_deref()).await?;
            out.file = Some(UploadedFile { spooled, name: file_name });
            continue;
        }
        if out.fields.len() >= FIELD_COUNT {
            return Err(ApiError::Malformed(format!("The form has more than {FIELD_COUNT} fields.")));
        }
        let mut text = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            if text.len() + chunk.len() > FIELD_LIMIT {
                return Err(ValidationError::field(name, format!("is longer than {FIELD_LIMIT} bytes")).into());
            }
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(text).map_err(|_| ValidationError::field(name.clone(), "is not UTF-8 text"))?;
        out.fields.insert(name, text);
    }
    Ok(out)
}

fn new_evidence(fields: &HashMap<String, String>) -> Result<NewEvidence, ApiError> {
    let field = |name: &str| fields.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let supersedes = field("supersedes")
        .map(|v| uuid::Uuid::parse_str(&v).map_err(|_| ValidationError::field("supersedes", "is not an evidence id")))
        .transpose()?;
    let kind = field("target_kind")
        .map(|v| {
            TargetKind::parse(&v).ok_or_else(|| {
                ValidationError::field(
                    "target_kind",
                    "must be recommendation, roadmap_item, risk_acceptance or soa_control",
                )
            })
        })
        .transpose()?;
    let target = match (kind, field("target_id")) {
        (Some(kind), Some(id)) => Some((kind, id)),
        (None, None) => None,
        (Some(_), None) => return Err(ValidationError::field("target_id", "is required with `target_kind`").into()),
        (None, Some(_)) => return Err(ValidationError::field("target_kind", "is required with `target_id`").into()),
    };
    Ok(NewEvidence { target, title: field("title").unwrap_or_default(), proves: field("proves"), supersedes })
}
