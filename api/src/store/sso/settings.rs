//! The single sign-on configuration: a versioned platform setting, with the client secret sealed in a platform
//! setting of its own (so a data-key rotation re-seals it with every other sealed setting).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};

use crate::domain::ValidationError;
use crate::domain::audit::{Actor, Chain};
use crate::domain::error::Violations;
use crate::domain::sso::SsoSettings;
use crate::entities::{setting, tenant};
use crate::secrets::DataKey;
use crate::store::audit::{self, Change};
use crate::store::error::require_version;
use crate::store::settings::{put_sealed, put_versioned, sealed_purpose};
use crate::store::{StoreError, begin_write};

const PLATFORM: &str = "platform";
const KEY: &str = "single_sign_on";
const SECRET_KEY: &str = "sso_client_secret";

/// The configuration in force: the settings, whether a client secret is stored, and the version (0 while
/// never configured).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoConfig {
    pub settings: SsoSettings,
    pub client_secret_set: bool,
    pub version: i64,
}

/// The configuration in force.
pub async fn get(conn: &impl ConnectionTrait) -> Result<SsoConfig, StoreError> {
    let row = setting::Entity::find_by_id((PLATFORM.to_owned(), KEY.to_owned())).one(conn).await?;
    let secret = setting::Entity::find_by_id((PLATFORM.to_owned(), SECRET_KEY.to_owned())).one(conn).await?;
    let (settings, version) = match row {
        Some(row) => (serde_json::from_str(&row.value).unwrap_or_default(), row.version),
        None => (SsoSettings::default(), 0),
    };
    Ok(SsoConfig { settings, client_secret_set: secret.is_some(), version })
}

/// The stored client secret, opened.
pub async fn client_secret(conn: &impl ConnectionTrait, key: &DataKey) -> Result<Option<String>, StoreError> {
    let Some(row) = setting::Entity::find_by_id((PLATFORM.to_owned(), SECRET_KEY.to_owned())).one(conn).await? else {
        return Ok(None);
    };
    let sealed: String = serde_json::from_str(&row.value).unwrap_or_default();
    let secret = key.open(&sealed_purpose(SECRET_KEY), &sealed)?;
    Ok(Some(String::from_utf8_lossy(&secret).into_owned()))
}

/// Replaces the configuration, based on `version`, and the client secret when `new_secret` is given. Turning
/// single sign-on on without any client secret stored, or naming a tenant that does not exist, is refused. The
/// audit trail records the change without the secret (only that it was replaced).
pub async fn set(
    db: &DatabaseConnection,
    key: &DataKey,
    actor: &Actor,
    now: DateTime<Utc>,
    settings: SsoSettings,
    new_secret: Option<String>,
    version: Option<i64>,
) -> Result<SsoConfig, StoreError> {
    let settings = settings.normalised()?;
    let new_secret = new_secret.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let tx = begin_write(db).await?;
    let current = get(&tx).await?;
    require_version(version, current.version)?;
    let mut violations = Violations::default();
    for (i, j, id) in settings.named_tenants() {
        if tenant::Entity::find_by_id(id.0).one(&tx).await?.is_none() {
            violations.add(format!("rules[{i}].tenant_ids[{j}]"), "is not a scoregrc tenant");
        }
    }
    if settings.enabled && new_secret.is_none() && !current.client_secret_set {
        violations.add("client_secret", "is required to turn single sign-on on");
    }
    if new_secret.as_ref().is_some_and(|s| s.chars().count() > 1024) {
        violations.add("client_secret", "must be at most 1024 characters");
    }
    violations.finish().map_err(|e: ValidationError| StoreError::Invalid(e))?;
    put_versioned(&tx, now, KEY, &settings, current.version).await?;
    if let Some(secret) = &new_secret {
        put_sealed(&tx, now, SECRET_KEY, key.seal(&sealed_purpose(SECRET_KEY), secret.as_bytes())?).await?;
    }
    let mut after = serde_json::to_value(&settings).unwrap_or_default();
    after["client_secret_replaced"] = serde_json::Value::Bool(new_secret.is_some());
    let change = Change::new(Chain::Platform, actor, "setting", KEY, "update")
        .before(serde_json::to_value(&current.settings).unwrap_or_default())
        .after(after);
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(SsoConfig {
        settings,
        client_secret_set: current.client_secret_set || new_secret.is_some(),
        version: current.version + 1,
    })
}
