//! Extractor rejections (a JSON body, a query string or a path that does not parse) as problem+json.

use actix_web::HttpRequest;

use super::ApiError;
use crate::domain::ValidationError;

/// Maps JSON body errors: syntax → 400, wrong shape → 422 naming the field, too large → 413, wrong type → 415.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api = match &err {
        E::OverflowKnownLength { limit, .. } | E::Overflow { limit } => ApiError::PayloadTooLarge(*limit),
        E::ContentType => ApiError::UnsupportedMediaType("Send the body as `application/json`.".into()),
        E::Deserialize(e) if e.is_data() => {
            let field = field_of(&e.to_string()).unwrap_or_else(|| "body".into());
            ApiError::Invalid(ValidationError::field(field, strip_position(&e.to_string())))
        }
        E::Deserialize(e) => ApiError::Malformed(format!("The body is not valid JSON: {e}.")),
        other => ApiError::Malformed(format!("The body could not be read: {other}.")),
    };
    api.into()
}

/// Maps query-string errors to 422 naming the parameter.
pub fn query_error(err: actix_web::error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let text = err.to_string();
    let field = field_of(&text).unwrap_or_else(|| "query".into());
    ApiError::Invalid(ValidationError::field(field, text)).into()
}

/// A path segment that does not parse (a malformed id) names nothing that exists: 404.
pub fn path_error(_err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound("resource").into()
}

/// serde names the field in backticks: "missing field `name`", "unknown variant `x`, expected …".
fn field_of(message: &str) -> Option<String> {
    if message.starts_with("missing field")
        || message.starts_with("unknown field")
        || message.starts_with("duplicate field")
    {
        let start = message.find('`')? + 1;
        let end = start + message[start..].find('`')?;
        return Some(message[start..end].to_owned());
    }
    None
}

fn strip_position(message: &str) -> String {
    message.split(" at line ").next().unwrap_or(message).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_the_field() {
        assert_eq!(field_of("missing field `name` at line 1 column 2").as_deref(), Some("name"));
        assert_eq!(field_of("invalid type: string"), None);
        assert_eq!(strip_position("missing field `name` at line 1 column 2"), "missing field `name`");
    }
}
