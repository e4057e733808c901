//! Pure rules of the domain: no I/O, no database, no HTTP. Everything here is unit-tested.

pub mod alert;
pub mod audit;
pub mod backoff;
pub mod board;
pub mod bucket;
pub mod change;
pub mod channel;
pub mod coverage;
pub mod delivery;
pub mod diagnosis;
pub mod digest;
pub mod error;
pub mod evidence;
pub mod framework;
pub mod ids;
pub mod notification;
pub mod password_policy;
pub mod principal;
pub mod quarter;
pub mod rating;
pub mod recommendation;
pub mod register;
pub mod roadmap;
pub mod role;
pub mod schedule;
pub mod score;
pub mod score_change;
pub mod service_token;
pub mod soa;
pub mod suggestion;
pub mod triage_workbook;
pub mod user;
pub mod weekly_review;
pub mod write_back;

pub use error::{FieldError, ValidationError, Violations};
