//! Single-use download tokens: a browser cannot put an `Authorization` header on a plain link, and a bearer token
//! must never sit in a URL (logs, history, referrers). The UI asks for a token bound to one download path; the
//! token is good once, for 60 seconds, and stands for the caller's own credential, which is checked again when the
//! download is served. Tokens are kept in the database (`store::download_tokens`), so any instance behind a load
//! balancer redeems a token another issued; only their SHA-256 is stored, and the credential sealed.

use super::service_token;
use crate::secrets::DataKey;
use crate::store::{StoreError, download_tokens};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use sea_orm::DatabaseConnection;

/// How long a token is good for.
pub const LIFETIME: TimeDelta = TimeDelta::seconds(60);

/// The query parameter a download URL carries its token in.
pub const PARAMETER: &str = "download_token";

/// What the downloads the UI offers end with; nothing else may be fetched with a token.
const DOWNLOADS: [&str; 5] =
    ["/exports/auditor.xlsx", "/exports/triage.xlsx", "/exports/evidence-pack.zip", "/risk-register.csv", "/content"];

/// Whether `path` is a download a token may be issued for (the printable board report included).
pub fn is_download(path: &str) -> bool {
    let board = path.contains("/reports/board/") && path.ends_with(".html");
    path.starts_with("/api/v1/tenants/")
        && !path.contains("..")
        && !path.contains('?')
        && (board || DOWNLOADS.iter().any(|suffix| path.ends_with(suffix)))
}

/// Whether a redeemed token may be used for `path` at `now`: the path it was issued for, before it expired.
pub fn admits(issued_for: &str, expires_at: DateTime<Utc>, path: &str, now: DateTime<Utc>) -> bool {
    issued_for == path && expires_at > now
}

/// A new token for `path`, standing for `bearer` until `now` + [`LIFETIME`]: 32 random bytes, URL-safe.
pub async fn issue(
    db: &DatabaseConnection,
    key: &DataKey,
    bearer: &str,
    path: &str,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), StoreError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = now + LIFETIME;
    download_tokens::issue(db, key, &service_token::digest(&token), path, bearer, expires_at, now).await?;
    Ok((token, expires_at))
}

/// The credential behind `token` when it was issued for `path` and has not expired; the token is used up
/// whatever the outcome, so a guess or a replay gets one try.
pub async fn redeem(
    db: &DatabaseConnection,
    key: &DataKey,
    token: &str,
    path: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let Some(issued) = download_tokens::take(db, key, &service_token::digest(token)).await? else { return Ok(None) };
    Ok(admits(&issued.path, issued.expires_at, path, now).then_some(issued.bearer))
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
    fn a_token_admits_only_its_path_and_only_before_it_expires() {
        let expires_at = now() + LIFETIME;
        assert!(admits(PATH, expires_at, PATH, now()));
        assert!(admits(PATH, expires_at, PATH, expires_at - TimeDelta::seconds(1)));
        assert!(!admits(PATH, expires_at, PATH, expires_at), "not at its expiry");
        assert!(!admits(PATH, expires_at, "/api/v1/tenants/t1/exports/triage.xlsx", now()));
        assert!(!admits(PATH, expires_at, "/api/v1/tenants/t2/exports/auditor.xlsx", now()));
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
