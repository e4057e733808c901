//! Platform and tenant settings, stored as JSON text; secrets are sealed before they are stored.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set};

use super::audit::{self, Change};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::entities::setting;
use crate::secrets::DataKey;

/// The setting holding the sealed HS256 key that signs session tokens.
const JWT_SIGNING_KEY: &str = "jwt_signing_key";
/// The setting holding the sealed Ed25519 secret key that signs evidence-pack manifests.
const PACK_SIGNING_KEY: &str = "evidence_pack_signing_key";
const PLATFORM: &str = "platform";

/// The key that signs session tokens: read and opened, or generated, sealed and stored on first start.
pub async fn jwt_signing_key(
    db: &DatabaseConnection,
    data_key: &DataKey,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, StoreError> {
    sealed_platform_key(db, data_key, now, JWT_SIGNING_KEY, 64, "generated the session signing key on first start")
        .await
}

/// The Ed25519 secret key that signs evidence-pack manifests, made the same way as the session key.
pub async fn pack_signing_key(
    db: &DatabaseConnection,
    data_key: &DataKey,
    now: DateTime<Utc>,
) -> Result<[u8; 32], StoreError> {
    let key =
        sealed_platform_key(db, data_key, now, PACK_SIGNING_KEY, 32, "generated the evidence-pack signing key").await?;
    key.try_into().map_err(|_| StoreError::Secret(crate::secrets::SecretError::Open))
}

/// A random secret of `len` bytes kept sealed in platform setting `name`: opened when stored, else generated,
/// sealed, stored and recorded (that it was set, never its value) in one transaction.
async fn sealed_platform_key(
    db: &DatabaseConnection,
    data_key: &DataKey,
    now: DateTime<Utc>,
    name: &str,
    len: usize,
    comment: &str,
) -> Result<Vec<u8>, StoreError> {
    let purpose = sealed_purpose(name);
    let tx = begin_write(db).await?;
    if let Some(row) = setting::Entity::find_by_id((PLATFORM.to_owned(), name.to_owned())).one(&tx).await? {
        let sealed: String = serde_json::from_str(&row.value).unwrap_or_default();
        // Ended here, not by drop: a dropped transaction's rollback waits for the connection's next use, holding
        // the write lock that long.
        tx.commit().await?;
        return Ok(data_key.open(&purpose, &sealed)?);
    }
    let mut key = vec![0u8; len];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    put_sealed(&tx, now, name, data_key.seal(&purpose, &key)?).await?;
    let startup = Actor::system("startup");
    let change = Change::new(Chain::Platform, &startup, "setting", name, "create")
        .after(serde_json::json!({ "sealed": true }))
        .comment(comment);
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(key)
}

/// What platform setting `name` is sealed for (bound as associated data, so it opens only there).
pub(crate) fn sealed_purpose(name: &str) -> String {
    format!("setting:{name}")
}

/// Stores the sealed value in platform setting `name`, creating it or replacing it (its version goes up).
pub(crate) async fn put_sealed(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    name: &str,
    sealed: String,
) -> Result<(), StoreError> {
    let value = serde_json::Value::String(sealed).to_string();
    match setting::Entity::find_by_id((PLATFORM.to_owned(), name.to_owned())).one(conn).await? {
        Some(row) => {
            let version = row.version;
            let mut row = row.into_active_model();
            row.value = Set(value);
            row.version = Set(version + 1);
            row.updated_at = Set(now);
            row.update(conn).await?;
        }
        None => {
            setting::ActiveModel {
                scope: Set(PLATFORM.to_owned()),
                key: Set(name.to_owned()),
                value: Set(value),
                version: Set(1),
                updated_at: Set(now),
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

/// Writes platform setting `name` as the JSON of `value` at version `current_version + 1`: inserted when
/// `current_version` is 0 (never set), else updated. The caller has checked the version it was based on.
pub(crate) async fn put_versioned(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    name: &str,
    value: &impl serde::Serialize,
    current_version: i64,
) -> Result<(), StoreError> {
    let row = setting::ActiveModel {
        scope: Set(PLATFORM.to_owned()),
        key: Set(name.to_owned()),
        value: Set(serde_json::to_string(value).unwrap_or_default()),
        version: Set(current_version + 1),
        updated_at: Set(now),
    };
    if current_version == 0 {
        row.insert(conn).await?;
    } else {
        row.update(conn).await?;
    }
    Ok(())
}
