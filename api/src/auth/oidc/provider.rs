//! The provider's metadata and keys, fetched over HTTPS and cached per issuer for this process.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use tokio::sync::Mutex;

use super::claims::ProviderClaims;
use crate::clock::SharedClock;
use crate::domain::sso::Refusal;

/// How long discovery documents and keys are trusted before they are fetched again.
const METADATA_TTL: Duration = Duration::hours(24);
/// A token naming an unknown key fetches the keys again only when they are at least this old: a flood of tokens
/// with made-up key ids costs the provider one request a minute, not one each.
pub const KEY_REFRESH_BOUND: Duration = Duration::seconds(60);
/// Documents larger than this are refused: a provider's metadata and keys are a few kilobytes.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Asymmetric algorithms only: `none` and HMAC (whose key a provider would have to share) are never accepted.
const ACCEPTED_ALGORITHMS: [Algorithm; 8] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// Why the provider could not be used.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the discovery document at {url} could not be used: {reason}")]
    Discovery { url: String, reason: String },
    #[error("the signing keys at {url} could not be used: {reason}")]
    Keys { url: String, reason: String },
    #[error("the token endpoint did not redeem the code: {0}")]
    TokenEndpoint(String),
}

/// The parts of a provider's discovery document scoregrc uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    /// The issuer its tokens carry; Entra's multi-tenant endpoints publish a `{tenantid}` placeholder here.
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

/// A provider's signing keys as last fetched.
#[derive(Debug, Clone)]
struct SigningKeys {
    keys: JwkSet,
    fetched_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Cached {
    discovery: Discovery,
    discovered_at: DateTime<Utc>,
    keys: SigningKeys,
}

/// A client for OpenID Connect providers, with this process's cache of their metadata and keys.
pub struct OidcClient {
    http: reqwest::Client,
    clock: SharedClock,
    cache: Mutex<HashMap<String, Cached>>,
}

impl OidcClient {
    /// A client timing out after 15 seconds per request.
    pub fn new(clock: SharedClock) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .unwrap_or_default();
        Self { http, clock, cache: Mutex::default() }
    }

    /// The discovery document of `issuer` (the configured URL), from the cache while it is fresh.
    pub async fn discovery(&self, issuer: &str) -> Result<Discovery, OidcError> {
        let mut cache = self.cache.lock().await;
        Ok(self.fresh_entry(&mut cache, issuer).await?.discovery.clone())
    }

    /// `issuer`'s cache entry, fetched again first when missing or older than [`METADATA_TTL`].
    async fn fresh_entry<'a>(
        &self,
        cache: &'a mut HashMap<String, Cached>,
        issuer: &str,
    ) -> Result<&'a mut Cached, OidcError> {
        let now = self.clock.now();
        Ok(match cache.entry(issuer.to_owned()) {
            Entry::Occupied(hit) if now - hit.get().discovered_at < METADATA_TTL => hit.into_mut(),
            Entry::Occupied(mut stale) => {
                stale.insert(self.fetch_all(issuer, now).await?);
                stale.into_mut()
            }
            Entry::Vacant(missing) => missing.insert(self.fetch_all(issuer, now).await?),
        })
    }

    /// Fetches the discovery document and keys now, whatever the cache holds: an admin's check of the settings.
    pub async fn check(&self, issuer: &str) -> Result<(Discovery, usize), OidcError> {
        let fresh = self.fetch_all(issuer, self.clock.now()).await?;
        let answer = (fresh.discovery.clone(), fresh.keys.keys.keys.len());
        self.cache.lock().await.insert(issuer.to_owned(), fresh);
        Ok(answer)
    }

    /// Forgets what is cached for every provider (after the settings change).
    pub async fn forget(&self) {
        self.cache.lock().await.clear();
    }

    async fn fetch_all(&self, issuer: &str, now: DateTime<Utc>) -> Result<Cached, OidcError> {
        let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
        let discovery: Discovery =
            self.fetch_json(&url).await.map_err(|reason| OidcError::Discovery { url: url.clone(), reason })?;
        let keys = self.fetch_keys(&discovery.jwks_uri, now).await?;
        Ok(Cached { discovery, discovered_at: now, keys })
    }

    async fn fetch_keys(&self, url: &str, now: DateTime<Utc>) -> Result<SigningKeys, OidcError> {
        let keys: JwkSet =
            self.fetch_json(url).await.map_err(|reason| OidcError::Keys { url: url.to_owned(), reason })?;
        Ok(SigningKeys { keys, fetched_at: now })
    }

    async fn fetch_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let response = self.http.get(url).send().await.map_err(|e| e.without_url().to_string())?;
        if !response.status().is_success() {
            return Err(format!("answered {}", response.status()));
        }
        let bytes = response.bytes().await.map_err(|e| e.without_url().to_string())?;
        if bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(format!("larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("not the expected JSON: {e}"))
    }

    /// The key `kid` of `issuer`'s provider. A kid not in the cached keys fetches them again when they are older
    /// than [`KEY_REFRESH_BOUND`] (the provider rolled its keys over); otherwise the answer is `None`.
    async fn signing_key(&self, issuer: &str, kid: &str) -> Result<Option<Jwk>, OidcError> {
        let mut cache = self.cache.lock().await;
        let cached = self.fresh_entry(&mut cache, issuer).await?;
        let now = self.clock.now();
        if let Some(key) = cached.keys.keys.find(kid) {
            return Ok(Some(key.clone()));
        }
        if now - cached.keys.fetched_at < KEY_REFRESH_BOUND {
            return Ok(None);
        }
        cached.keys = self.fetch_keys(&cached.discovery.jwks_uri, now).await?;
        Ok(cached.keys.keys.find(kid).cloned())
    }

    /// The claims of `token` when its signature verifies with one of `issuer`'s keys. Nothing but the signature
    /// is checked here: the claims are [`super::claims::check`]ed next.
    pub async fn verified_claims(&self, issuer: &str, token: &str) -> Result<ProviderClaims, (Refusal, String)> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| (Refusal::MalformedToken, e.to_string()))?;
        if !ACCEPTED_ALGORITHMS.contains(&header.alg) {
            return Err((Refusal::MalformedToken, format!("algorithm {:?} is not accepted", header.alg)));
        }
        let kid = header.kid.ok_or((Refusal::MalformedToken, "the token names no key (kid)".to_owned()))?;
        let jwk = self
            .signing_key(issuer, &kid)
            .await
            .map_err(|e| (Refusal::BadSignature, e.to_string()))?
            .ok_or_else(|| (Refusal::BadSignature, format!("the provider publishes no key `{kid}`")))?;
        if matches!(jwk.common.public_key_use, Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)) {
            return Err((Refusal::BadSignature, format!("key `{kid}` is published for encryption, not signatures")));
        }
        // A key published for one algorithm verifies only that one: no confusion between RSA padding schemes.
        if let Some(published) = jwk.common.key_algorithm
            && format!("{published:?}") != format!("{:?}", header.alg)
        {
            return Err((
                Refusal::BadSignature,
                format!("key `{kid}` is for {published:?}, the token says {:?}", header.alg),
            ));
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| (Refusal::BadSignature, format!("key `{kid}`: {e}")))?;
        let mut validation = Validation::new(header.alg);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        jsonwebtoken::decode::<ProviderClaims>(token, &key, &validation).map(|data| data.claims).map_err(|e| {
            match e.kind() {
                jsonwebtoken::errors::ErrorKind::Json(_) => (Refusal::MalformedToken, e.to_string()),
                _ => (Refusal::BadSignature, e.to_string()),
            }
        })
    }

    /// Redeems an authorization code at the token endpoint (with the client secret and the PKCE verifier) and
    /// answers the ID token.
    pub async fn redeem_code(&self, discovery: &Discovery, redeem: &CodeRedemption<'_>) -> Result<String, OidcError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", redeem.code),
            ("redirect_uri", redeem.redirect_uri),
            ("client_id", redeem.client_id),
            ("client_secret", redeem.client_secret),
            ("code_verifier", redeem.code_verifier),
        ];
        let response = self
            .http
            .post(&discovery.token_endpoint)
            .form(&form)
            .send()
            .await
            .map_err(|e| OidcError::TokenEndpoint(e.without_url().to_string()))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| OidcError::TokenEndpoint(e.without_url().to_string()))?;
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        if !status.is_success() {
            let error = body.get("error").and_then(|e| e.as_str()).unwrap_or("no error code");
            return Err(OidcError::TokenEndpoint(format!("answered {status} ({error})")));
        }
        body.get("id_token")
            .and_then(|t| t.as_str())
            .map(str::to_owned)
            .ok_or_else(|| OidcError::TokenEndpoint("the answer holds no id_token".into()))
    }
}

/// What redeeming an authorization code sends.
#[derive(Debug)]
pub struct CodeRedemption<'a> {
    pub code: &'a str,
    pub redirect_uri: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub code_verifier: &'a str,
}
