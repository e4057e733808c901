//! `GET /security/secureScoreControlProfiles`: the control catalog with each control's state history.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::RawPage;
use crate::error::ReadError;
use crate::json::{self, bool_opt, date_time_opt, f64_opt, i64_opt, list, string_opt, trimmed};

/// One page of control profiles. Follow `next_link` until it is `None`: the catalog spans 2–3 pages.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfilesPage {
    /// The profiles on this page.
    pub profiles: Vec<ControlProfile>,
    /// `@odata.nextLink`: request this URL unchanged for the next page.
    pub next_link: Option<String>,
}

/// A Secure Score control as the catalog describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlProfile {
    /// The control id (`AdminMFAV2`, `aad_admin_consent_workflow`, `11770.MDA_Google_EnableTwoFactorAuth`).
    pub id: String,
    /// Title, trimmed (real titles carry trailing spaces); `None` when absent or blank.
    pub title: Option<String>,
    /// `controlCategory`: Identity, Data, Device, Apps, Infrastructure (legacy: Account).
    pub category: Option<String>,
    /// `service`: AzureAD, MDO, EXO, MDA_SF, …
    pub service: Option<String>,
    /// `maxScore`, whether written `3` or `3.0`.
    pub max_score: Option<f64>,
    /// `rank`: Microsoft's stack rank; ties are common.
    pub rank: Option<i32>,
    /// `implementationCost`.
    pub implementation_cost: MsLevel,
    /// `userImpact`.
    pub user_impact: MsLevel,
    /// `tier`, as written (trimmed): Core, Defense In Depth, Advanced.
    pub tier: Option<String>,
    /// `threats`, trimmed, without case-insensitive duplicates (first spelling kept).
    pub threats: Vec<String>,
    /// `remediation`: mostly HTML, kept as-is.
    pub remediation: Option<String>,
    /// `remediationImpact`: plain text or HTML, kept as-is.
    pub remediation_impact: Option<String>,
    /// `actionType`: Config, Review, Behavior.
    pub action_type: Option<String>,
    /// `actionUrl`.
    pub action_url: Option<String>,
    /// `deprecated`; absent means false.
    pub deprecated: bool,
    /// The newest `controlStateUpdates` entry; `None` when there is none (the control sits at default).
    pub state: Option<ControlState>,
}

/// A Microsoft low/moderate/high rating (`implementationCost`, `userImpact`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MsLevel {
    /// Low.
    Low,
    /// Moderate (Graph also writes "Medium").
    Moderate,
    /// High.
    High,
    /// `Unknown`, null, empty, or any other text.
    Unknown,
}

impl MsLevel {
    /// Reads a level case-insensitively; anything unrecognised is [`MsLevel::Unknown`].
    pub fn from_text(text: &str) -> MsLevel {
        match text.trim().to_ascii_lowercase().as_str() {
            "low" => MsLevel::Low,
            "moderate" | "medium" => MsLevel::Moderate,
            "high" => MsLevel::High,
            _ => MsLevel::Unknown,
        }
    }
}

/// The state a tenant set on a control (one `secureScoreControlStateUpdate`).
#[derive(Debug, Clone, PartialEq)]
pub struct ControlState {
    /// The state, normalised.
    pub state: MsState,
    /// The state as written (trimmed), for values [`MsState::Other`] does not name.
    pub raw: String,
    /// `comment`.
    pub comment: Option<String>,
    /// `assignedTo`.
    pub assigned_to: Option<String>,
    /// `updatedBy` (a UPN or user id).
    pub updated_by: Option<String>,
    /// `updatedDateTime`; null for controls nobody touched.
    pub updated_at: Option<DateTime<Utc>>,
}

/// Graph `controlStateUpdates[].state`. Documented: Default, Ignored, ThirdParty, Reviewed; seen live:
/// AlternateMitigation; Planned is a guess at what the portal's "Planned" writes (formats.md §1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MsState {
    /// Default (also a null or empty state): "To address" in the portal.
    Default,
    /// Ignored: most likely "Risk accepted".
    Ignored,
    /// ThirdParty: "Resolved through third party".
    ThirdParty,
    /// Reviewed: portal label unknown.
    Reviewed,
    /// AlternateMitigation: "Resolved through alternate mitigation".
    AlternateMitigation,
    /// Planned.
    Planned,
    /// Anything else; see [`ControlState::raw`].
    Other,
}

impl MsState {
    /// Reads a state case-insensitively, ignoring spaces, `_` and `-` (`thirdParty`, `third_party`).
    pub fn from_text(text: &str) -> MsState {
        let squashed: String =
            text.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
        match squashed.as_str() {
            "" | "default" => MsState::Default,
            "ignored" => MsState::Ignored,
            "thirdparty" => MsState::ThirdParty,
            "reviewed" => MsState::Reviewed,
            "alternatemitigation" => MsState::AlternateMitigation,
            "planned" => MsState::Planned,
            _ => MsState::Other,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProfile {
    #[serde(default, deserialize_with = "string_opt")]
    id: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    title: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    control_category: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    service: Option<String>,
    #[serde(default, deserialize_with = "f64_opt")]
    max_score: Option<f64>,
    #[serde(default, deserialize_with = "i64_opt")]
    rank: Option<i64>,
    #[serde(default, deserialize_with = "string_opt")]
    implementation_cost: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    user_impact: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    tier: Option<String>,
    #[serde(default, deserialize_with = "list")]
    threats: Vec<String>,
    #[serde(default, deserialize_with = "string_opt")]
    remediation: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    remediation_impact: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    action_type: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    action_url: Option<String>,
    #[serde(default, deserialize_with = "bool_opt")]
    deprecated: Option<bool>,
    #[serde(default, deserialize_with = "list")]
    control_state_updates: Vec<RawStateUpdate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStateUpdate {
    #[serde(default, deserialize_with = "string_opt")]
    state: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    assigned_to: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    updated_by: Option<String>,
    #[serde(default, deserialize_with = "date_time_opt")]
    updated_date_time: Option<DateTime<Utc>>,
}

const WHAT: &str = "control profiles page";

/// Parses one page of `GET /security/secureScoreControlProfiles`.
///
/// A profile without `id` is [`crate::ReadErrorKind::BadValue`] with `field` `value[i].id`; malformed JSON
/// is [`crate::ReadErrorKind::MalformedJson`] with line, column and path.
pub fn parse_profiles_page(bytes: &[u8]) -> Result<ProfilesPage, ReadError> {
    let (items, next_link) = RawPage::<RawProfile>::parse(bytes, WHAT)?;
    let profiles = items.into_iter().map(|(index, raw)| profile(index, raw)).collect::<Result<_, _>>()?;
    Ok(ProfilesPage { profiles, next_link })
}

fn profile(index: usize, raw: RawProfile) -> Result<ControlProfile, ReadError> {
    let id = trimmed(raw.id).ok_or_else(|| json::missing(WHAT, format!("value[{index}].id")))?;
    let rank = raw.rank.map(i32::try_from).transpose().map_err(|_| {
        crate::error::ReadError::new(
            crate::error::ReadErrorKind::BadValue,
            format!("the {WHAT} gives control `{id}` a rank outside the 32-bit range"),
        )
        .at_field(format!("value[{index}].rank"))
    })?;
    Ok(ControlProfile {
        title: trimmed(raw.title),
        category: trimmed(raw.control_category),
        service: trimmed(raw.service),
        max_score: raw.max_score,
        rank,
        implementation_cost: raw.implementation_cost.as_deref().map_or(MsLevel::Unknown, MsLevel::from_text),
        user_impact: raw.user_impact.as_deref().map_or(MsLevel::Unknown, MsLevel::from_text),
        tier: trimmed(raw.tier),
        threats: distinct_threats(raw.threats),
        remediation: raw.remediation.filter(|text| !text.trim().is_empty()),
        remediation_impact: raw.remediation_impact.filter(|text| !text.trim().is_empty()),
        action_type: trimmed(raw.action_type),
        action_url: trimmed(raw.action_url),
        deprecated: raw.deprecated.unwrap_or(false),
        state: newest_state(raw.control_state_updates),
        id,
    })
}

/// `Account Breach` and `Account breach` are one threat.
fn distinct_threats(threats: Vec<String>) -> Vec<String> {
    let mut distinct: Vec<String> = Vec::with_capacity(threats.len());
    for threat in threats {
        let threat = threat.trim();
        if !threat.is_empty() && !distinct.iter().any(|known| known.to_lowercase() == threat.to_lowercase()) {
            distinct.push(threat.to_owned());
        }
    }
    distinct
}

/// The newest update by `updatedDateTime`; a null date counts as oldest, and among equal dates the later
/// entry wins (`max_by_key` keeps the last maximum).
fn newest_state(updates: Vec<RawStateUpdate>) -> Option<ControlState> {
    let newest = updates.into_iter().max_by_key(|update| update.updated_date_time)?;
    let raw = newest.state.map(|state| state.trim().to_owned()).unwrap_or_default();
    Some(ControlState {
        state: MsState::from_text(&raw),
        raw,
        comment: trimmed(newest.comment),
        assigned_to: trimmed(newest.assigned_to),
        updated_by: trimmed(newest.updated_by),
        updated_at: newest.updated_date_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ReadErrorKind;

    #[test]
    fn levels_normalise_case_and_medium() {
        assert_eq!(MsLevel::from_text("Low"), MsLevel::Low);
        assert_eq!(MsLevel::from_text("low"), MsLevel::Low);
        assert_eq!(MsLevel::from_text("Medium"), MsLevel::Moderate);
        assert_eq!(MsLevel::from_text("medium"), MsLevel::Moderate);
        assert_eq!(MsLevel::from_text("Moderate"), MsLevel::Moderate);
        assert_eq!(MsLevel::from_text("high"), MsLevel::High);
        assert_eq!(MsLevel::from_text("Unknown"), MsLevel::Unknown);
        assert_eq!(MsLevel::from_text(""), MsLevel::Unknown);
        assert_eq!(MsLevel::from_text("severe"), MsLevel::Unknown);
    }

    #[test]
    fn states_normalise_case_and_separators() {
        assert_eq!(MsState::from_text("Default"), MsState::Default);
        assert_eq!(MsState::from_text("ignored"), MsState::Ignored);
        assert_eq!(MsState::from_text("thirdParty"), MsState::ThirdParty);
        assert_eq!(MsState::from_text("ThirdParty"), MsState::ThirdParty);
        assert_eq!(MsState::from_text("third_party"), MsState::ThirdParty);
        assert_eq!(MsState::from_text("REVIEWED"), MsState::Reviewed);
        assert_eq!(MsState::from_text("AlternateMitigation"), MsState::AlternateMitigation);
        assert_eq!(MsState::from_text("Planned"), MsState::Planned);
        assert_eq!(MsState::from_text("Exempt"), MsState::Other);
        assert_eq!(MsState::from_text(""), MsState::Default);
    }

    #[test]
    fn threats_lose_case_duplicates_and_blanks() {
        let threats = distinct_threats(vec![
            "Account Breach".into(),
            " Account breach".into(),
            "Password Cracking".into(),
            "".into(),
            "password cracking ".into(),
        ]);
        assert_eq!(threats, ["Account Breach", "Password Cracking"]);
    }

    #[test]
    fn a_profile_without_id_names_its_index() {
        let error = parse_profiles_page(br#"{"value": [{"id": "a"}, {"title": "no id"}]}"#).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::BadValue);
        assert_eq!(error.field.as_deref(), Some("value[1].id"));
    }

    #[test]
    fn an_error_body_instead_of_a_page_is_reported_with_graphs_words() {
        let error = parse_profiles_page(br#"{"error": {"code": "Forbidden", "message": "Missing role"}}"#).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::MalformedJson);
        assert!(error.message.contains("Forbidden: Missing role"), "{}", error.message);
    }

    #[test]
    fn no_updates_means_no_state_and_nulls_sort_oldest() {
        let page = parse_profiles_page(
            br#"{"value": [
                {"id": "a", "controlStateUpdates": []},
                {"id": "b"},
                {"id": "c", "controlStateUpdates": [
                    {"state": "Ignored", "updatedDateTime": "2024-02-01T00:00:00Z"},
                    {"state": "Default", "updatedDateTime": null},
                    {"state": "thirdParty", "comment": " Using Trend ", "updatedDateTime": "2024-03-01T00:00:00Z"}
                ]}
            ]}"#,
        )
        .unwrap();
        assert_eq!(page.profiles[0].state, None);
        assert_eq!(page.profiles[1].state, None);
        let state = page.profiles[2].state.as_ref().unwrap();
        assert_eq!(state.state, MsState::ThirdParty);
        assert_eq!(state.raw, "thirdParty");
        assert_eq!(state.comment.as_deref(), Some("Using Trend"));
    }
}
