//! Session tokens: HS256 JWTs with `sub`, `role`, `exp`, `iat`, `iss`, `aud` and the user's session epoch.
//! Only HS256 is accepted; `alg: none`, other algorithms, bad signatures, a wrong `aud`/`iss` and expired tokens
//! are refused. Expiry is checked against the injected clock, not the wall clock.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::AuthError;
use crate::domain::role::Role;
use crate::secrets::key_id;

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
    /// How the person signed in (absent in tokens from before single sign-on: a password).
    #[serde(default)]
    pub via: SignInMethod,
}

/// How a session was signed in: the sign-in policy's second-factor rule is about passwords here, while the
/// single sign-on provider enforces its own (Entra's Conditional Access, say).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// A local account's password (and second factor, where it has one).
    #[default]
    Password,
    /// The single sign-on provider.
    SingleSignOn,
}

/// A signing key that a rotation replaced: it still verifies the tokens it signed until `accept_until` (when
/// the longest session it could have issued has ended), and signs nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetiredKey {
    pub secret: Vec<u8>,
    pub accept_until: DateTime<Utc>,
}

#[derive(Clone)]
struct Verifier {
    kid: String,
    decoding: DecodingKey,
    accept_until: Option<DateTime<Utc>>,
}

/// Signs session tokens with the current HS256 key (its id in the `kid` header) and checks them against the
/// current key and the retired keys still accepted.
#[derive(Clone)]
pub struct SessionKeys {
    kid: String,
    encoding: EncodingKey,
    verifiers: Vec<Verifier>,
    validation: Validation,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionKeys(kid {}, {} retired)", self.kid, self.verifiers.len() - 1)
    }
}

impl SessionKeys {
    /// Keys from the stored signing secret, with no retired keys.
    pub fn new(secret: &[u8]) -> Self {
        Self::with_retired(secret, &[])
    }

    /// Keys from the current signing secret and the retired ones still accepted.
    pub fn with_retired(secret: &[u8], retired: &[RetiredKey]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // Expiry is checked against the service's clock below.
        validation.validate_exp = false;
        let current = Verifier { kid: key_id(secret), decoding: DecodingKey::from_secret(secret), accept_until: None };
        let old = retired.iter().map(|r| Verifier {
            kid: key_id(&r.secret),
            decoding: DecodingKey::from_secret(&r.secret),
            accept_until: Some(r.accept_until),
        });
        Self {
            kid: current.kid.clone(),
            encoding: EncodingKey::from_secret(secret),
            verifiers: std::iter::once(current).chain(old).collect(),
            validation,
        }
    }

    /// The id of the key that signs new tokens.
    pub fn current_key_id(&self) -> &str {
        &self.kid
    }

    /// A signed token for `user_id`.
    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        session_epoch: i64,
        via: SignInMethod,
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
            via,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(|e| AuthError::BadToken(e.to_string()))
    }

    /// The claims of a valid, unexpired token, signed by the key its `kid` names (the current key when it names
    /// none: tokens from before key ids). A retired key verifies only until its `accept_until`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| AuthError::BadToken(e.to_string()))?;
        let verifier = match &header.kid {
            None => &self.verifiers[0],
            Some(kid) => self
                .verifiers
                .iter()
                .find(|v| &v.kid == kid)
                .ok_or_else(|| AuthError::BadToken("signed by an unknown key".to_owned()))?,
        };
        if verifier.accept_until.is_some_and(|until| until <= now) {
            return Err(AuthError::Expired);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &verifier.decoding, &self.validation)
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
        let token = keys()
            .issue("u1", Role::Engineer, 3, SignInMethod::Password, now(), now() + Duration::hours(1))
            .unwrap_or_default();
        let claims = keys().verify(&token, now()).ok();
        assert_eq!(claims.as_ref().map(|c| (c.sub.as_str(), c.sep)), Some(("u1", 3)));
        assert!(matches!(keys().verify(&token, now() + Duration::hours(1)), Err(AuthError::Expired)));
    }

    #[test]
    fn another_key_does_not_verify() {
        let token = keys()
            .issue("u1", Role::Admin, 0, SignInMethod::Password, now(), now() + Duration::hours(1))
            .unwrap_or_default();
        let other = SessionKeys::new(b"another key entirely, 32 bytes!!");
        assert!(matches!(other.verify(&token, now()), Err(AuthError::BadToken(_))));
    }

    #[test]
    fn after_a_rotation_old_tokens_verify_until_the_retired_key_is_no_longer_accepted() {
        let old = b"0123456789abcdef0123456789abcdef";
        let token = keys()
            .issue("u1", Role::Engineer, 0, SignInMethod::Password, now(), now() + Duration::hours(12))
            .unwrap_or_default();
        let until = now() + Duration::hours(12);
        let rotated = SessionKeys::with_retired(
            b"the new key, also 32 bytes long!",
            &[RetiredKey { secret: old.to_vec(), accept_until: until }],
        );
        assert_ne!(rotated.current_key_id(), keys().current_key_id());
        assert!(rotated.verify(&token, now() + Duration::hours(1)).is_ok(), "the old key still verifies its tokens");
        assert!(matches!(rotated.verify(&token, until), Err(AuthError::Expired)));
        let fresh = rotated
            .issue("u1", Role::Engineer, 0, SignInMethod::Password, now(), now() + Duration::hours(12))
            .unwrap_or_default();
        assert!(rotated.verify(&fresh, now()).is_ok());
        assert!(keys().verify(&fresh, now()).is_err(), "the old key cannot verify tokens the new key signed");
        let dropped = SessionKeys::new(b"the new key, also 32 bytes long!");
        assert!(matches!(dropped.verify(&token, now()), Err(AuthError::BadToken(_))), "a dropped key verifies nothing");
    }

    #[test]
    fn a_token_without_a_key_id_is_checked_against_the_current_key() {
        let legacy = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &Claims {
                sub: "u1".into(),
                role: Role::Auditor,
                exp: (now() + Duration::hours(1)).timestamp(),
                iat: now().timestamp(),
                iss: ISSUER.into(),
                aud: AUDIENCE.into(),
                sep: 0,
                via: SignInMethod::Password,
            },
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap_or_default();
        assert!(keys().verify(&legacy, now()).is_ok());
    }

    #[test]
    fn the_sign_in_method_rides_in_the_token_and_older_tokens_read_as_password() {
        let sso = keys()
            .issue("u1", Role::Admin, 0, SignInMethod::SingleSignOn, now(), now() + Duration::hours(1))
            .unwrap_or_default();
        assert_eq!(keys().verify(&sso, now()).ok().map(|c| c.via), Some(SignInMethod::SingleSignOn));
        let older = serde_json::json!({"sub": "u1", "role": "admin", "exp": (now() + Duration::hours(1)).timestamp(),
            "iat": now().timestamp(), "iss": ISSUER, "aud": AUDIENCE, "sep": 0});
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(keys().current_key_id().to_owned());
        let secret = b"0123456789abcdef0123456789abcdef";
        let token = jsonwebtoken::encode(&header, &older, &EncodingKey::from_secret(secret)).unwrap_or_default();
        assert_eq!(keys().verify(&token, now()).ok().map(|c| c.via), Some(SignInMethod::Password));
    }

    #[test]
    fn alg_none_is_refused() {
        let token = keys()
            .issue("u1", Role::Admin, 0, SignInMethod::Password, now(), now() + Duration::hours(1))
            .unwrap_or_default();
        let payload = token.split('.').nth(1).unwrap_or_default();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys().verify(&format!("{header}.{payload}."), now()).is_err());
    }
}
