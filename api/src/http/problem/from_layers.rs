//! How each layer's error type becomes an [`ApiError`]: the store's, the exporters', the importers' and
//! authentication's, each in one `From`.

use super::ApiError;
use crate::auth::AuthError;
use crate::store::StoreError;

impl From<actix_web::Error> for ApiError {
    fn from(err: actix_web::Error) -> Self {
        ApiError::Rejected(err)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict(detail) => ApiError::Conflict(detail),
            StoreError::StaleVersion { current } => ApiError::StaleVersion { current },
            StoreError::Forbidden(detail) => ApiError::Forbidden(detail),
            StoreError::VersionRequired => ApiError::VersionRequired,
            StoreError::Invalid(v) => ApiError::Invalid(v),
            StoreError::Secret(e) => ApiError::Internal(e.to_string()),
            StoreError::QuotaExceeded { quota, used } => ApiError::QuotaExceeded { quota, used },
            StoreError::Gone(what) => ApiError::Gone(what),
            StoreError::Db(e) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<crate::export::digest::DigestError> for ApiError {
    fn from(err: crate::export::digest::DigestError) -> Self {
        use crate::export::digest::DigestError as E;
        match err {
            E::Store(e) => e.into(),
            E::Chart(e) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<crate::export::auditor_workbook::ExportError> for ApiError {
    fn from(err: crate::export::auditor_workbook::ExportError) -> Self {
        use crate::export::auditor_workbook::ExportError as E;
        match err {
            E::Store(e) => e.into(),
            E::NoTenant => ApiError::NotFound("tenant"),
            E::Xlsx(e) => ApiError::Internal(e.to_string()),
            E::Io(e) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<crate::import::error::ImportError> for ApiError {
    fn from(err: crate::import::error::ImportError) -> Self {
        use crate::import::error::ImportError as E;
        match err {
            E::Read(e) => ApiError::InvalidFile(e),
            E::Store(e) => e.into(),
            E::NotConfigured(kind) => ApiError::Conflict(format!(
                "No {kind} connector is configured for this tenant: an admin sets one up first."
            )),
            E::AlreadyRunning(run) => {
                ApiError::Conflict(format!("An import is already running for this tenant: follow /imports/{run}."))
            }
            E::RowsRefused(problems) => ApiError::RowsRefused(problems),
            E::Interrupted(cause) => ApiError::Internal(cause),
            other => ApiError::Conflict(other.to_string()),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Store(e) => e.into(),
            other => ApiError::Unauthenticated(other),
        }
    }
}

impl From<crate::import::evidence_file::EvidenceFileError> for ApiError {
    fn from(err: crate::import::evidence_file::EvidenceFileError) -> Self {
        use crate::domain::ValidationError;
        use crate::domain::evidence::file_type::TypeRefusal;
        use crate::import::evidence_file::EvidenceFileError as E;
        match err {
            E::TooLarge { limit } => ApiError::PayloadTooLarge(usize::try_from(limit).unwrap_or(usize::MAX)),
            E::Empty => ValidationError::field("file", "is empty").into(),
            E::Refused(refusal @ (TypeRefusal::Mismatch { .. } | TypeRefusal::NameConflict { .. })) => {
                ValidationError::field("file", format!("{refusal}: nothing was stored")).into()
            }
            E::Refused(TypeRefusal::NotAccepted(why)) => {
                ApiError::UnsupportedMediaType(format!("This file is not accepted as evidence: {why}."))
            }
            E::Io(e) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<crate::export::evidence_pack::PackError> for ApiError {
    fn from(err: crate::export::evidence_pack::PackError) -> Self {
        use crate::export::evidence_pack::PackError;
        match err {
            PackError::Store(e) => e.into(),
            PackError::Workbook(e) => e.into(),
            PackError::NoTenant => ApiError::NotFound("tenant"),
            PackError::Period => crate::domain::ValidationError::field("from", "is after `to`").into(),
            PackError::Tampered(id) => ApiError::Conflict(format!(
                "The stored bytes of evidence {id} no longer match the SHA-256 recorded when it was added, so the pack \
                 was not signed: the database was altered outside scoregrc. Check GET /audit/verify and restore a backup."
            )),
            other => ApiError::Internal(other.to_string()),
        }
    }
}
