//! Single-use download tokens: a browser cannot put an `Authorization` header on a plain link, and a bearer token
//! must never sit in a URL (logs, history, referrers). The UI asks for a token bound to one download path; the
//! token is good once, for 60 seconds, and stands for the caller's own credential, which is checked again when the
//! download is served. Tokens live in this process's memory and are stored only as their SHA-256.

use super::service_token;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a token is good for.
pub const LIFETIME: TimeDelta = TimeDelta::seconds(60);

/// The query parameter a download URL carries its token in.
pub const PARAMETER: &str = "download_token";

/// What the downloads the UI offers end with; nothing else may be fetched with a token.
const DOWNLOADS: [&str; 5] =
    ["/exports/auditor.xlsx", "/exports/triage.xlsx", "/exports/evidence-pack.zip", "/risk-register.csv", "/content"];

#[derive(Debug)]
struct Issued {
    bearer: String,
    path: String,
    expires_at: DateTime<Utc>,
}

/// The tokens issued and not yet used or expired.
#[derive(Debug, Default)]
pub struct DownloadTokens {
    issued: Mutex<HashMap<String, Issued>>,
}

/// Whether `path` is a download a token may be issued for (the printable board report included).
pub fn is_download(path: &str) -> bool {
    let board = path.contains("/reports/board/") && path.ends_with(".html");
    path.starts_with("/api/v1/tenants/")
        && !path.contains("..")
        && !path.contains('?')
        && (board || DOWNLOADS.iter().any(|suffix| path.ends_with(suffix)))
}

impl DownloadTokens {
    /// A new token for `path`, standing for `bearer` until `now` + [`LIFETIME`].
    pub fn issue(&self, bearer: &str, path: &str, now: DateTime<Utc>) -> (String, DateTime<Utc>) {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let expires_at = now + LIFETIME;
        if let Ok(mut issued) = self.issued.lock() {
            issued.retain(|_, t| t.expires_at > now);
            issued.insert(
                service_token::digest(&token),
                Issued { bearer: bearer.to_owned(), path: path.to_owned(), expires_at },
            );
        }
        (token, expires_at)
    }

    /// The credential behind `token` when it was issued for `path` and has not expired; the token is used up
    /// whatever the outcome, so a guess or a replay gets one try.
    pub fn redeem(&self, token: &str, path: &str, now: DateTime<Utc>) -> Option<String> {
        let issued = self.issued.lock().ok()?.remove(&service_token::digest(token))?;
        (issued.path == path && issued.expires_at > now).then_some(issued.bearer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const PATH: &str = "/api/v1/tenants/t1/exports/auditor.xlsx";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn a_token_is_good_once_for_its_path_within_a_minute() {
        let tokens = DownloadTokens::default();
        let (token, expires_at) = tokens.issue("jwt", PATH, now());
        assert_eq!(expires_at, now() + LIFETIME);
        assert_eq!(tokens.redeem(&token, PATH, now()).as_deref(), Some("jwt"));
        assert_eq!(tokens.redeem(&token, PATH, now()), None, "used up");
        let (other, _) = tokens.issue("jwt", PATH, now());
        assert_eq!(tokens.redeem(&other, "/api/v1/tenants/t1/exports/triage.xlsx", now()), None);
        assert_eq!(tokens.redeem(&other, PATH, now()), None, "a wrong path uses it up");
        let (late, _) = tokens.issue("jwt", PATH, now());
        assert_eq!(tokens.redeem(&late, PATH, now() + LIFETIME), None);
    }

    #[test]
    fn only_downloads_get_tokens() {
        assert!(is_download(PATH));
        assert!(is_download("/api/v1/tenants/t1/evidence/e1/content"));
        assert!(is_download("/api/v1/tenants/t1/reports/board/2026-Q4.html"));
        assert!(!is_download("/api/v1/tenants/t1/recommendations"));
        assert!(!is_download("/api/v1/users"));
        assert!(!is_download("/api/v1/tenants/t1/../../users/exports/auditor.xlsx"));
    }
}
