//! Microsoft Graph: `secureScoreControlProfiles`, `secureScores`, the client-credentials token and error
//! bodies (formats.md §1).
//!
//! The serde models are private and lenient — numbers as strings, `"false"` as false, mixed-case
//! enumerations, nulls, unknown keys ignored — and convert into the public types below, which carry
//! normalised values only. Text fields that hold HTML (`remediation`, `description`, …) are kept as-is:
//! sanitising is for whoever renders them.

mod auth;
mod profiles;
mod scores;

use serde::Deserialize;

pub use auth::{AccessToken, GraphError, parse_error, parse_token};
pub use profiles::{ControlProfile, ControlState, MsLevel, MsState, ProfilesPage, parse_profiles_page};
pub use scores::{ComparativeAverage, ControlScore, ScoreDay, ScoresPage, parse_scores_page};

use crate::error::{ReadError, ReadErrorKind};

/// A Graph collection page: `value` plus the link to the next page.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub(crate) struct RawPage<T> {
    #[serde(default)]
    value: Option<Vec<Option<T>>>,
    #[serde(rename = "@odata.nextLink", default, deserialize_with = "crate::json::string_opt")]
    next_link: Option<String>,
}

/// Page items with their index in `value`, so errors can name `value[i]` even when null items are skipped.
pub(crate) type Indexed<T> = Vec<(usize, T)>;

impl<T: serde::de::DeserializeOwned> RawPage<T> {
    /// Parses a page; a Graph error body in place of a page is reported with Graph's own code and message.
    pub(crate) fn parse(bytes: &[u8], what: &str) -> Result<(Indexed<T>, Option<String>), ReadError> {
        let page: RawPage<T> = crate::json::parse(bytes, what)?;
        let Some(value) = page.value else {
            let message = match parse_error(bytes) {
                Some(error) => format!(
                    "the {what} is an error answer instead of data: {}: {}",
                    error.code.as_deref().unwrap_or("no code"),
                    error.message.as_deref().unwrap_or("no message")
                ),
                None => format!("the {what} has no `value` list"),
            };
            return Err(ReadError::new(ReadErrorKind::MalformedJson, message).at_field("value"));
        };
        let items = value.into_iter().enumerate().filter_map(|(index, item)| item.map(|item| (index, item))).collect();
        Ok((items, crate::json::trimmed(page.next_link)))
    }
}
