//! Parsers for Secure Score sources: bytes in, normalised records or a located error out.
//!
//! - [`detect`]: CSV or xlsx, by content.
//! - [`export`]: the Defender portal's "Recommended actions → Export", as CSV or xlsx.
//! - [`graph`]: Microsoft Graph `secureScores`, `secureScoreControlProfiles`, token and error bodies.
//! - [`arm`]: Azure Resource Manager (Defender for Cloud) secure scores and score controls.
//! - [`title`]: a title key for joining portal rows to Graph profiles, and the catalog of known titles.
//! - [`triage_workbook`]: the triage workbook scoregrc exports, read back after a person edited it.
//! - [`fuzzing`]: the bodies of the fuzz targets in `fuzz/`, with the invariants every reader keeps.
//!
//! Nothing here does I/O: every function takes `&[u8]` and returns data or a [`ReadError`] whose message
//! names the row and column (or JSON path) and says what to do.

pub mod arm;
mod detect;
mod error;
pub mod export;
pub mod fuzzing;
pub mod graph;
mod json;
mod text;
pub mod title;
pub mod triage_workbook;

pub use detect::{FileKind, detect};
pub use error::{ReadError, ReadErrorKind};
