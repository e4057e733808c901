//! `POST /api/v1/download-tokens`: a single-use, 60-second token for one download, so the browser can fetch a
//! workbook, an evidence pack or a file with a plain link and no bearer token ever sits in a URL.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{Caller, SignedIn, bearer};
use super::problem::Problem;
use super::{Body, Reply};
use crate::auth::download_tokens::{self, PARAMETER, is_download};
use crate::domain::ValidationError;
use crate::state::AppState;

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(issue_download_token);
}

/// The download a token is for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"path": "/api/v1/tenants/01900000-0000-7000-8000-000000000000/exports/auditor.xlsx"}))]
pub struct DownloadRequest {
    /// The download's path (no query): a tenant's `exports/auditor.xlsx`, `exports/triage.xlsx`,
    /// `exports/evidence-pack.zip`, `risk-register.csv`, `reports/board/{quarter}.html`, or an evidence file's
    /// `…/content`.
    pub path: String,
}

/// A token for one download.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DownloadToken {
    pub token: String,
    /// The path with the token as `download_token`; add the download's own query parameters to it.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// Get a single-use download token
///
/// Good once, for 60 seconds, for the one path asked for, and only for downloads. It stands for your own
/// credential: when the download is fetched, your role and tenant membership are checked exactly as with the
/// `Authorization` header.
#[utoipa::path(
    tag = "auth",
    request_body = DownloadRequest,
    responses(
        (status = 200, body = DownloadToken),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Not a download path"),
    ),
    security(("bearer" = ["admin", "ciso", "it_manager", "engineer", "auditor"]))
)]
#[post("/download-tokens")]
async fn issue_download_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    _caller: Caller<SignedIn>,
    body: Body<DownloadRequest>,
) -> Reply<HttpResponse> {
    let path = body?.into_inner().path;
    if !is_download(&path) {
        return Err(ValidationError::field("path", "is not a download this token can be used for").into());
    }
    let credential = bearer(&req)?;
    let key = &state.importer.data_key;
    let (token, expires_at) = download_tokens::issue(&state.db, key, &credential, &path, state.clock.now()).await?;
    let url = format!("{path}?{PARAMETER}={token}");
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(DownloadToken {
        token,
        url,
        expires_at,
    }))
}
