//! Single-use download tokens, in the database so that a token issued by one instance is redeemed by any other
//! behind a load balancer. A row is keyed by the token's SHA-256, never the token; the bearer credential it
//! stands for is sealed with the data key, bound to the row's digest and path, so a copied row or a changed
//! path does not open. Redeeming takes the row once ([`super::single_use`]).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::{StoreError, begin_write};
use crate::entities::download_token as row;
use crate::secrets::DataKey;

/// What a sealed bearer is sealed for: the token's digest and its path.
fn sealed_purpose(token_sha256: &str, path: &str) -> String {
    format!("download_token:{token_sha256}:{path}")
}

/// An issued token as redeemed: what it was good for and the credential it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeemed {
    pub path: String,
    pub expires_at: DateTime<Utc>,
    pub bearer: String,
}

/// Stores a new token (by its digest) for `path`, standing for `bearer` until `expires_at`. Expired tokens are
/// deleted first, so the table holds only the last minute's unused tokens.
pub async fn issue(
    db: &DatabaseConnection,
    key: &DataKey,
    token_sha256: &str,
    path: &str,
    bearer: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let bearer_sealed = key.seal(&sealed_purpose(token_sha256, path), bearer.as_bytes())?;
    let tx = begin_write(db).await?;
    row::Entity::delete_many().filter(row::Column::ExpiresAt.lte(now)).exec(&tx).await?;
    row::ActiveModel {
        token_sha256: Set(token_sha256.to_owned()),
        path: Set(path.to_owned()),
        bearer_sealed: Set(bearer_sealed),
        expires_at: Set(expires_at),
    }
    .insert(&tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes the token with this digest: deletes it and answers what it was issued for, whatever that was (the
/// caller checks path and expiry, and the token is used up either way). `None` when there is no such token or
/// another instance took it first.
pub async fn take(db: &DatabaseConnection, key: &DataKey, token_sha256: &str) -> Result<Option<Redeemed>, StoreError> {
    let Some(found) = super::single_use::take::<row::Entity>(db, token_sha256).await? else { return Ok(None) };
    let bearer = key.open(&sealed_purpose(token_sha256, &found.path), &found.bearer_sealed)?;
    Ok(Some(Redeemed {
        path: found.path,
        expires_at: found.expires_at,
        bearer: String::from_utf8_lossy(&bearer).into_owned(),
    }))
}

/// Deletes every token, answering how many there were. A data-key rotation does this instead of re-sealing
/// them: a token lives a minute, the rotation runs with every instance stopped, and a token the UI asked for
/// before is simply asked for again; nothing sealed under the old key is left behind.
pub(crate) async fn delete_all(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(row::Entity::delete_many().exec(conn).await?.rows_affected)
}
