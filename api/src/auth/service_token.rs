//! Service-token secrets: `sgt_` and 32 random bytes, stored only as their SHA-256.
//! A fast hash is right here: the secret has 256 bits of entropy, so nothing can be guessed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::role::Role;
use crate::domain::service_token::{check_service_token_role, service_token_expiry};
use crate::domain::user::check_name;
use crate::domain::{ValidationError, Violations};
use crate::store::StoreError;
use crate::store::tokens::{self, NewToken, ServiceToken};

/// What every service-token secret starts with, so a leaked one is easy to recognise and to scan for.
pub const PREFIX: &str = "sgt_";

/// A new secret, to be shown once.
pub fn generate(rng: &mut impl RngCore) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A token to issue.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "nightly import", "role": "engineer", "tenant_ids": [], "expires_in_days": 90}))]
pub struct IssueToken {
    pub name: String,
    /// One role, never `admin`.
    pub role: Role,
    /// The tenants the token may see.
    pub tenant_ids: Vec<TenantId>,
    /// 1–365, default 90.
    pub expires_in_days: Option<i64>,
}

/// A freshly issued token: the only time the secret is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    /// Send as `Authorization: Bearer <secret>`. Store it now: it cannot be shown again.
    pub secret: String,
    pub token: ServiceToken,
}

/// Issues a token: checks the request, generates the secret and stores its digest. Shared by the API and the CLI.
pub async fn issue(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    request: IssueToken,
) -> Result<IssuedToken, StoreError> {
    let mut violations = Violations::default();
    let name = violations.check(check_name("name", &request.name, 200));
    let role = violations.check(check_service_token_role(request.role));
    let expires_at = violations.check(service_token_expiry(now, request.expires_in_days));
    violations.finish()?;
    let (Some(name), Some(role), Some(expires_at)) = (name, role, expires_at) else {
        return Err(ValidationError::field("body", "incomplete token request").into());
    };
    let secret = generate(&mut rand::rngs::OsRng);
    let new = NewToken { name, role, tenant_ids: request.tenant_ids, expires_at, secret_sha256: digest(&secret) };
    let token = tokens::create(db, actor, now, new).await?;
    Ok(IssuedToken { secret, token })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_unique_and_stored_as_sha256() {
        let mut rng = rand::rngs::OsRng;
        let a = generate(&mut rng);
        let b = generate(&mut rng);
        assert!(a.starts_with(PREFIX));
        assert_ne!(a, b);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), digest(&b));
    }
}
