//! Resolves a bearer credential to the principal it stands for. Role and memberships come from the database,
//! cached for a few seconds and dropped whenever an admin changes users, memberships or tokens, so a role
//! change, a disabled account, a revoked token or a new sign-in policy takes effect on the next request. The
//! tenants callers name are cached the same way (every tenant request reads one), dropped by the same calls.
//! An access token from the single sign-on provider is verified against the provider's keys and mapped through
//! the configured app-role rules; its principal is cached the same way, never past the token's expiry.

use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Mutex;

use super::oidc::OidcClient;
use super::oidc::claims::{self, Expectation};
use super::session::{SessionKeys, SignInMethod};
use super::{AuthError, service_token};
use crate::clock::SharedClock;
use crate::domain::ids::TenantId;
use crate::domain::ids::UserId;
use crate::domain::principal::{Principal, PrincipalKind};
use crate::domain::sso::{Refusal, TokenClaims, map_claims};
use crate::store::tenants::{self, Tenant};
use crate::store::{StoreError, sign_in_policy, sso, tokens, users};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CacheKey {
    /// A user, by how the session was signed in (the sign-in policy's second-factor rule is about passwords).
    User(uuid::Uuid, SignInMethod),
    ServiceToken(String),
    /// The SHA-256 of a provider access token.
    ProviderToken(String),
}

#[derive(Debug, Clone)]
struct Cached {
    loaded_at: DateTime<Utc>,
    principal: Principal,
    /// For users: the session epoch the principal was loaded with.
    session_epoch: i64,
    /// For service tokens: when the token stops working, whatever the cache says.
    expires_at: Option<DateTime<Utc>>,
}

/// Turns credentials into principals.
pub struct Principals {
    db: DatabaseConnection,
    keys: SessionKeys,
    clock: SharedClock,
    ttl: Duration,
    cache: Mutex<HashMap<CacheKey, Cached>>,
    tenants: Mutex<HashMap<TenantId, (DateTime<Utc>, Tenant)>>,
    oidc: OidcClient,
}

impl Principals {
    /// A resolver over `db` that caches for `ttl`.
    pub fn new(db: DatabaseConnection, keys: SessionKeys, clock: SharedClock, ttl: std::time::Duration) -> Self {
        let ttl = Duration::from_std(ttl).unwrap_or_else(|_| Duration::seconds(5));
        let oidc = OidcClient::new(clock.clone());
        Self { db, keys, clock, ttl, cache: Mutex::default(), tenants: Mutex::default(), oidc }
    }

    /// The single sign-on provider's client, with this process's cache of its metadata and keys.
    pub fn oidc(&self) -> &OidcClient {
        &self.oidc
    }

    /// The session keys, for issuing tokens at sign-in.
    pub fn keys(&self) -> &SessionKeys {
        &self.keys
    }

    /// Drops every cached principal; call after any change to users, memberships, tokens or tenants.
    pub fn forget_all(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.clear();
        }
        if let Ok(mut tenants) = self.tenants.lock() {
            tenants.clear();
        }
    }

    /// The tenant `id`, cached like principals.
    pub async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, StoreError> {
        let now = self.clock.now();
        let hit = self.tenants.lock().ok().and_then(|t| t.get(&id).filter(|(at, _)| now - *at < self.ttl).cloned());
        if let Some((_, tenant)) = hit {
            return Ok(Some(tenant));
        }
        let tenant = tenants::get(&self.db, id).await?;
        if let (Some(tenant), Ok(mut cached)) = (&tenant, self.tenants.lock()) {
            cached.insert(id, (now, tenant.clone()));
        }
        Ok(tenant)
    }

    fn cached(&self, key: &CacheKey, now: DateTime<Utc>) -> Option<Cached> {
        let cache = self.cache.lock().ok()?;
        cache.get(key).filter(|c| now - c.loaded_at < self.ttl && c.expires_at.is_none_or(|e| now < e)).cloned()
    }

    fn remember(&self, key: CacheKey, entry: Cached) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key, entry);
        }
    }

    /// The principal behind an `Authorization: Bearer` value: a service token (`sgt_…`), a session JWT (HS256),
    /// or an access token from the single sign-on provider (any other algorithm).
    pub async fn resolve(&self, bearer: &str) -> Result<Principal, AuthError> {
        let now = self.clock.now();
        if bearer.starts_with(service_token::PREFIX) {
            return self.resolve_service_token(bearer, now).await;
        }
        match jsonwebtoken::decode_header(bearer) {
            Ok(header) if header.alg != jsonwebtoken::Algorithm::HS256 => {
                self.resolve_provider_token(bearer, now).await
            }
            _ => self.resolve_session(bearer, now).await,
        }
    }

    async fn resolve_session(&self, token: &str, now: DateTime<Utc>) -> Result<Principal, AuthError> {
        let claims = self.keys.verify(token, now)?;
        let id = uuid::Uuid::parse_str(&claims.sub).map_err(|_| AuthError::BadToken("sub is not a user id".into()))?;
        let key = CacheKey::User(id, claims.via);
        if let Some(hit) = self.cached(&key, now) {
            return if hit.session_epoch == claims.sep { Ok(hit.principal) } else { Err(AuthError::SessionEnded) };
        }
        let (user, tenants) =
            users::principal_parts(&self.db, UserId(id)).await?.ok_or(AuthError::AccountUnavailable)?;
        if user.disabled_at.is_some() {
            return Err(AuthError::AccountUnavailable);
        }
        if user.session_epoch != claims.sep {
            return Err(AuthError::SessionEnded);
        }
        let role = users::stored_role(&user.role)?;
        let must_enrol = match claims.via {
            SignInMethod::Password => sign_in_policy::must_enrol(&self.db, UserId(id), role).await?,
            SignInMethod::SingleSignOn => false,
        };
        let mut principal = Principal::new(PrincipalKind::User, user.id, user.username, role, tenants);
        principal.must_change_password = user.must_change_password;
        principal.must_enrol_second_factor = must_enrol;
        let entry = Cached {
            loaded_at: now,
            principal: principal.clone(),
            session_epoch: user.session_epoch,
            expires_at: None,
        };
        self.remember(key, entry);
        Ok(principal)
    }

    /// An application's access token: verified against the provider's keys, issued for scoregrc's audience to
    /// an allowed directory, not delegated, and mapped through the app-role rules (groups never count for
    /// applications).
    async fn resolve_provider_token(&self, token: &str, now: DateTime<Utc>) -> Result<Principal, AuthError> {
        let key = CacheKey::ProviderToken(crate::auth::sso::digest(token));
        if let Some(hit) = self.cached(&key, now) {
            return Ok(hit.principal);
        }
        let refused = |refusal: Refusal, detail: String| {
            tracing::info!(reason = refusal.as_str(), %detail, "refused a provider access token");
            AuthError::ProviderToken(refusal)
        };
        let config = sso::get(&self.db).await?;
        let settings = &config.settings;
        if !settings.enabled || !settings.accept_access_tokens {
            return Err(refused(Refusal::TokenFormatNotAccepted, "access tokens are not accepted".into()));
        }
        let discovery =
            self.oidc.discovery(&settings.issuer).await.map_err(|e| refused(Refusal::BadSignature, e.to_string()))?;
        let claims = self.oidc.verified_claims(&settings.issuer, token).await.map_err(|(r, d)| refused(r, d))?;
        if claims.scp.is_some() {
            return Err(refused(Refusal::DelegatedToken, "the token carries scp: it stands for a person".into()));
        }
        // An ID token is for scoregrc's audience too, but it says who signed in, not which application calls:
        // an access token names its caller (`azp` in v2, `appid` in v1) and carries no nonce.
        if claims.nonce.is_some() || (claims.azp.is_none() && claims.appid.is_none()) {
            return Err(refused(Refusal::TokenFormatNotAccepted, "an ID token, not an access token".into()));
        }
        let v1_audience = settings.app_id_uri.as_deref().filter(|_| settings.accept_v1_access_tokens);
        let expect = Expectation {
            issuer_template: &discovery.issuer,
            audience: &settings.client_id,
            v1_audience,
            nonce: None,
            allowed_tenant_ids: &settings.allowed_tenant_ids,
        };
        let (_, object_id) = claims::check(&claims, &expect, now).map_err(|r| refused(r, "the claims".into()))?;
        let roles = TokenClaims { roles: claims.roles.clone(), ..TokenClaims::default() };
        let grant = map_claims(&settings.rules, &roles).map_err(|r| refused(r, format!("roles {:?}", claims.roles)))?;
        // As with service tokens, automation never administers the platform: a mapping that says so is a mistake.
        if grant.role == crate::domain::role::Role::Admin {
            return Err(refused(Refusal::AdminApplication, format!("roles {:?} map to admin", claims.roles)));
        }
        // Entra's object ids are GUIDs; another provider's get a stable id derived from theirs.
        let id = uuid::Uuid::parse_str(&object_id).unwrap_or_else(|_| {
            let digest = <sha2::Sha256 as sha2::Digest>::digest(object_id.as_bytes());
            uuid::Uuid::from_bytes(digest[..16].try_into().unwrap_or_default())
        });
        let app = claims.azp.clone().or_else(|| claims.appid.clone()).unwrap_or_else(|| object_id.clone());
        let principal =
            Principal::new(PrincipalKind::Application, id, format!("app:{app}"), grant.role, grant.tenant_ids);
        let expires_at = claims.exp.and_then(|exp| DateTime::from_timestamp(exp.floor() as i64, 0));
        self.remember(key, Cached { loaded_at: now, principal: principal.clone(), session_epoch: 0, expires_at });
        Ok(principal)
    }

    async fn resolve_service_token(&self, secret: &str, now: DateTime<Utc>) -> Result<Principal, AuthError> {
        let digest = service_token::digest(secret);
        let key = CacheKey::ServiceToken(digest.clone());
        if let Some(hit) = self.cached(&key, now) {
            return Ok(hit.principal);
        }
        let (token, tenants) =
            tokens::find_active(&self.db, &digest, now).await?.ok_or(AuthError::UnknownServiceToken)?;
        let role = users::stored_role(&token.role)?;
        let principal = Principal::new(PrincipalKind::ServiceToken, token.id, token.name, role, tenants);
        let entry = Cached {
            loaded_at: now,
            principal: principal.clone(),
            session_epoch: 0,
            expires_at: Some(token.expires_at),
        };
        self.remember(key, entry);
        Ok(principal)
    }
}
