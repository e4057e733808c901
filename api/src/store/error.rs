//! The store's error: what went wrong reading or writing, in terms the HTTP layer can map.

use sea_orm::{DbErr, SqlErr};

use crate::domain::ValidationError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist (or is not visible).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The write conflicts with existing data (a duplicate name, the last admin, …).
    #[error("{0}")]
    Conflict(String),
    /// The caller's role does not allow this write on this record; the text says what would be needed.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The write must say which version it is based on, and did not.
    #[error("version required")]
    VersionRequired,
    /// The write was based on an older version than the one stored.
    #[error("stale version: the stored version is {current}")]
    StaleVersion { current: i64 },
    /// Input broke a domain rule discovered while writing.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A stored secret could not be opened or sealed.
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    /// The tenant's evidence would grow beyond its quota of bytes.
    #[error("the evidence quota of {quota} bytes is used ({used} bytes held)")]
    QuotaExceeded { quota: u64, used: u64 },
    /// The thing existed but was deleted; only its tombstone remains.
    #[error("{0} was deleted")]
    Gone(&'static str),
    /// The database failed.
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    /// Constraint violations become conflicts here, at the store boundary, not 500s further up.
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                StoreError::Conflict("a record with the same unique value already exists".to_owned())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                StoreError::Conflict("the record refers to something that does not exist".to_owned())
            }
            _ => StoreError::Db(err),
        }
    }
}

/// Checks an optimistic-concurrency version the caller must give.
pub fn require_version(given: Option<i64>, current: i64) -> Result<(), StoreError> {
    match given {
        None => Err(StoreError::VersionRequired),
        given => check_version(given, current),
    }
}

/// Checks an optimistic-concurrency version when the caller gave one.
pub fn check_version(given: Option<i64>, current: i64) -> Result<(), StoreError> {
    match given {
        Some(v) if v != current => Err(StoreError::StaleVersion { current }),
        _ => Ok(()),
    }
}
