//! Azure Resource Manager, Microsoft Defender for Cloud (formats.md §3): subscription secure scores and
//! their score controls. A different product and scale from Microsoft 365 Secure Score: percentages are
//! ratios 0..1 and control maxima 0..10.

use serde::Deserialize;

use crate::error::{ReadError, ReadErrorKind};
use crate::json::{self, f64_opt, i64_opt, string_opt, trimmed};

/// One ARM list page. ARM pages with `nextLink` (not `@odata.nextLink`).
#[derive(Debug, Clone, PartialEq)]
pub struct ArmPage<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// `nextLink`: request this URL unchanged for the next page.
    pub next_link: Option<String>,
}

/// `Microsoft.Security/secureScores`: one initiative's score for a subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionScore {
    /// `name` (the initiative; `ascScore` by default).
    pub name: String,
    /// `properties.displayName` ("ASC score").
    pub display_name: Option<String>,
    /// `properties.score.current`.
    pub current: f64,
    /// `properties.score.max`.
    pub max: f64,
    /// `properties.score.percentage`: a ratio 0..1 as given (0.6033 means 60.33 %).
    pub percentage: f64,
    /// `properties.weight`.
    pub weight: Option<i64>,
}

/// `Microsoft.Security/secureScores/secureScoreControls`: one security control's score.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlScoreArm {
    /// `name`: the control GUID.
    pub name: String,
    /// `properties.displayName` ("Enable MFA").
    pub display_name: String,
    /// `properties.score.current`.
    pub current: f64,
    /// `properties.score.max` (0..10).
    pub max: f64,
    /// `properties.score.percentage`: a ratio 0..1 as given.
    pub percentage: f64,
    /// `properties.healthyResourceCount`.
    pub healthy: i64,
    /// `properties.unhealthyResourceCount`.
    pub unhealthy: i64,
    /// `properties.notApplicableResourceCount` (exempted resources end up here).
    pub not_applicable: i64,
    /// `properties.weight`.
    pub weight: Option<i64>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
struct RawPage<T> {
    #[serde(default)]
    value: Option<Vec<Option<T>>>,
    #[serde(rename = "nextLink", default, deserialize_with = "string_opt")]
    next_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "P: Deserialize<'de>"))]
struct RawItem<P> {
    #[serde(default, deserialize_with = "string_opt")]
    name: Option<String>,
    #[serde(default)]
    properties: Option<P>,
}

#[derive(Deserialize, Default)]
struct RawScore {
    #[serde(default, deserialize_with = "f64_opt")]
    max: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    current: Option<f64>,
    #[serde(default, deserialize_with = "f64_opt")]
    percentage: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSecureScore {
    #[serde(default, deserialize_with = "string_opt")]
    display_name: Option<String>,
    #[serde(default)]
    score: Option<RawScore>,
    #[serde(default, deserialize_with = "i64_opt")]
    weight: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawControl {
    #[serde(default, deserialize_with = "string_opt")]
    display_name: Option<String>,
    #[serde(default)]
    score: Option<RawScore>,
    #[serde(default, deserialize_with = "i64_opt")]
    healthy_resource_count: Option<i64>,
    #[serde(default, deserialize_with = "i64_opt")]
    unhealthy_resource_count: Option<i64>,
    #[serde(default, deserialize_with = "i64_opt")]
    not_applicable_resource_count: Option<i64>,
    #[serde(default, deserialize_with = "i64_opt")]
    weight: Option<i64>,
}

/// Parses `GET /subscriptions/{id}/providers/Microsoft.Security/secureScores`.
pub fn parse_secure_scores(bytes: &[u8]) -> Result<ArmPage<SubscriptionScore>, ReadError> {
    const WHAT: &str = "secure scores page";
    parse_page(bytes, WHAT, |index, name, properties: RawSecureScore| {
        let at = |field: &str| format!("value[{index}].properties.{field}");
        let score = properties.score.unwrap_or_default();
        Ok(SubscriptionScore {
            name,
            display_name: trimmed(properties.display_name),
            current: score.current.ok_or_else(|| json::missing(WHAT, at("score.current")))?,
            max: score.max.ok_or_else(|| json::missing(WHAT, at("score.max")))?,
            percentage: score.percentage.ok_or_else(|| json::missing(WHAT, at("score.percentage")))?,
            weight: properties.weight,
        })
    })
}

/// Parses `GET …/secureScores/{name}/secureScoreControls` (also the subscription-wide list).
pub fn parse_score_controls(bytes: &[u8]) -> Result<ArmPage<ControlScoreArm>, ReadError> {
    const WHAT: &str = "secure score controls page";
    parse_page(bytes, WHAT, |index, name, properties: RawControl| {
        let at = |field: &str| format!("value[{index}].properties.{field}");
        let score = properties.score.unwrap_or_default();
        Ok(ControlScoreArm {
            name,
            display_name: trimmed(properties.display_name).ok_or_else(|| json::missing(WHAT, at("displayName")))?,
            current: score.current.ok_or_else(|| json::missing(WHAT, at("score.current")))?,
            max: score.max.ok_or_else(|| json::missing(WHAT, at("score.max")))?,
            percentage: score.percentage.ok_or_else(|| json::missing(WHAT, at("score.percentage")))?,
            healthy: properties
                .healthy_resource_count
                .ok_or_else(|| json::missing(WHAT, at("healthyResourceCount")))?,
            unhealthy: properties
                .unhealthy_resource_count
                .ok_or_else(|| json::missing(WHAT, at("unhealthyResourceCount")))?,
            not_applicable: properties
                .not_applicable_resource_count
                .ok_or_else(|| json::missing(WHAT, at("notApplicableResourceCount")))?,
            weight: properties.weight,
        })
    })
}

fn parse_page<P, T>(
    bytes: &[u8],
    what: &str,
    convert: impl Fn(usize, String, P) -> Result<T, ReadError>,
) -> Result<ArmPage<T>, ReadError>
where
    P: serde::de::DeserializeOwned,
{
    let page: RawPage<RawItem<P>> = json::parse(bytes, what)?;
    let Some(value) = page.value else {
        let message = match crate::graph::parse_error(bytes) {
            Some(error) => format!(
                "the {what} is an error answer instead of data: {}: {}",
                error.code.as_deref().unwrap_or("no code"),
                error.message.as_deref().unwrap_or("no message")
            ),
            None => format!("the {what} has no `value` list"),
        };
        return Err(ReadError::new(ReadErrorKind::MalformedJson, message).at_field("value"));
    };
    let items = value
        .into_iter()
        .enumerate()
        .filter_map(|(index, item)| item.map(|item| (index, item)))
        .map(|(index, item)| {
            let name = trimmed(item.name).ok_or_else(|| json::missing(what, format!("value[{index}].name")))?;
            let properties =
                item.properties.ok_or_else(|| json::missing(what, format!("value[{index}].properties")))?;
            convert(index, name, properties)
        })
        .collect::<Result<_, _>>()?;
    Ok(ArmPage { items, next_link: trimmed(page.next_link) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_score_fields_are_named() {
        let error =
            parse_secure_scores(br#"{"value":[{"name":"ascScore","properties":{"score":{"max":39}}}]}"#).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::BadValue);
        assert_eq!(error.field.as_deref(), Some("value[0].properties.score.current"));
    }

    #[test]
    fn an_item_without_name_is_refused() {
        let error = parse_score_controls(br#"{"value":[{"properties":{}}]}"#).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("value[0].name"));
    }

    #[test]
    fn an_arm_error_body_is_reported() {
        let error =
            parse_secure_scores(br#"{"error":{"code":"AuthorizationFailed","message":"no access"}}"#).unwrap_err();
        assert!(error.message.contains("AuthorizationFailed: no access"), "{}", error.message);
    }

    #[test]
    fn an_empty_list_without_next_link_is_the_last_page() {
        let page = parse_score_controls(br#"{"value":[]}"#).unwrap();
        assert!(page.items.is_empty());
        assert_eq!(page.next_link, None);
    }
}
