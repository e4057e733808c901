//! The token endpoint's answer and the error bodies of Graph, ARM and the token endpoint.

use serde::Deserialize;
use serde_json::Value;

use crate::error::{ReadError, ReadErrorKind};
use crate::json::{self, string_opt, trimmed};

/// A client-credentials access token (`POST /{tenant}/oauth2/v2.0/token`).
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The bearer token. Not shown by `Debug`.
    pub access_token: String,
    /// Lifetime in seconds from when the answer was received.
    pub expires_in: u64,
}

impl std::fmt::Debug for AccessToken {
    // A token in a log line is a credential in a log line.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("AccessToken")
            .field("access_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// An error answer: Graph/ARM `{"error": {"code", "message"}}` or the token endpoint's
/// `{"error", "error_description"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    /// `error.code`, or the token endpoint's `error` (`invalid_client`, …).
    pub code: Option<String>,
    /// `error.message`, or the token endpoint's `error_description`.
    pub message: Option<String>,
}

#[derive(Deserialize)]
struct RawToken {
    #[serde(default, deserialize_with = "string_opt")]
    access_token: Option<String>,
    #[serde(default, deserialize_with = "json::i64_opt")]
    expires_in: Option<i64>,
}

const WHAT: &str = "token answer";

/// Parses the token endpoint's success answer; `expires_in` may be a number or a string.
pub fn parse_token(bytes: &[u8]) -> Result<AccessToken, ReadError> {
    let raw: RawToken = json::parse(bytes, WHAT)?;
    let Some(access_token) = trimmed(raw.access_token) else {
        let message = match parse_error(bytes) {
            Some(error) => format!(
                "the token endpoint refused: {}: {}",
                error.code.as_deref().unwrap_or("no code"),
                error.message.as_deref().unwrap_or("no description")
            ),
            None => format!("the {WHAT} has no `access_token`"),
        };
        return Err(ReadError::new(ReadErrorKind::BadValue, message).at_field("access_token"));
    };
    let expires_in = raw.expires_in.ok_or_else(|| json::missing(WHAT, "expires_in".to_owned()))?;
    let expires_in = u64::try_from(expires_in).map_err(|_| {
        ReadError::new(ReadErrorKind::BadValue, format!("the {WHAT} has a negative `expires_in` ({expires_in})"))
            .at_field("expires_in")
    })?;
    Ok(AccessToken { access_token, expires_in })
}

/// Reads an error body; `None` when the bytes are not JSON or hold no error.
pub fn parse_error(bytes: &[u8]) -> Option<GraphError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let body: Value = serde_json::from_slice(bytes).ok()?;
    let text = |value: Option<&Value>| trimmed(value.and_then(Value::as_str).map(str::to_owned));
    let error = match body.get("error")? {
        Value::Object(inner) => GraphError { code: text(inner.get("code")), message: text(inner.get("message")) },
        code @ Value::String(_) => GraphError { code: text(Some(code)), message: text(body.get("error_description")) },
        _ => return None,
    };
    (error.code.is_some() || error.message.is_some()).then_some(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_with_numeric_or_string_lifetime() {
        let token = parse_token(br#"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0eX"}"#).unwrap();
        assert_eq!(token, AccessToken { access_token: "eyJ0eX".into(), expires_in: 3599 });
        assert_eq!(parse_token(br#"{"expires_in":"3599","access_token":"x"}"#).unwrap().expires_in, 3599);
    }

    #[test]
    fn debug_does_not_print_the_token() {
        let token = AccessToken { access_token: "secret-value".into(), expires_in: 1 };
        assert!(!format!("{token:?}").contains("secret-value"));
    }

    #[test]
    fn a_refusal_from_the_token_endpoint_is_explained() {
        let error = parse_token(br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret.","error_codes":[7000215]}"#)
            .unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::BadValue);
        assert!(error.message.contains("invalid_client: AADSTS7000215"), "{}", error.message);
    }

    #[test]
    fn a_token_without_lifetime_or_with_a_negative_one_is_refused() {
        assert_eq!(parse_token(br#"{"access_token":"x"}"#).unwrap_err().field.as_deref(), Some("expires_in"));
        assert_eq!(parse_token(br#"{"access_token":"x","expires_in":-5}"#).unwrap_err().kind, ReadErrorKind::BadValue);
    }

    #[test]
    fn graph_and_token_error_shapes() {
        assert_eq!(
            parse_error(br#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges.","innerError":{}}}"#),
            Some(GraphError {
                code: Some("Authorization_RequestDenied".into()),
                message: Some("Insufficient privileges.".into())
            })
        );
        assert_eq!(
            parse_error(br#"{"error":"invalid_scope","error_description":"bad scope"}"#),
            Some(GraphError { code: Some("invalid_scope".into()), message: Some("bad scope".into()) })
        );
    }

    #[test]
    fn non_errors_are_none() {
        assert_eq!(parse_error(b"<html>502</html>"), None);
        assert_eq!(parse_error(br#"{"value":[]}"#), None);
        assert_eq!(parse_error(br#"{"error":{}}"#), None);
        assert_eq!(parse_error(br#"{"error":42}"#), None);
    }
}
