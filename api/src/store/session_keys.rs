//! The keys that sign session tokens: the current one, and the ones a rotation retired, kept sealed (the
//! retired ones as one sealed list) until the last token they signed has expired.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use serde::{Deserialize, Serialize};

use super::audit::{self, Change};
use super::settings::{put_sealed, sealed_purpose};
use super::{StoreError, begin_write};
use crate::auth::session::RetiredKey;
use crate::domain::audit::{Actor, Chain};
use crate::entities::setting;
use crate::secrets::DataKey;
use crate::secrets::key_id;

const PLATFORM: &str = "platform";
/// The setting holding the sealed list of retired session keys.
const RETIRED: &str = "jwt_retired_signing_keys";
/// The setting holding the current key (see `settings::jwt_signing_key`).
const CURRENT: &str = "jwt_signing_key";
/// Bytes of a new key, as on first start.
const KEY_BYTES: usize = 64;

#[derive(Serialize, Deserialize)]
struct StoredRetired {
    key: String,
    accept_until: DateTime<Utc>,
}

/// The current key (made on first start) and the retired keys still accepted at `now`.
pub async fn session_keys(
    db: &DatabaseConnection,
    data_key: &DataKey,
    now: DateTime<Utc>,
) -> Result<(Vec<u8>, Vec<RetiredKey>), StoreError> {
    let current = super::settings::jwt_signing_key(db, data_key, now).await?;
    let retired = retired_keys(db, data_key).await?.into_iter().filter(|r| r.accept_until > now).collect();
    Ok((current, retired))
}

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub old_key_id: String,
    pub new_key_id: String,
    /// Tokens the old key signed are accepted until then.
    pub old_accepted_until: DateTime<Utc>,
    /// Retired keys still accepted after the rotation (the old one included).
    pub retired: usize,
}

/// Replaces the current key with a new random one; the old one keeps verifying the tokens it signed for
/// `accept_old_for` (the longest session). Retired keys past their time are dropped. One transaction, one audit
/// row (key ids only, never a key).
pub async fn rotate(
    db: &DatabaseConnection,
    data_key: &DataKey,
    now: DateTime<Utc>,
    accept_old_for: Duration,
) -> Result<Rotation, StoreError> {
    let old = super::settings::jwt_signing_key(db, data_key, now).await?;
    let tx = begin_write(db).await?;
    let mut retired: Vec<RetiredKey> =
        retired_keys(&tx, data_key).await?.into_iter().filter(|r| r.accept_until > now).collect();
    let old_accepted_until = now + accept_old_for;
    retired.push(RetiredKey { secret: old.clone(), accept_until: old_accepted_until });
    let mut new = vec![0u8; KEY_BYTES];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut new);
    put_sealed(&tx, now, CURRENT, data_key.seal(&sealed_purpose(CURRENT), &new)?).await?;
    let stored: Vec<StoredRetired> = retired
        .iter()
        .map(|r| StoredRetired { key: STANDARD.encode(&r.secret), accept_until: r.accept_until })
        .collect();
    let list = serde_json::to_vec(&stored).map_err(|_| StoreError::Secret(crate::secrets::SecretError::Open))?;
    put_sealed(&tx, now, RETIRED, data_key.seal(&sealed_purpose(RETIRED), &list)?).await?;
    let rotation =
        Rotation { old_key_id: key_id(&old), new_key_id: key_id(&new), old_accepted_until, retired: retired.len() };
    let actor = Actor::system("cli");
    let change = Change::new(Chain::Platform, &actor, "setting", CURRENT, "rotate")
        .before(serde_json::json!({ "key_id": rotation.old_key_id }))
        .after(serde_json::json!({ "key_id": rotation.new_key_id, "old_key_accepted_until": old_accepted_until }))
        .comment("rotated the session signing key");
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(rotation)
}

async fn retired_keys(conn: &impl ConnectionTrait, data_key: &DataKey) -> Result<Vec<RetiredKey>, StoreError> {
    let Some(row) = setting::Entity::find_by_id((PLATFORM.to_owned(), RETIRED.to_owned())).one(conn).await? else {
        return Ok(Vec::new());
    };
    let sealed: String = serde_json::from_str(&row.value).unwrap_or_default();
    let list = data_key.open(&sealed_purpose(RETIRED), &sealed)?;
    let stored: Vec<StoredRetired> =
        serde_json::from_slice(&list).map_err(|_| StoreError::Secret(crate::secrets::SecretError::Open))?;
    Ok(stored
        .into_iter()
        .filter_map(|s| Some(RetiredKey { secret: STANDARD.decode(s.key).ok()?, accept_until: s.accept_until }))
        .collect())
}
