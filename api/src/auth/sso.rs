//! The browser sign-in with the single sign-on provider, end to end: the authorization request (with `state`,
//! `nonce` and a PKCE challenge), the provider's return (the attempt taken once, the code redeemed, the ID token
//! verified and its claims checked, the mapping applied, the user found or created), and the one-time code the
//! web UI exchanges for its own session. Every outcome of a real sign-in is in the audit trail.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseConnection;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::oidc::claims::{self, Expectation};
use super::oidc::{CodeRedemption, OidcClient, OidcError};
use crate::domain::ids::UserId;
use crate::domain::sso::{Refusal, map_claims};
use crate::secrets::DataKey;
use crate::store::StoreError;
use crate::store::sso::identities::{self, ExternalPerson, SignedIn};
use crate::store::sso::{self as stored, Attempt};

/// How long a person has at the provider before the sign-in must start again.
const ATTEMPT_TTL: Duration = Duration::minutes(10);
/// How long the web UI has to exchange the one-time code.
pub const CODE_TTL: Duration = Duration::seconds(60);

/// Why a sign-in could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("single sign-on is not turned on")]
    NotEnabled,
    #[error("too many sign-ins are under way; try again in a few minutes")]
    TooManyUnderWay,
    #[error(transparent)]
    Provider(#[from] OidcError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A refused sign-in: the reason, and what the log and audit trail say about it.
#[derive(Debug, Clone)]
pub struct Refused {
    pub refusal: Refusal,
    pub detail: String,
}

fn refused(refusal: Refusal, detail: impl Into<String>) -> Refused {
    Refused { refusal, detail: detail.into() }
}

/// What the provider sent back to the callback.
#[derive(Debug, Clone, Default)]
pub struct ProviderReturn {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// The state the browser kept when the sign-in started (its cookie): the return must come to that browser.
    pub browser_state: Option<String>,
}

/// A finished sign-in: the one-time code for the web UI and who signed in.
#[derive(Debug, Clone)]
pub struct Finished {
    pub one_time_code: String,
    pub signed_in: SignedIn,
}

/// A random URL-safe value of 32 bytes.
fn random_value() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 in hex: how states and codes are stored.
pub fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// The PKCE S256 challenge of `verifier`.
fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A started sign-in: where to send the browser, and the state for the browser to keep.
#[derive(Debug, Clone)]
pub struct Started {
    pub authorize_url: String,
    pub state: String,
}

/// Starts a sign-in: records the attempt and answers the provider's authorization URL to send the browser to.
pub async fn start(
    db: &DatabaseConnection,
    key: &DataKey,
    oidc: &OidcClient,
    now: DateTime<Utc>,
    redirect_uri: &str,
) -> Result<Started, StartError> {
    let config = stored::get(db).await?;
    if !config.settings.enabled {
        return Err(StartError::NotEnabled);
    }
    let discovery = oidc.discovery(&config.settings.issuer).await?;
    let (state, nonce, verifier) = (random_value(), random_value(), random_value());
    let attempt = Attempt {
        nonce: nonce.clone(),
        code_verifier: verifier.clone(),
        redirect_uri: redirect_uri.to_owned(),
        expires_at: now + ATTEMPT_TTL,
    };
    if !stored::start_attempt(db, key, &digest(&state), &attempt, now).await? {
        return Err(StartError::TooManyUnderWay);
    }
    let mut url = url::Url::parse(&discovery.authorization_endpoint).map_err(|e| OidcError::Discovery {
        url: discovery.authorization_endpoint.clone(),
        reason: format!("the authorization endpoint is not a URL: {e}"),
    })?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &config.settings.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", "openid profile email")
        .append_pair("response_mode", "query")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge(&verifier))
        .append_pair("code_challenge_method", "S256");
    Ok(Started { authorize_url: url.into(), state })
}

/// Finishes a sign-in from what the provider sent back. A return whose `state` matches no sign-in under way is
/// refused without an audit row (anyone can send one, and the trail would grow without bound); every other
/// refusal, and every sign-in, is audited.
pub async fn finish(
    db: &DatabaseConnection,
    key: &DataKey,
    oidc: &OidcClient,
    now: DateTime<Utc>,
    back: ProviderReturn,
) -> Result<Result<Finished, Refused>, StoreError> {
    let state = back.state.as_deref().unwrap_or_default();
    let attempt = match state.is_empty() {
        true => None,
        false => stored::take_attempt(db, key, &digest(state), now).await?,
    };
    let Some(attempt) = attempt else {
        return Ok(Err(refused(Refusal::UnknownState, "the state matches no sign-in under way")));
    };
    match complete(db, key, oidc, now, &attempt, back).await {
        Ok(finished) => Ok(Ok(finished)),
        Err(Failure::Store(e)) => Err(e),
        Err(Failure::Refused(refusal, who)) => {
            identities::record_refusal(db, now, refusal.refusal, json!({ "why": refusal.detail, "who": who })).await?;
            Ok(Err(refusal))
        }
    }
}

/// Why finishing a sign-in stopped: a refusal (with who the token named, when it named anyone), or the store.
enum Failure {
    Refused(Refused, serde_json::Value),
    Store(StoreError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

/// A refusal of a return that names nobody yet.
fn nobody(refusal: Refusal, detail: impl Into<String>) -> Failure {
    Failure::Refused(refused(refusal, detail), serde_json::Value::Null)
}

async fn complete(
    db: &DatabaseConnection,
    key: &DataKey,
    oidc: &OidcClient,
    now: DateTime<Utc>,
    attempt: &Attempt,
    back: ProviderReturn,
) -> Result<Finished, Failure> {
    // The state alone proves the provider answered this sign-in; the browser's copy proves it came back to the
    // person who started it, not to someone sent an attacker's return link (login CSRF).
    if back.browser_state.as_deref() != back.state.as_deref() {
        return Err(nobody(Refusal::BrowserMismatch, "the browser that came back did not start this sign-in"));
    }
    if let Some(error) = back.error {
        let description: String = back.error_description.unwrap_or_default().chars().take(300).collect();
        return Err(nobody(Refusal::ProviderError, format!("{error}: {description}")));
    }
    let code = back
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| nobody(Refusal::ProviderError, "the provider sent neither a code nor an error"))?;
    let config = stored::get(db).await?;
    let settings = &config.settings;
    if !settings.enabled {
        return Err(nobody(Refusal::TokenExchangeFailed, "single sign-on was turned off"));
    }
    let secret = stored::client_secret(db, key).await?.unwrap_or_default();
    let redemption = CodeRedemption {
        code: &code,
        redirect_uri: &attempt.redirect_uri,
        client_id: &settings.client_id,
        client_secret: &secret,
        code_verifier: &attempt.code_verifier,
    };
    let exchange_failed = |e: OidcError| nobody(Refusal::TokenExchangeFailed, e.to_string());
    let discovery = oidc.discovery(&settings.issuer).await.map_err(exchange_failed)?;
    let id_token = oidc.redeem_code(&discovery, &redemption).await.map_err(exchange_failed)?;
    let claims = oidc.verified_claims(&settings.issuer, &id_token).await.map_err(|(r, d)| nobody(r, d))?;
    let who = json!({ "tenant_id": claims.tid, "object_id": claims.oid, "username": claims.username_hint() });
    let named = |refusal: Refusal, detail: String| Failure::Refused(refused(refusal, detail), who.clone());
    let expect = Expectation {
        issuer_template: &discovery.issuer,
        audience: &settings.client_id,
        v1_audience: None,
        nonce: Some(&attempt.nonce),
        allowed_tenant_ids: &settings.allowed_tenant_ids,
    };
    let (tenant_id, object_id) =
        claims::check(&claims, &expect, now).map_err(|r| named(r, "the ID token's claims".into()))?;
    let grant = map_claims(&settings.rules, &claims.for_mapping())
        .map_err(|r| named(r, format!("roles {:?}, {} group(s)", claims.roles, claims.groups.len())))?;
    let person = ExternalPerson {
        issuer: discovery.issuer.clone(),
        tenant_id,
        object_id,
        username_hint: claims.username_hint(),
        display_name: claims.name.clone(),
    };
    let one_time_code = random_value();
    let signed_in = identities::sign_in(db, now, &person, &grant, &digest(&one_time_code), now + CODE_TTL)
        .await?
        .map_err(|r| named(r, "the scoregrc account refused the sign-in".into()))?;
    Ok(Finished { one_time_code, signed_in })
}

/// The user a one-time code stands for, once: the code is used up whatever the answer.
pub async fn exchange(db: &DatabaseConnection, now: DateTime<Utc>, code: &str) -> Result<Option<UserId>, StoreError> {
    if code.is_empty() || code.len() > 128 {
        return Ok(None);
    }
    stored::redeem_code(db, &digest(code), now).await
}
