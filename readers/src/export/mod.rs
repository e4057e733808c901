//! The Defender portal export (Secure Score → Recommended actions → Export), as CSV or xlsx.
//!
//! Both file types share one row model: [`read_csv`] and [`read_xlsx`] turn their cells into the same
//! intermediate sheet, and one builder reads the values, so a CSV and the same data saved as xlsx give
//! equal rows. Microsoft does not document the export's columns; formats.md §2 lists the evidence.

mod cell;
mod columns;
mod csv;
mod dates;
mod rows;
mod shared_strings;
mod values;
mod xlsx;
pub(crate) mod zip_check;

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

pub use self::csv::read_csv;
pub use self::xlsx::read_xlsx;
pub(crate) use cell::column_letters;

/// Far more data rows than any real tenant has recommended actions (a few hundred), yet room for merged exports
/// and the 100k-row import benchmark; beyond this the file is refused as [`crate::ReadErrorKind::TooLarge`]
/// instead of being held in memory. The service's upload size limit usually stops a file long before.
pub const MAX_ROWS: usize = 250_000;

/// One export file: its rows and what its header row looked like.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSheet {
    /// Data rows in file order; blank rows are skipped.
    pub rows: Vec<ExportRow>,
    /// The header row as found (a BOM removed, nothing else changed, so `Last synced ` keeps its space).
    pub headers: Vec<String>,
    /// The language the headers are in.
    pub language: HeaderLanguage,
}

/// The portal language of the header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HeaderLanguage {
    /// English.
    En,
    /// German.
    De,
    /// French (header names unconfirmed, see the column aliases).
    Fr,
    /// Headers from more than one language.
    Mixed,
}

/// One recommended action as the portal exported it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    /// 1-based file row (the header is row 1 when it is the first line).
    pub row: u64,
    /// `Rank`.
    pub rank: Option<i32>,
    /// `Recommended action`: trimmed, inner whitespace collapsed; never empty.
    pub title: String,
    /// `Score impact`.
    pub score_impact: Option<ScoreImpact>,
    /// Points achieved, the `a` of `a/b` in `Points achieved`.
    pub achieved: f64,
    /// Points available, the `b` of `a/b` in `Points achieved`.
    pub max: f64,
    /// `Status`, when the text is a known portal status.
    pub status: Option<PortalStatus>,
    /// `Status` as written, kept even when it is not a known status.
    pub status_text: Option<String>,
    /// `Regressed`.
    pub regressed: Option<bool>,
    /// `Have license?`.
    pub have_license: Option<bool>,
    /// `Category` (Identity, Data, Device, Apps, …).
    pub category: Option<String>,
    /// `Product`.
    pub product: Option<String>,
    /// `Last synced`; a date without time is midnight; a value with an explicit offset is in UTC.
    pub last_synced: Option<NaiveDateTime>,
    /// `Microsoft update`, as written.
    pub microsoft_update: Option<String>,
    /// `Notes`, as written (trimmed).
    pub notes: Option<String>,
    /// Non-empty values of columns this crate does not know, by header (trimmed).
    pub extra: BTreeMap<String, String>,
}

/// `Score impact`: the portal has been seen writing percentages of the total score and points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScoreImpact {
    /// Points, from `0.50 points`, `8.00`, `8,5`.
    Points(f64),
    /// Percentage points of the total score, from `+3.24 %`, `+3,24 %`, `-1.5 %` (3.24 means 3.24 %).
    Percent(f64),
}

/// The six statuses of a recommended action in the Defender portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortalStatus {
    /// "To address": still to do (also partly done actions).
    ToAddress,
    /// "Planned".
    Planned,
    /// "Risk accepted": no points.
    RiskAccepted,
    /// "Resolved through third party": points granted, not verified by Microsoft.
    ResolvedThirdParty,
    /// "Resolved through alternate mitigation": points granted, not verified by Microsoft.
    ResolvedAlternateMitigation,
    /// "Completed": all points achieved, confirmed by Microsoft.
    Completed,
}
