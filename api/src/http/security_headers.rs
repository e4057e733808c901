//! The headers every response carries, and CORS, which is off unless an allow-list of origins is configured.
//!
//! A response that sets its own policy keeps it (the web UI, the printable board report, evidence downloads);
//! everything else gets the strictest one that still lets it work: API answers are data, never a page, and the
//! API docs page loads only its own scripts.

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// For answers that are data (the API, errors, health): nothing may load, nothing may frame it.
pub const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// For the API docs page (Swagger UI, vendored): its own scripts, styles and the spec, no inline script. Swagger
/// UI sets element styles from script and draws its icons as data: images.
pub const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'none'";

/// Adds the security headers a response does not set itself.
pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let docs = req.path().starts_with("/docs/");
    let mut res = next.call(req).await?;
    let policy = if docs { DOCS_POLICY } else { API_POLICY };
    let headers = res.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, policy),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    Ok(res)
}

/// CORS for the configured origins; with none configured, no CORS headers are sent and browsers keep other
/// origins out (the same-origin policy).
pub fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH, header::ACCEPT])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("x-content-sha256"),
        ])
        .max_age(3600)
}

/// Checks a CORS origin as browsers send it: `http(s)://host[:port]`, nothing after.
pub fn check_origin(origin: &str) -> Result<String, String> {
    let parsed = url::Url::parse(origin).map_err(|e| format!("{origin}: {e}"))?;
    let bare = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some()
        && parsed.path() == "/"
        && parsed.query().is_none()
        && parsed.fragment().is_none()
        && parsed.username().is_empty()
        && !origin.ends_with('/');
    if !bare {
        return Err(format!("{origin}: an origin is http(s)://host[:port] with nothing after"));
    }
    Ok(parsed.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(check_origin("https://grc.example.com").as_deref(), Ok("https://grc.example.com"));
        assert_eq!(check_origin("http://localhost:5173").as_deref(), Ok("http://localhost:5173"));
        assert_eq!(check_origin("HTTPS://GRC.example.com:443").as_deref(), Ok("https://grc.example.com"));
        for bad in [
            "*",
            "null",
            "grc.example.com",
            "https://grc.example.com/",
            "https://grc.example.com/app",
            "ftp://grc.example.com",
            "https://grc.example.com?x=1",
            "https://user@grc.example.com",
        ] {
            assert!(check_origin(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn the_api_policy_forbids_framing_and_every_source() {
        assert!(API_POLICY.starts_with("default-src 'none'"));
        assert!(API_POLICY.contains("frame-ancestors 'none'"));
        assert!(!DOCS_POLICY.contains("script-src 'self' 'unsafe-inline'"));
    }
}
