//! Streaming evidence bytes out of the database a chunk at a time, as a download that no browser renders or runs.

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, web};

use super::problem::ApiError;
use crate::domain::evidence::file_type::FileType;
use crate::domain::evidence::{EvidenceKind, safe_name};
use crate::domain::ids::TenantId;
use crate::state::AppState;
use crate::store::evidence::{self, blobs};

/// The bytes of evidence `id` as an attachment.
pub async fn download(state: &AppState, tenant: TenantId, id: uuid::Uuid) -> Result<HttpResponse, ApiError> {
    let item = evidence::find(&state.db, tenant, id).await?;
    if item.deleted_at.is_some() {
        return Err(ApiError::Gone("evidence"));
    }
    if EvidenceKind::parse(&item.kind) == Some(EvidenceKind::Link) {
        return Err(ApiError::NotFound("evidence content (a link has no bytes: follow its `url`)"));
    }
    let blob = blobs::find(&state.db, &item.sha256).await?.ok_or(ApiError::Gone("evidence"))?;
    let file_type = FileType::from_mime(&blob.content_type).unwrap_or(FileType::Text);
    let stem = item.file_name.as_deref().map(|n| n.rsplit_once('.').map_or(n, |(stem, _)| stem)).unwrap_or(&item.title);
    let name = format!("{}.{}", safe_name(stem, 80), file_type.extension());
    let db = state.db.clone();
    let sha256 = item.sha256.clone();
    let count = blob.chunk_count;
    let chunks = futures_util::stream::unfold(0, move |idx| {
        let (db, sha256) = (db.clone(), sha256.clone());
        async move {
            if idx >= count {
                return None;
            }
            match blobs::chunk(&db, &sha256, idx).await {
                Ok(bytes) => Some((Ok(web::Bytes::from(bytes)), idx + 1)),
                // The error ends the body; the client sees a short download, the log the cause.
                Err(e) => {
                    tracing::error!(error = %e, "evidence download stopped");
                    Some((Err(std::io::Error::other(e.to_string())), count))
                }
            }
        }
    });
    let sha = HeaderValue::from_str(&item.sha256).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type(file_type.mime())
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .insert_header((HeaderName::from_static("x-content-sha256"), sha))
        .no_chunking(blob.size.max(0) as u64)
        .streaming(chunks))
}
