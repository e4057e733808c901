//! Local accounts' second factors: the TOTP secret sealed with the data key, the last accepted time step, and the
//! recovery codes as digests. Every enrolment, disabling, reset, recovery-code use and refused code is recorded in
//! the platform trail, as entity `second_factor` with the user's id.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use serde::Serialize;
use std::collections::HashSet;

use super::audit::{self, Change};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::UserId;
use crate::domain::recovery_code::RecoveryCodes;
use crate::domain::totp::{CodeRefusal, TotpSecret};
use crate::entities::user_second_factor::{self as factor, Model};
use crate::secrets::DataKey;

const ENTITY: &str = "second_factor";

/// What a user's TOTP secret is sealed for (bound as associated data, so it opens only for that user).
pub(crate) fn sealed_purpose(user: uuid::Uuid) -> String {
    format!("second_factor:{user}")
}

/// Where an account's two-step sign-in stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SecondFactorStatus {
    /// Sign-in asks for a code.
    pub enabled: bool,
    pub enabled_at: Option<DateTime<Utc>>,
    /// An enrolment was started and waits for its first code.
    pub enrolment_pending: bool,
    /// Recovery codes not used yet.
    pub recovery_codes_left: usize,
}

/// What a sign-in or a change presents as proof of the second factor.
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    /// A code from the authenticator app.
    Code(&'a str),
    /// One of the recovery codes.
    RecoveryCode(&'a str),
}

/// Whether the proof was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Refused(CodeRefusal),
}

async fn find(conn: &impl ConnectionTrait, user: UserId) -> Result<Option<Model>, StoreError> {
    Ok(factor::Entity::find_by_id(user.0).one(conn).await?)
}

/// Whether `user` has two-step sign-in turned on.
pub async fn is_enabled(conn: &impl ConnectionTrait, user: UserId) -> Result<bool, StoreError> {
    Ok(find(conn, user).await?.is_some_and(|f| f.enabled_at.is_some()))
}

/// Which of `users` have two-step sign-in turned on (one query).
pub async fn enabled_among(
    conn: &impl ConnectionTrait,
    users: impl IntoIterator<Item = uuid::Uuid>,
) -> Result<HashSet<uuid::Uuid>, StoreError> {
    let rows = factor::Entity::find()
        .filter(factor::Column::UserId.is_in(users))
        .filter(factor::Column::EnabledAt.is_not_null())
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|f| f.user_id).collect())
}

/// Where `user`'s two-step sign-in stands.
pub async fn status(conn: &impl ConnectionTrait, user: UserId) -> Result<SecondFactorStatus, StoreError> {
    let row = find(conn, user).await?;
    Ok(SecondFactorStatus {
        enabled: row.as_ref().is_some_and(|f| f.enabled_at.is_some()),
        enabled_at: row.as_ref().and_then(|f| f.enabled_at),
        enrolment_pending: row.as_ref().is_some_and(|f| f.enabled_at.is_none()),
        recovery_codes_left: row.as_ref().map_or(0, |f| codes_of(f).remaining()),
    })
}

fn codes_of(row: &Model) -> RecoveryCodes {
    serde_json::from_str(&row.recovery_codes).unwrap_or_default()
}

fn codes_text(codes: &RecoveryCodes) -> String {
    serde_json::to_string(codes).unwrap_or_else(|_| "[]".into())
}

/// Starts an enrolment with `secret`, replacing any earlier unconfirmed one. Refused while two-step sign-in is on.
pub async fn begin_enrolment(
    db: &DatabaseConnection,
    key: &DataKey,
    now: DateTime<Utc>,
    user: UserId,
    secret: &TotpSecret,
) -> Result<(), StoreError> {
    let sealed = key.seal(&sealed_purpose(user.0), secret.as_bytes())?;
    let tx = begin_write(db).await?;
    let existing = find(&tx, user).await?;
    if existing.as_ref().is_some_and(|f| f.enabled_at.is_some()) {
        return Err(StoreError::Conflict("Two-step sign-in is already on: turn it off before enrolling again.".into()));
    }
    let row = factor::ActiveModel {
        user_id: Set(user.0),
        secret_sealed: Set(sealed),
        enabled_at: Set(None),
        last_used_step: Set(None),
        recovery_codes: Set(codes_text(&RecoveryCodes::default())),
        created_at: Set(now),
        updated_at: Set(now),
    };
    if existing.is_some() {
        row.update(&tx).await?;
    } else {
        row.insert(&tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Checks `proof` against `row` inside `tx`: on success stores the used step or the spent recovery code (and
/// records a recovery code's use), on refusal records the refusal. `during` names what the proof was for.
async fn prove(
    tx: &DatabaseTransaction,
    key: &DataKey,
    actor: &Actor,
    now: DateTime<Utc>,
    row: Model,
    proof: Proof<'_>,
    during: &str,
) -> Result<(Verdict, Model), StoreError> {
    let user = row.user_id;
    let secret = TotpSecret::from_bytes(key.open(&sealed_purpose(user), &row.secret_sealed)?);
    let unix = u64::try_from(now.timestamp()).unwrap_or_default();
    let last = row.last_used_step.and_then(|s| u64::try_from(s).ok());
    let mut codes = codes_of(&row);
    let (kind, refusal) = match proof {
        Proof::Code(code) => match secret.accept(code, unix, last) {
            Ok(step) => {
                let mut model = row.into_active_model();
                model.last_used_step = Set(Some(i64::try_from(step).unwrap_or(i64::MAX)));
                model.updated_at = Set(now);
                return Ok((Verdict::Accepted, model.update(tx).await?));
            }
            Err(refusal) => ("code", refusal),
        },
        Proof::RecoveryCode(typed) if codes.redeem(typed, now) => {
            let left = codes.remaining();
            let mut model = row.into_active_model();
            model.recovery_codes = Set(codes_text(&codes));
            model.updated_at = Set(now);
            let updated = model.update(tx).await?;
            let change = Change::new(Chain::Platform, actor, ENTITY, user, "use_recovery_code")
                .after(serde_json::json!({ "during": during, "recovery_codes_left": left }))
                .comment(format!("a recovery code was used; {left} left"));
            audit::append(tx, now, change).await?;
            return Ok((Verdict::Accepted, updated));
        }
        Proof::RecoveryCode(_) => ("recovery_code", CodeRefusal::Mismatch),
    };
    let change = Change::new(Chain::Platform, actor, ENTITY, user, "refuse_code")
        .after(serde_json::json!({ "during": during, "proof": kind, "reason": refusal.as_str() }));
    audit::append(tx, now, change).await?;
    Ok((Verdict::Refused(refusal), row))
}

/// Checks a sign-in's second factor for `user`, who has two-step sign-in on (else not found).
pub async fn sign_in(
    db: &DatabaseConnection,
    key: &DataKey,
    actor: &Actor,
    now: DateTime<Utc>,
    user: UserId,
    proof: Proof<'_>,
) -> Result<Verdict, StoreError> {
    let tx = begin_write(db).await?;
    let row = find(&tx, user).await?.filter(|f| f.enabled_at.is_some()).ok_or(StoreError::NotFound("second factor"))?;
    let (verdict, _) = prove(&tx, key, actor, now, row, proof, "sign_in").await?;
    tx.commit().await?;
    Ok(verdict)
}

/// Confirms the pending enrolment with its first code: two-step sign-in is on from now, with `recovery_codes`.
pub async fn confirm_enrolment(
    db: &DatabaseConnection,
    key: &DataKey,
    actor: &Actor,
    now: DateTime<Utc>,
    user: UserId,
    code: &str,
    recovery_codes: &[String],
) -> Result<Verdict, StoreError> {
    let tx = begin_write(db).await?;
    let row = find(&tx, user).await?.filter(|f| f.enabled_at.is_none()).ok_or_else(|| {
        StoreError::Conflict("No enrolment is waiting for a code: start one first (or it is already on).".into())
    })?;
    let (verdict, row) = prove(&tx, key, actor, now, row, Proof::Code(code), "enrolment").await?;
    if verdict == Verdict::Accepted {
        let mut model = row.into_active_model();
        model.enabled_at = Set(Some(now));
        model.recovery_codes = Set(codes_text(&RecoveryCodes::of(recovery_codes)));
        model.update(&tx).await?;
        let change = Change::new(Chain::Platform, actor, ENTITY, user, "enrol")
            .after(serde_json::json!({ "enabled": true, "recovery_codes_left": recovery_codes.len() }));
        audit::append(&tx, now, change).await?;
    }
    tx.commit().await?;
    Ok(verdict)
}

fn enabled(row: Option<Model>) -> Result<Model, StoreError> {
    row.filter(|f| f.enabled_at.is_some()).ok_or_else(|| StoreError::Conflict("Two-step sign-in is not on.".into()))
}

/// Turns `user`'s two-step sign-in off after checking `proof` (the password is the caller's to check).
pub async fn disable(
    db: &DatabaseConnection,
    key: &DataKey,
    actor: &Actor,
    now: DateTime<Utc>,
    user: UserId,
    proof: Proof<'_>,
) -> Result<Verdict, StoreError> {
    let tx = begin_write(db).await?;
    let row = enabled(find(&tx, user).await?)?;
    let (verdict, _) = prove(&tx, key, actor, now, row, proof, "disable").await?;
    if verdict == Verdict::Accepted {
        factor::Entity::delete_by_id(user.0).exec(&tx).await?;
        let change = Change::new(Chain::Platform, actor, ENTITY, user, "disable")
            .before(serde_json::json!({ "enabled": true }))
            .after(serde_json::json!({ "enabled": false }));
        audit::append(&tx, now, change).await?;
    }
    tx.commit().await?;
    Ok(verdict)
}

/// Replaces `user`'s recovery codes with `recovery_codes` after checking an authenticator `code`.
pub async fn replace_recovery_codes(
    db: &DatabaseConnection,
    key: &DataKey,
    actor: &Actor,
    now: DateTime<Utc>,
    user: UserId,
    code: &str,
    recovery_codes: &[String],
) -> Result<Verdict, StoreError> {
    let tx = begin_write(db).await?;
    let row = enabled(find(&tx, user).await?)?;
    let (verdict, row) = prove(&tx, key, actor, now, row, Proof::Code(code), "regenerate_recovery_codes").await?;
    if verdict == Verdict::Accepted {
        let left = codes_of(&row).remaining();
        let mut model = row.into_active_model();
        model.recovery_codes = Set(codes_text(&RecoveryCodes::of(recovery_codes)));
        model.update(&tx).await?;
        let change = Change::new(Chain::Platform, actor, ENTITY, user, "regenerate_recovery_codes")
            .before(serde_json::json!({ "recovery_codes_left": left }))
            .after(serde_json::json!({ "recovery_codes_left": recovery_codes.len() }));
        audit::append(&tx, now, change).await?;
    }
    tx.commit().await?;
    Ok(verdict)
}

/// An admin's reset: removes `user`'s second factor (on or pending), so they sign in with the password alone and
/// may enrol again. Not found when there is none.
pub async fn reset(db: &DatabaseConnection, actor: &Actor, now: DateTime<Utc>, user: UserId) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let row = find(&tx, user).await?.ok_or(StoreError::NotFound("second factor"))?;
    factor::Entity::delete_by_id(user.0).exec(&tx).await?;
    let change = Change::new(Chain::Platform, actor, ENTITY, user, "reset")
        .before(serde_json::json!({ "enabled": row.enabled_at.is_some() }))
        .after(serde_json::json!({ "enabled": false }))
        .comment("an admin reset the account's two-step sign-in");
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Re-seals every stored TOTP secret from `old` to `new` inside the rotation's transaction; answers how many.
pub(crate) async fn reseal(conn: &impl ConnectionTrait, old: &DataKey, new: &DataKey) -> Result<usize, StoreError> {
    let rows = factor::Entity::find().all(conn).await?;
    let count = rows.len();
    for row in rows {
        let purpose = sealed_purpose(row.user_id);
        let sealed = new.seal(&purpose, &old.open(&purpose, &row.secret_sealed)?)?;
        let mut row = row.into_active_model();
        row.secret_sealed = Set(sealed);
        row.update(conn).await?;
    }
    Ok(count)
}
