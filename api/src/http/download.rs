//! Answering a file as a download: streamed from disk in chunks with its length and a name to save it as, so
//! a large export never sits in memory whole.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use tokio::io::AsyncReadExt;

use super::problem::ApiError;

/// Bytes read from the file per chunk of the response body.
const CHUNK: usize = 64 * 1024;

/// `file` (read from its current position to the end) as an attachment named `file_name` (ASCII letters,
/// digits, `.`, `-` and `_` only, so the header needs no encoding).
pub fn attachment(file: std::fs::File, content_type: &'static str, file_name: &str) -> Result<HttpResponse, ApiError> {
    let length = file.metadata().map_err(|e| ApiError::Internal(format!("download file: {e}")))?.len();
    let chunks = futures_util::stream::unfold(Some(tokio::fs::File::from_std(file)), |state| async move {
        let mut file = state?;
        let mut buffer = vec![0u8; CHUNK];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok(web::Bytes::from(buffer)), Some(file)))
            }
            // The error ends the body; the client sees a short download, the log the cause.
            Err(e) => {
                tracing::error!(error = %e, "download stopped");
                Some((Err(e), None))
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")))
        .no_chunking(length)
        .streaming(chunks))
}

/// A temporary file for an export to be written to before it is answered with [`recorded_attachment`].
pub fn export_file() -> Result<tempfile::NamedTempFile, ApiError> {
    tempfile::NamedTempFile::new().map_err(export_io)
}

/// A written export as an attachment, with the SHA-256 the audit trail recorded in `x-content-sha256`. The open
/// handle keeps the content readable once the temporary name is gone.
pub fn recorded_attachment(
    file: tempfile::NamedTempFile,
    content_type: &'static str,
    file_name: &str,
    sha256: &str,
) -> Result<HttpResponse, ApiError> {
    let reopened = file.reopen().map_err(export_io)?;
    drop(file);
    let mut response = attachment(reopened, content_type, file_name)?;
    let sha256 = header::HeaderValue::from_str(sha256).map_err(|e| ApiError::Internal(e.to_string()))?;
    response.headers_mut().insert(header::HeaderName::from_static("x-content-sha256"), sha256);
    Ok(response)
}

fn export_io(err: std::io::Error) -> ApiError {
    ApiError::Internal(format!("writing the export: {err}"))
}

/// `text` as part of a file name: ASCII letters and digits kept (lower case), every other run of characters one
/// `-`, at most 40 characters.
pub fn file_name_part(text: &str) -> String {
    let mut part = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            part.push(c.to_ascii_lowercase());
        } else if !part.is_empty() && !part.ends_with('-') {
            part.push('-');
        }
    }
    let part: String = part.chars().take(40).collect();
    part.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_parts_are_plain_ascii() {
        assert_eq!(file_name_part("Contoso (demo)"), "contoso-demo");
        assert_eq!(file_name_part("  Ärzte & Co. KG "), "rzte-co-kg");
        assert_eq!(file_name_part("\"; evil=1"), "evil-1");
        assert_eq!(file_name_part("日本"), "");
        assert_eq!(file_name_part(&"a".repeat(60)).len(), 40);
    }
}
