//! Shared JSON plumbing for the Graph and ARM readers: parsing with a path in every error, and lenient
//! field deserializers for the shapes real payloads use (numbers as strings, `"false"`, nulls).

use chrono::{DateTime, Utc};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::{ReadError, ReadErrorKind};

/// Parses a JSON document; errors name the line, column and field path.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::new(ReadErrorKind::Empty, format!("the {what} is empty")));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if path == "." {
            return malformed(what, &inner);
        }
        let problem = match inner.classify() {
            serde_json::error::Category::Data => "does not have the expected shape",
            _ => "is not valid JSON",
        };
        ReadError::new(ReadErrorKind::MalformedJson, format!("the {what} {problem}: {inner} (at `{path}`)"))
            .at_field(path)
    })?;
    deserializer.end().map_err(|error| malformed(what, &error))?;
    Ok(value)
}

fn malformed(what: &str, error: &serde_json::Error) -> ReadError {
    ReadError::new(ReadErrorKind::MalformedJson, format!("the {what} is not valid JSON: {error}"))
}

/// A required field is absent: the path names it.
pub(crate) fn missing(what: &str, field: String) -> ReadError {
    ReadError::new(ReadErrorKind::BadValue, format!("the {what} has no `{field}`")).at_field(field)
}

fn describe(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 { format!("{}…", text.chars().take(40).collect::<String>()) } else { text }
}

/// A number that may arrive as a JSON number or a string (`"3"`, `"3.0"`); null and `""` are `None`.
pub(crate) fn f64_opt<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => Ok(number.as_f64()),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|value| value.is_finite())
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("`{text}` is not a number"))),
        Some(other) => Err(D::Error::custom(format!("expected a number, found {}", describe(&other)))),
    }
}

/// A whole number as number (`3`, `3.0`) or string (`"3"`); null and `""` are `None`.
pub(crate) fn i64_opt<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let Some(value) = f64_opt(deserializer)? else {
        return Ok(None);
    };
    // The range check makes the cast exact.
    let whole = value.fract() == 0.0 && value.abs() < 9.0e15;
    whole.then_some(value as i64).map(Some).ok_or_else(|| D::Error::custom(format!("`{value}` is not a whole number")))
}

/// A boolean as `true`, `"true"`, `"False"`; null and `""` are `None`. `"false"` is false, not truthy.
pub(crate) fn bool_opt<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(value)) => Ok(Some(value)),
        Some(Value::String(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(D::Error::custom(format!("`{text}` is neither true nor false"))),
        },
        Some(other) => Err(D::Error::custom(format!("expected true or false, found {}", describe(&other)))),
    }
}

/// Text; numbers and booleans are written out rather than refused. Null is `None`.
pub(crate) fn string_opt<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(value @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(value.to_string())),
        Some(other) => Err(D::Error::custom(format!("expected text, found {}", describe(&other)))),
    }
}

/// A list that may be null or absent; null items are dropped.
pub(crate) fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<Option<T>>>::deserialize(deserializer)?.unwrap_or_default().into_iter().flatten().collect())
}

/// An ISO 8601 / RFC 3339 timestamp; null and `""` are `None`. Graph's `0001-01-01T00:00:00Z` "never"
/// sentinel is `None` too.
pub(crate) fn date_time_opt<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = string_opt(deserializer)? else {
        return Ok(None);
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let parsed = DateTime::parse_from_rfc3339(text)
        .map(|value| value.with_timezone(&Utc))
        // Some payloads omit the zone; Graph times are UTC.
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|value| value.and_utc()))
        .map_err(|_| D::Error::custom(format!("`{text}` is not a date-time")))?;
    Ok((chrono::Datelike::year(&parsed) > 1).then_some(parsed))
}

/// Trimmed text, `None` when empty.
pub(crate) fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "f64_opt")]
        number: Option<f64>,
        #[serde(default, deserialize_with = "i64_opt")]
        whole: Option<i64>,
        #[serde(default, deserialize_with = "bool_opt")]
        on: Option<bool>,
        #[serde(default, deserialize_with = "string_opt")]
        text: Option<String>,
        #[serde(default, deserialize_with = "list")]
        items: Vec<String>,
        #[serde(default, deserialize_with = "date_time_opt")]
        at: Option<DateTime<Utc>>,
    }

    fn sample(json: &str) -> Result<Sample, ReadError> {
        parse(json.as_bytes(), "sample")
    }

    #[test]
    fn numbers_as_numbers_or_strings() {
        assert_eq!(sample(r#"{"number": 3}"#).unwrap().number, Some(3.0));
        assert_eq!(sample(r#"{"number": "3.5"}"#).unwrap().number, Some(3.5));
        assert_eq!(sample(r#"{"number": null, "whole": ""}"#).unwrap().number, None);
        assert_eq!(sample(r#"{"whole": "100"}"#).unwrap().whole, Some(100));
        assert_eq!(sample(r#"{"whole": 3.0}"#).unwrap().whole, Some(3));
        assert_eq!(sample(r#"{"whole": 3.5}"#).unwrap_err().field.as_deref(), Some("whole"));
    }

    #[test]
    fn false_as_a_string_is_false() {
        assert_eq!(sample(r#"{"on": "false"}"#).unwrap().on, Some(false));
        assert_eq!(sample(r#"{"on": "True"}"#).unwrap().on, Some(true));
        assert_eq!(sample(r#"{"on": true}"#).unwrap().on, Some(true));
        assert_eq!(sample(r#"{"on": "yes please"}"#).unwrap_err().kind, ReadErrorKind::MalformedJson);
    }

    #[test]
    fn lists_may_be_null_and_hold_nulls() {
        assert!(sample(r#"{"items": null}"#).unwrap().items.is_empty());
        assert_eq!(sample(r#"{"items": ["a", null, "b"]}"#).unwrap().items, ["a", "b"]);
    }

    #[test]
    fn text_accepts_numbers_written_out() {
        assert_eq!(sample(r#"{"text": 12}"#).unwrap().text.as_deref(), Some("12"));
    }

    #[test]
    fn dates_with_and_without_zone_and_the_never_sentinel() {
        assert_eq!(
            sample(r#"{"at": "2021-04-20T05:46:21.9516805Z"}"#).unwrap().at.unwrap().to_rfc3339(),
            "2021-04-20T05:46:21.951680500+00:00"
        );
        assert_eq!(
            sample(r#"{"at": "2026-07-17T00:00:00"}"#).unwrap().at.unwrap().to_rfc3339(),
            "2026-07-17T00:00:00+00:00"
        );
        assert_eq!(sample(r#"{"at": "0001-01-01T00:00:00Z"}"#).unwrap().at, None);
        assert_eq!(sample(r#"{"at": "soon"}"#).unwrap_err().field.as_deref(), Some("at"));
    }

    #[test]
    fn syntax_errors_say_line_and_column() {
        let error = sample("{\n  \"number\": 3,\n}").unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::MalformedJson);
        assert!(error.message.contains("line 3 column 1"), "{}", error.message);
    }

    #[test]
    fn trailing_garbage_and_empty_bodies_are_refused() {
        assert_eq!(sample("{} x").unwrap_err().kind, ReadErrorKind::MalformedJson);
        assert_eq!(sample("  ").unwrap_err().kind, ReadErrorKind::Empty);
        assert!(sample("\u{FEFF}{}").is_ok());
    }
}
