//! The one place errors become HTTP: every failure answers RFC 9457 `application/problem+json` with a stable
//! `type` from [`ProblemType`], and internal causes are logged here, once, never sent to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::auth::AuthError;
use crate::domain::{FieldError, ValidationError};

mod from_layers;
mod rejections;

pub use rejections::{json_error, path_error, query_error};

/// Every kind of problem the API reports: its stable `type`, status and title, in one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    Unauthenticated,
    SecondFactorRequired,
    SecondFactorRefused,
    PasswordChangeRequired,
    SecondFactorEnrolmentRequired,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    MalformedRequest,
    UnsupportedMediaType,
    PayloadTooLarge,
    QuotaExceeded,
    Gone,
    Validation,
    InvalidFile,
    Conflict,
    TooManyAttempts,
    PreconditionFailed,
    PreconditionRequired,
    ServiceUnavailable,
    Internal,
}

impl ProblemType {
    /// `(slug, status, title)` for each type.
    fn row(self) -> (&'static str, StatusCode, &'static str) {
        use ProblemType::*;
        match self {
            Unauthenticated => ("unauthenticated", StatusCode::UNAUTHORIZED, "Authentication required"),
            SecondFactorRequired => ("second-factor-required", StatusCode::UNAUTHORIZED, "Second factor required"),
            SecondFactorRefused => ("second-factor-refused", StatusCode::UNAUTHORIZED, "Second factor refused"),
            PasswordChangeRequired => ("password-change-required", StatusCode::FORBIDDEN, "Password change required"),
            SecondFactorEnrolmentRequired => {
                ("second-factor-enrolment-required", StatusCode::FORBIDDEN, "Two-step sign-in required")
            }
            Forbidden => ("forbidden", StatusCode::FORBIDDEN, "Not allowed for your role"),
            NotFound => ("not-found", StatusCode::NOT_FOUND, "Not found"),
            MethodNotAllowed => ("method-not-allowed", StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
            MalformedRequest => ("malformed-request", StatusCode::BAD_REQUEST, "Malformed request"),
            UnsupportedMediaType => {
                ("unsupported-media-type", StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type")
            }
            PayloadTooLarge => ("payload-too-large", StatusCode::PAYLOAD_TOO_LARGE, "Request body too large"),
            QuotaExceeded => ("evidence-quota-exceeded", StatusCode::PAYLOAD_TOO_LARGE, "Evidence quota exceeded"),
            Gone => ("gone", StatusCode::GONE, "Deleted"),
            Validation => ("validation", StatusCode::UNPROCESSABLE_ENTITY, "Invalid input"),
            InvalidFile => ("invalid-file", StatusCode::UNPROCESSABLE_ENTITY, "The file cannot be imported"),
            Conflict => ("conflict", StatusCode::CONFLICT, "Conflict with the current state"),
            TooManyAttempts => ("too-many-attempts", StatusCode::TOO_MANY_REQUESTS, "Too many failed sign-ins"),
            PreconditionFailed => ("stale-version", StatusCode::PRECONDITION_FAILED, "Stale version"),
            PreconditionRequired => ("version-required", StatusCode::PRECONDITION_REQUIRED, "Version required"),
            ServiceUnavailable => ("unavailable", StatusCode::SERVICE_UNAVAILABLE, "Service unavailable"),
            Internal => ("internal", StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
        }
    }

    /// The `type` URI.
    pub fn uri(self) -> String {
        format!("urn:scoregrc:problem:{}", self.row().0)
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        self.row().1
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `urn:scoregrc:problem:validation`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    /// What happened and what to do next.
    pub detail: String,
    /// Every field at fault, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The file row at fault (1-based; the header is row 1), for file problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The file column at fault, by its header, for file problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The stored version, for stale-version problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

/// Every error a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required: {0}")]
    Unauthenticated(AuthError),
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    /// The password was right; the account also needs a code from its authenticator (or a recovery code).
    #[error("a second factor is required")]
    SecondFactorRequired,
    #[error("the second factor was refused")]
    SecondFactorRefused,
    /// The sign-in policy requires this admin to enrol a second factor before anything else.
    #[error("a second factor must be enrolled first")]
    SecondFactorEnrolmentRequired,
    /// Not allowed; the text says what would be needed.
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no route for this method")]
    MethodNotAllowed(Vec<String>),
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("body larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("evidence quota of {quota} bytes used")]
    QuotaExceeded { quota: u64, used: u64 },
    #[error("{0} was deleted")]
    Gone(&'static str),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// An uploaded file or a source page that cannot be read, located by row and column or JSON path.
    #[error("{0}")]
    InvalidFile(readers::ReadError),
    #[error("{0}")]
    Conflict(String),
    /// An uploaded workbook's rows refused, each problem at its cell: 409 when every one is a conflict, else 422.
    #[error("{} problems in the uploaded workbook", .0.len())]
    RowsRefused(Vec<crate::domain::triage_workbook::RowProblem>),
    #[error("too many failed sign-ins; retry after {retry_after_seconds}s")]
    TooManyAttempts { retry_after_seconds: i64 },
    #[error("stale version")]
    StaleVersion { current: i64 },
    #[error("version required")]
    VersionRequired,
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// An extractor's rejection (body, query, path), already shaped as problem+json by the handlers below;
    /// handlers take extractors as `Result` so credentials are checked before the body is judged.
    #[error("{0}")]
    Rejected(actix_web::Error),
}

impl ApiError {
    fn kind(&self) -> ProblemType {
        match self {
            ApiError::Unauthenticated(_) => ProblemType::Unauthenticated,
            ApiError::PasswordChangeRequired => ProblemType::PasswordChangeRequired,
            ApiError::SecondFactorRequired => ProblemType::SecondFactorRequired,
            ApiError::SecondFactorRefused => ProblemType::SecondFactorRefused,
            ApiError::SecondFactorEnrolmentRequired => ProblemType::SecondFactorEnrolmentRequired,
            ApiError::Forbidden(_) => ProblemType::Forbidden,
            ApiError::NotFound(_) => ProblemType::NotFound,
            ApiError::MethodNotAllowed(_) => ProblemType::MethodNotAllowed,
            ApiError::Malformed(_) => ProblemType::MalformedRequest,
            ApiError::UnsupportedMediaType(_) => ProblemType::UnsupportedMediaType,
            ApiError::PayloadTooLarge(_) => ProblemType::PayloadTooLarge,
            ApiError::QuotaExceeded { .. } => ProblemType::QuotaExceeded,
            ApiError::Gone(_) => ProblemType::Gone,
            ApiError::Invalid(_) => ProblemType::Validation,
            ApiError::InvalidFile(e) => match e.kind {
                readers::ReadErrorKind::UnsupportedFileType => ProblemType::UnsupportedMediaType,
                readers::ReadErrorKind::TooLarge => ProblemType::PayloadTooLarge,
                _ => ProblemType::InvalidFile,
            },
            ApiError::Conflict(_) => ProblemType::Conflict,
            ApiError::RowsRefused(p) if p.iter().all(|p| p.conflict) => ProblemType::Conflict,
            ApiError::RowsRefused(_) => ProblemType::InvalidFile,
            ApiError::TooManyAttempts { .. } => ProblemType::TooManyAttempts,
            ApiError::StaleVersion { .. } => ProblemType::PreconditionFailed,
            ApiError::VersionRequired => ProblemType::PreconditionRequired,
            ApiError::Unavailable(_) => ProblemType::ServiceUnavailable,
            ApiError::Internal(_) | ApiError::Rejected(_) => ProblemType::Internal,
        }
    }

    /// The client-facing detail: never a database message or an internal cause.
    fn detail(&self) -> String {
        match self {
            ApiError::Unauthenticated(_) => {
                "Send a valid `Authorization: Bearer` token: sign in at /api/v1/auth/login, or use a service token."
                    .into()
            }
            ApiError::PasswordChangeRequired => {
                "Your password was reset: set a new one with POST /api/v1/auth/password before doing anything else."
                    .into()
            }
            ApiError::SecondFactorRequired => "This account uses two-step sign-in: send the 6-digit code from your \
                                                authenticator app as `totp_code`, or a recovery code as `recovery_code`."
                .into(),
            ApiError::SecondFactorRefused => "That code was not accepted (wrong, expired or already used): send the \
                                              current code from your authenticator app, or an unused recovery code."
                .into(),
            ApiError::SecondFactorEnrolmentRequired => "Admins must use two-step sign-in: turn it on with POST \
                                                        /api/v1/me/second-factor/enrolment before doing anything else."
                .into(),
            ApiError::Forbidden(needed) => needed.clone(),
            ApiError::NotFound(what) => format!("No {what} with that id exists, or you may not see it."),
            ApiError::MethodNotAllowed(allowed) => format!("This path accepts only: {}.", allowed.join(", ")),
            ApiError::Malformed(detail) => detail.clone(),
            ApiError::UnsupportedMediaType(detail) => detail.clone(),
            ApiError::PayloadTooLarge(limit) => format!("The request body is larger than the limit of {limit} bytes."),
            ApiError::QuotaExceeded { quota, used } => format!(
                "The tenant's evidence already holds {used} of its {quota} bytes and this file does not fit: an admin \
                 raises the quota (SCOREGRC_EVIDENCE_QUOTA_MB) or deletes evidence uploaded by mistake."
            ),
            ApiError::Gone(what) => {
                format!("This {what} was deleted by an admin: its record and audit row remain, the bytes do not.")
            }
            ApiError::Invalid(v) => {
                v.errors.iter().map(|e| format!("`{}` {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
            }
            ApiError::InvalidFile(e) => format!("{} Nothing was imported.", e.message),
            ApiError::Conflict(detail) => detail.clone(),
            ApiError::RowsRefused(problems) => {
                let conflicts = problems.iter().filter(|p| p.conflict).count();
                format!(
                    "{} problem(s) in the workbook, {conflicts} of them rows changed by someone else since the export; \
                     nothing was imported. Each is in `errors`, at its cell: fix them (export again for conflicts) \
                     and upload again.",
                    problems.len()
                )
            }
            ApiError::TooManyAttempts { retry_after_seconds } => format!(
                "Too many failed sign-ins for this username: try again in {} minute(s).",
                (retry_after_seconds + 59) / 60
            ),
            ApiError::StaleVersion { current } => {
                format!(
                    "Someone changed this since you read it: the stored version is {current}. Reload and apply your change again."
                )
            }
            ApiError::VersionRequired => "Send the version your change is based on (`If-Match` or `version`).".into(),
            ApiError::Unavailable(_) => "The database is not answering; try again shortly.".into(),
            ApiError::Internal(_) | ApiError::Rejected(_) => {
                "Something went wrong on our side; the error has been logged.".into()
            }
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let kind = self.kind();
        let (_, status, title) = kind.row();
        Problem {
            problem_type: kind.uri(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.detail(),
            errors: match self {
                ApiError::Invalid(v) => v.errors.clone(),
                ApiError::RowsRefused(problems) => {
                    problems.iter().map(|p| FieldError { field: p.cell.clone(), message: p.message.clone() }).collect()
                }
                ApiError::InvalidFile(e) => vec![FieldError {
                    field: e.field.clone().or_else(|| e.column.clone()).unwrap_or_else(|| "file".into()),
                    message: e.message.clone(),
                }],
                _ => Vec::new(),
            },
            row: match self {
                ApiError::InvalidFile(e) => e.row,
                _ => None,
            },
            column: match self {
                ApiError::InvalidFile(e) => e.column.clone(),
                _ => None,
            },
            current_version: match self {
                ApiError::StaleVersion { current } => Some(*current),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Rejected(inner) => inner.as_response_error().status_code(),
            other => other.kind().status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Rejected(inner) = self {
            return inner.error_response();
        }
        match self {
            ApiError::Internal(cause) | ApiError::Unavailable(cause) => {
                tracing::error!(error = %cause, "request failed")
            }
            ApiError::Unauthenticated(cause) => tracing::info!(reason = %cause, "credential refused"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")));
        if let ApiError::Unauthenticated(_) = self {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let ApiError::TooManyAttempts { retry_after_seconds } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
        }
        if let ApiError::MethodNotAllowed(allowed) = self
            && let Ok(value) = HeaderValue::from_str(&allowed.join(", "))
        {
            response.insert_header((header::ALLOW, value));
        }
        response.json(self.problem())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_never_reach_the_client() {
        let problem = ApiError::Internal("SQLITE_CORRUPT at page 7".into()).problem();
        assert!(!problem.detail.contains("SQLITE"));
        assert_eq!(problem.status, 500);
    }

    #[test]
    fn validation_problems_list_each_field() {
        let problem = ApiError::Invalid(ValidationError::field("name", "must not be empty")).problem();
        assert_eq!(problem.problem_type, "urn:scoregrc:problem:validation");
        assert_eq!(problem.errors.len(), 1);
        assert_eq!(problem.status, 422);
    }
}
