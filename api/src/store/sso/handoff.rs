//! The two short-lived records of a browser sign-in: the attempt (`state`, `nonce`, PKCE verifier) from the
//! moment the browser leaves for the provider until it comes back, and the one-time code that hands the finished
//! sign-in to the web UI. Both are keyed by a SHA-256 (the values themselves never stored), live in the database
//! so any instance finishes what another started, and are taken once ([`crate::store::single_use`]).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use crate::domain::ids::UserId;
use crate::entities::{sso_attempt, sso_code};
use crate::secrets::DataKey;
use crate::store::{StoreError, begin_write, single_use};

/// A sign-in under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier the token request must send.
    pub code_verifier: String,
    /// The redirect URI the authorization request named; the token request must name it again.
    pub redirect_uri: String,
    pub expires_at: DateTime<Utc>,
}

fn purpose(state_sha256: &str) -> String {
    format!("sso_attempt:{state_sha256}")
}

/// Sign-ins under way at most. Starting one needs no credential, so without a bound a script could fill the table;
/// ten thousand in the ten minutes an attempt lives is far beyond any organisation signing in.
pub const MAX_ATTEMPTS_UNDER_WAY: u64 = 10_000;

/// Records an attempt under its state's digest, deleting expired ones first. `false` (nothing written) while
/// [`MAX_ATTEMPTS_UNDER_WAY`] sign-ins are under way.
pub async fn start_attempt(
    db: &DatabaseConnection,
    key: &DataKey,
    state_sha256: &str,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let sealed = key.seal(&purpose(state_sha256), attempt.code_verifier.as_bytes())?;
    let tx = begin_write(db).await?;
    sso_attempt::Entity::delete_many().filter(sso_attempt::Column::ExpiresAt.lte(now)).exec(&tx).await?;
    sso_code::Entity::delete_many().filter(sso_code::Column::ExpiresAt.lte(now)).exec(&tx).await?;
    if sso_attempt::Entity::find().count(&tx).await? >= MAX_ATTEMPTS_UNDER_WAY {
        tx.commit().await?;
        return Ok(false);
    }
    sso_attempt::ActiveModel {
        state_sha256: Set(state_sha256.to_owned()),
        nonce: Set(attempt.nonce.clone()),
        code_verifier_sealed: Set(sealed),
        redirect_uri: Set(attempt.redirect_uri.clone()),
        expires_at: Set(attempt.expires_at),
    }
    .insert(&tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Takes the attempt with this state digest: deletes it and answers it unless it has expired. `None` when there
/// is no such attempt, it expired, or another request took it first.
pub async fn take_attempt(
    db: &DatabaseConnection,
    key: &DataKey,
    state_sha256: &str,
    now: DateTime<Utc>,
) -> Result<Option<Attempt>, StoreError> {
    let Some(found) = single_use::take::<sso_attempt::Entity>(db, state_sha256).await? else { return Ok(None) };
    if found.expires_at <= now {
        return Ok(None);
    }
    let verifier = key.open(&purpose(state_sha256), &found.code_verifier_sealed)?;
    Ok(Some(Attempt {
        nonce: found.nonce,
        code_verifier: String::from_utf8_lossy(&verifier).into_owned(),
        redirect_uri: found.redirect_uri,
        expires_at: found.expires_at,
    }))
}

/// Records a one-time code for `user`, inside the sign-in's transaction.
pub(super) async fn issue_code(
    conn: &impl ConnectionTrait,
    code_sha256: &str,
    user: UserId,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sso_code::ActiveModel {
        code_sha256: Set(code_sha256.to_owned()),
        user_id: Set(user.0),
        expires_at: Set(expires_at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Takes the one-time code with this digest: deletes it and answers its user unless it has expired.
pub async fn redeem_code(
    db: &DatabaseConnection,
    code_sha256: &str,
    now: DateTime<Utc>,
) -> Result<Option<UserId>, StoreError> {
    let Some(found) = single_use::take::<sso_code::Entity>(db, code_sha256).await? else { return Ok(None) };
    if found.expires_at <= now {
        return Ok(None);
    }
    Ok(Some(UserId(found.user_id)))
}

/// Deletes every sign-in under way and every unused code, answering how many there were. A data-key rotation
/// does this instead of re-sealing verifiers that live minutes: a person mid-sign-in simply starts again.
pub async fn forget_all_in_flight(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let attempts = sso_attempt::Entity::delete_many().exec(conn).await?.rows_affected;
    let codes = sso_code::Entity::delete_many().exec(conn).await?.rows_affected;
    Ok(attempts + codes)
}
