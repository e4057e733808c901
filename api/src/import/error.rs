//! The import layer's error: what went wrong reading a source, located where it can be.

use readers::ReadError;

use crate::domain::triage_workbook::RowProblem;
use crate::store::StoreError;
use crate::store::import_runs::RunError;

/// Why an import did not happen. None of these leave a partial import behind.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file or a page could not be read; the error says where.
    #[error("{0}")]
    Read(ReadError),
    /// The token endpoint refused the credentials.
    #[error("the identity provider refused the connector's credentials: {0}")]
    Auth(String),
    /// A source answered with an error status.
    #[error("{url} answered {status}: {message}")]
    Http { url: String, status: u16, message: String },
    /// The source could not be reached, or timed out, after retries.
    #[error("could not reach {url}: {message}")]
    Transport { url: String, message: String },
    /// Graph answered 206 Partial Content: a provider did not answer, so the data is incomplete.
    #[error("{0} answered 206 Partial Content: the data is incomplete, so nothing was imported")]
    Incomplete(String),
    /// Paging went in a circle or never ended.
    #[error("paging did not end: {0}")]
    PagingLoop(String),
    /// The tenant has no connector of that kind.
    #[error("no {0} connector is configured for this tenant")]
    NotConfigured(&'static str),
    /// Another import of the same kind is still going.
    #[error("an import is already running for this tenant (run {0})")]
    AlreadyRunning(uuid::Uuid),
    /// An edited triage workbook whose rows are wrong or conflict, each problem at its cell; nothing was written.
    #[error("{} problems in the triage workbook", .0.len())]
    RowsRefused(Vec<RowProblem>),
    /// Reading the upload stopped before it finished (the worker reading it ended).
    #[error("reading the upload was interrupted: {0}")]
    Interrupted(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ReadError> for ImportError {
    fn from(err: ReadError) -> Self {
        ImportError::Read(err)
    }
}

impl ImportError {
    /// The error as a run records it.
    pub fn run_error(&self) -> RunError {
        match self {
            ImportError::Read(e) => {
                RunError { message: e.message.clone(), row: e.row, column: e.column.clone(), field: e.field.clone() }
            }
            // Database details stay in the log.
            ImportError::Store(_) | ImportError::Interrupted(_) => {
                RunError::message("the import could not be stored; nothing was changed")
            }
            other => RunError::message(other.to_string()),
        }
    }
}
