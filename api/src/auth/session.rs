//! Session tokens: HS256 JWTs with `sub`, `role`, `exp`, `iat`, `iss`, `aud` and the user's session epoch.
//! Only HS256 is accepted; `alg: none`, other algorithms, bad signatures, a wrong `aud`/`iss` and expired tokens
//! are refused. Expiry is checked against the injected clock, not the wall clock.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::AuthError;
use crate::domain::role::Role;

/// The `iss` of every session token.
pub const ISSUER: &str = "scoregrc";
/// The `aud` of every session token.
pub const AUDIENCE: &str = "scoregrc-api";

/// The claims of a session token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The role at sign-in; informative only, the database's role decides.
    pub role: Role,
    pub exp: i64,
    pub iat: i64,
    pub iss: String,
    pub aud: String,
    /// The user's session epoch at sign-in; a password change or disabling bumps it and ends the session.
    pub sep: i64,
}

/// Signs and checks session tokens with one HS256 key.
#[derive(Clone)]
pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(…)")
    }
}

impl SessionKeys {
    /// Keys from the stored signing secret.
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // Expiry is checked against the service's clock below.
        validation.validate_exp = false;
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation }
    }

    /// A signed token for `user_id`.
    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        session_epoch: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<String, AuthError> {
        let claims = Claims {
            sub: user_id.to_owned(),
            role,
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sep: session_epoch,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::BadToken(e.to_string()))
    }

    /// The claims of a valid, unexpired token.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, AuthError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| AuthError::BadToken(e.to_string()))?;
        if data.claims.exp <= now.timestamp() {
            return Err(AuthError::Expired);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().unwrap_or_default()
    }

    fn keys() -> SessionKeys {
        SessionKeys::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn an_issued_token_verifies_until_it_expires() {
        let token = keys().issue("u1", Role::Engineer, 3, now(), now() + Duration::hours(1)).unwrap_or_default();
        let claims = keys().verify(&token, now()).ok();
        assert_eq!(claims.as_ref().map(|c| (c.sub.as_str(), c.sep)), Some(("u1", 3)));
        assert!(matches!(keys().verify(&token, now() + Duration::hours(1)), Err(AuthError::Expired)));
    }

    #[test]
    fn another_key_does_not_verify() {
        let token = keys().issue("u1", Role::Admin, 0, now(), now() + Duration::hours(1)).unwrap_or_default();
        let other = SessionKeys::new(b"another key entirely, 32 bytes!!");
        assert!(matches!(other.verify(&token, now()), Err(AuthError::BadToken(_))));
    }

    #[test]
    fn alg_none_is_refused() {
        let token = keys().issue("u1", Role::Admin, 0, now(), now() + Duration::hours(1)).unwrap_or_default();
        let payload = token.split('.').nth(1).unwrap_or_default();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys().verify(&format!("{header}.{payload}."), now()).is_err());
    }
}
