//! `GET /security/secureScores`: one entry per day, with the per-control scores of that day.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::RawPage;
use crate::error::ReadError;
use crate::json::{self, bool_opt, date_time_opt, f64_opt, i64_opt, list, string_opt, trimmed};

/// One page of daily scores, newest first. `$top=1` gives today; its `next_link` leads into history.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoresPage {
    /// The days on this page.
    pub days: Vec<ScoreDay>,
    /// `@odata.nextLink`.
    pub next_link: Option<String>,
}

/// The tenant's score on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreDay {
    /// `createdDateTime` (midnight UTC in real data).
    pub created: DateTime<Utc>,
    /// `currentScore`.
    pub current_score: f64,
    /// `maxScore`.
    pub max_score: f64,
    /// `activeUserCount`.
    pub active_user_count: Option<i64>,
    /// `licensedUserCount` (0 even on licensed tenants in real data: do not rely on it).
    pub licensed_user_count: Option<i64>,
    /// `enabledServices` (`HasAADP1`, `HasMDOP2`, …): an open set.
    pub enabled_services: Vec<String>,
    /// `averageComparativeScores`.
    pub averages: Vec<ComparativeAverage>,
    /// `controlScores`: one entry per scored control.
    pub controls: Vec<ControlScore>,
}

/// One `averageComparativeScores` entry: how similar tenants score.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparativeAverage {
    /// `basis`: AllTenants, TotalSeats, IndustryTypes.
    pub basis: String,
    /// `averageScore` (looks like a percentage; scale unconfirmed).
    pub average_score: Option<f64>,
    /// Per category present in the entry, in the order Identity, Data, Device, Apps, Infrastructure:
    /// (category, `…Score`, `…ScoreMax`).
    pub per_category: Vec<(String, Option<f64>, Option<f64>)>,
    /// `SeatSizeRangeLowerValue`/`UpperValue` (strings in real data), for `TotalSeats`.
    pub seat_range: Option<(i64, i64)>,
}

/// One `controlScores` entry. Join to profiles by `name == ControlProfile::id`.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlScore {
    /// `controlName`.
    pub name: String,
    /// `controlCategory`.
    pub category: Option<String>,
    /// `score`: points achieved.
    pub score: Option<f64>,
    /// `scoreInPercentage` (undocumented): 100 means completed.
    pub score_in_percentage: Option<f64>,
    /// `description`: may be null or HTML.
    pub description: Option<String>,
    /// `implementationStatus` (undocumented): a sentence, maybe HTML.
    pub implementation_status: Option<String>,
    /// `lastSynced` (undocumented).
    pub last_synced: Option<DateTime<Utc>>,
    /// `count` (undocumented, a string in real data).
    pub count: Option<f64>,
    /// `total` (undocumented, a string in real data).
    pub total: Option<f64>,
    /// `on` (undocumented, `"true"`/`"false"` strings in real data).
    pub on: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDay {
    #[serde(default, deserialize_with = "date_time_opt")]
    created_date_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "f64_opt")]
    current_score: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    max_score: Option<f64>,
    #[serde(default, deserialize_with = "i64_opt")]
    active_user_count: Option<i64>,
    #[serde(default, deserialize_with = "i64_opt")]
    licensed_user_count: Option<i64>,
    #[serde(default, deserialize_with = "list")]
    enabled_services: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    average_comparative_scores: Vec<RawAverage>,
    #[serde(default)]
    control_scores: Option<Vec<Option<RawControlScore>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAverage {
    #[serde(default, deserialize_with = "string_opt")]
    basis: Option<String>,
    #[serde(default, deserialize_with = "f64_opt")]
    average_score: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    identity_score: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    identity_score_max: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    data_score: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    data_score_max: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    device_score: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    device_score_max: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    apps_score: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    apps_score_max: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    infrastructure_score: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    infrastructure_score_max: Option<f64>,
    // Real payloads write these two in PascalCase; accept the camelCase a fix would bring too.
    #[serde(
        rename = "SeatSizeRangeLowerValue",
        alias = "seatSizeRangeLowerValue",
        default,
        deserialize_with = "i64_opt"
    )]
    seat_size_range_lower_value: Option<i64>,
    #[serde(
        rename = "SeatSizeRangeUpperValue",
        alias = "seatSizeRangeUpperValue",
        default,
        deserialize_with = "i64_opt"
    )]
    seat_size_range_upper_value: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawControlScore {
    #[serde(default, deserialize_with = "string_opt")]
    control_name: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    control_category: Option<String>,
    #[serde(default, deserialize_with = "f64_opt")]
    score: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    score_in_percentage: Option<f64>,
    #[serde(default, deserialize_with = "string_opt")]
    description: Option<String>,
    #[serde(default, deserialize_with = "string_opt")]
    implementation_status: Option<String>,
    #[serde(default, deserialize_with = "date_time_opt")]
    last_synced: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "f64_opt")]
    count: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    total: Option<f64>,
    #[serde(default, deserialize_with = "bool_opt")]
    on: Option<bool>,
}

const WHAT: &str = "secure scores page";

/// Parses one page of `GET /security/secureScores`.
///
/// A day without `createdDateTime`, `currentScore` or `maxScore`, or a control score without
/// `controlName`, is [`crate::ReadErrorKind::BadValue`] naming the field (`value[0].controlScores[3].controlName`).
pub fn parse_scores_page(bytes: &[u8]) -> Result<ScoresPage, ReadError> {
    let (items, next_link) = RawPage::<RawDay>::parse(bytes, WHAT)?;
    let days = items.into_iter().map(|(index, raw)| day(index, raw)).collect::<Result<_, _>>()?;
    Ok(ScoresPage { days, next_link })
}

fn day(index: usize, raw: RawDay) -> Result<ScoreDay, ReadError> {
    let required = |field: &str| json::missing(WHAT, format!("value[{index}].{field}"));
    let controls = raw
        .control_scores
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(position, control)| control.map(|control| (position, control)))
        .map(|(position, control)| {
            let name = trimmed(control.control_name)
                .ok_or_else(|| required(&format!("controlScores[{position}].controlName")))?;
            Ok(ControlScore {
                name,
                category: trimmed(control.control_category),
                score: control.score,
                score_in_percentage: control.score_in_percentage,
                description: control.description.filter(|text| !text.trim().is_empty()),
                implementation_status: control.implementation_status.filter(|text| !text.trim().is_empty()),
                last_synced: control.last_synced,
                count: control.count,
                total: control.total,
                on: control.on,
            })
        })
        .collect::<Result<_, ReadError>>()?;
    Ok(ScoreDay {
        created: raw.created_date_time.ok_or_else(|| required("createdDateTime"))?,
        current_score: raw.current_score.ok_or_else(|| required("currentScore"))?,
        max_score: raw.max_score.ok_or_else(|| required("maxScore"))?,
        active_user_count: raw.active_user_count,
        licensed_user_count: raw.licensed_user_count,
        enabled_services: raw.enabled_services.into_iter().filter_map(|service| trimmed(Some(service))).collect(),
        averages: raw.average_comparative_scores.into_iter().map(average).collect(),
        controls,
    })
}

fn average(raw: RawAverage) -> ComparativeAverage {
    let categories = [
        ("Identity", raw.identity_score, raw.identity_score_max),
        ("Data", raw.data_score, raw.data_score_max),
        ("Device", raw.device_score, raw.device_score_max),
        ("Apps", raw.apps_score, raw.apps_score_max),
        ("Infrastructure", raw.infrastructure_score, raw.infrastructure_score_max),
    ];
    ComparativeAverage {
        basis: trimmed(raw.basis).unwrap_or_default(),
        average_score: raw.average_score,
        per_category: categories
            .into_iter()
            .filter(|(_, score, max)| score.is_some() || max.is_some())
            .map(|(category, score, max)| (category.to_owned(), score, max))
            .collect(),
        seat_range: raw.seat_size_range_lower_value.zip(raw.seat_size_range_upper_value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ReadErrorKind;

    #[test]
    fn a_day_without_its_date_names_the_field() {
        let error = parse_scores_page(br#"{"value": [{"currentScore": 1, "maxScore": 2}]}"#).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::BadValue);
        assert_eq!(error.field.as_deref(), Some("value[0].createdDateTime"));
    }

    #[test]
    fn a_control_score_without_name_names_its_position() {
        let error = parse_scores_page(
            br#"{"value": [{"createdDateTime": "2026-07-17T00:00:00Z", "currentScore": 1, "maxScore": 2,
                "controlScores": [{"controlName": "A"}, {"score": 1}]}]}"#,
        )
        .unwrap_err();
        assert_eq!(error.field.as_deref(), Some("value[0].controlScores[1].controlName"));
    }

    #[test]
    fn docs_style_day_with_integer_scores_and_no_extras() {
        let page = parse_scores_page(
            br#"{"value": [{"createdDateTime": "2019-03-19T15:21:00Z", "currentScore": 387, "maxScore": 697,
                "averageComparativeScores": [{"basis": "AllTenants", "averageScore": 37.0}],
                "controlScores": [{"controlCategory": "Identity", "controlName": "AdminMFA", "score": 35.0, "description": null}]}]}"#,
        )
        .unwrap();
        let day = &page.days[0];
        assert_eq!(day.current_score, 387.0);
        assert_eq!(day.averages[0].per_category, []);
        assert_eq!(day.averages[0].seat_range, None);
        assert_eq!(day.controls[0].description, None);
        assert_eq!(page.next_link, None);
    }
}
