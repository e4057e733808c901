//! The sign-in throttle's failures, in the database so that every instance on it counts the same ones: an
//! attacker spreading guesses over several instances behind a load balancer gets no more tries than against one.
//! The rules (when a subject is locked, which failure starts a lock, which rows are stale) are
//! `domain::sign_in_throttle`'s; this module reads and writes the rows they decide on.
//!
//! A subject is stored as a keyed digest ([`DataKey::keyed_digest`]) of its text, never the text: what is typed
//! as a username is sometimes a password (typed into the wrong field), and a failed sign-in for a username that
//! does not exist is counted too, so the table would otherwise keep guesses and mistyped secrets in clear. A
//! plain hash of a short, guessable text is no protection (try each guess and compare); the digest is keyed
//! by the data key, which every instance on a database shares, so they all find the same rows. The address is
//! digested the same way: the table names nobody. The audit row of a lock still names its subject, as it
//! always has: a lock is an event an admin must be able to read.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
};

use super::audit::{self, Change};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::sign_in_throttle::{self as rules, Failure, LockStarted, Subject};
use crate::entities::sign_in_failure as row;
use crate::secrets::DataKey;

/// What a subject's digest is keyed for, by kind, so a username and an address with the same text differ.
fn digest_of(key: &DataKey, subject: &Subject) -> Result<String, StoreError> {
    Ok(key.keyed_digest(&format!("sign_in_failure:{}", subject.kind().as_str()), &subject.text())?)
}

fn of_subject(key: &DataKey, subject: &Subject) -> Result<Condition, StoreError> {
    Ok(Condition::all()
        .add(row::Column::Kind.eq(subject.kind().as_str()))
        .add(row::Column::KeyDigest.eq(digest_of(key, subject)?)))
}

/// The recorded failures of `subject` that may still matter at `now` (counted, or holding a running lock).
async fn failures_of(
    conn: &impl ConnectionTrait,
    key: &DataKey,
    subject: &Subject,
    now: DateTime<Utc>,
) -> Result<Vec<Failure>, StoreError> {
    let rows = row::Entity::find()
        .filter(of_subject(key, subject)?)
        .filter(
            Condition::any()
                .add(row::Column::FailedAt.gt(rules::counted_after(now)))
                .add(row::Column::LockedUntil.gt(now)),
        )
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| Failure { at: r.failed_at, locked_until: r.locked_until }).collect())
}

/// Until when a sign-in as `username` from `address` is refused at `now`, if it is.
pub async fn refused_until(
    db: &DatabaseConnection,
    key: &DataKey,
    username: &Subject,
    address: Option<&Subject>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let by_username = rules::locked_until(&failures_of(db, key, username, now).await?, now);
    let by_address = match address {
        Some(address) => rules::locked_until(&failures_of(db, key, address, now).await?, now),
        None => None,
    };
    Ok(rules::refused_until(by_username, by_address))
}

/// Records a failed sign-in against the username and the address, in one write transaction so that instances
/// failing the same subject at once count every failure and start its lock once; appends an audit row for
/// each lock started, and answers them. Stale rows of every subject are pruned first, so the table holds at
/// most the failures of the last window however many usernames and addresses an attacker sprays.
pub async fn record(
    db: &DatabaseConnection,
    key: &DataKey,
    username: &Subject,
    address: Option<&Subject>,
    now: DateTime<Utc>,
) -> Result<Vec<LockStarted>, StoreError> {
    let tx = begin_write(db).await?;
    prune(&tx, now).await?;
    let mut started = Vec::new();
    for subject in std::iter::once(username).chain(address) {
        let earlier = failures_of(&tx, key, subject, now).await?;
        let locked_until = rules::lock_started_by(subject.kind(), &earlier, now);
        if let Some(until) = locked_until {
            // The counted failures are spent on this lock.
            forget_counted(&tx, key, subject).await?;
            audit_lock(&tx, now, subject, until).await?;
            started.push(LockStarted { on: subject.clone(), until });
        }
        row::ActiveModel {
            kind: Set(subject.kind().as_str().to_owned()),
            key_digest: Set(digest_of(key, subject)?),
            failed_at: Set(now),
            locked_until: Set(locked_until),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
    }
    tx.commit().await?;
    Ok(started)
}

/// A successful sign-in forgets the username's counted failures. A lock already started runs its course (a
/// success cannot happen during one: the check refuses first). The address keeps its count: signing in to
/// one's own account must not reset a spraying run from the same address. Reads before writing, so a sign-in
/// with nothing to forget takes no write lock.
pub async fn forget(db: &DatabaseConnection, key: &DataKey, username: &Subject) -> Result<(), StoreError> {
    let counted = Condition::all().add(of_subject(key, username)?).add(row::Column::LockedUntil.is_null());
    if row::Entity::find().filter(counted.clone()).one(db).await?.is_none() {
        return Ok(());
    }
    let tx = begin_write(db).await?;
    row::Entity::delete_many().filter(counted).exec(&tx).await?;
    tx.commit().await?;
    Ok(())
}

async fn forget_counted(conn: &impl ConnectionTrait, key: &DataKey, subject: &Subject) -> Result<(), StoreError> {
    row::Entity::delete_many()
        .filter(of_subject(key, subject)?)
        .filter(row::Column::LockedUntil.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes the failures that are stale at `now` (`domain::sign_in_throttle::is_stale`).
async fn prune(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), StoreError> {
    row::Entity::delete_many()
        .filter(row::Column::FailedAt.lte(rules::counted_after(now)))
        .filter(Condition::any().add(row::Column::LockedUntil.is_null()).add(row::Column::LockedUntil.lte(now)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Forgets every failure: their digests are keyed by the data key, so after a rotation they would never match
/// again. Answers how many there were.
pub(crate) async fn forget_all(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(row::Entity::delete_many().exec(conn).await?.rows_affected)
}

/// The platform audit row of a lock's start, naming its subject. Only the start of a lock is recorded, so a
/// guessing run cannot flood the trail.
async fn audit_lock(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    subject: &Subject,
    until: DateTime<Utc>,
) -> Result<(), StoreError> {
    let kind = match subject {
        Subject::Username(_) => "username",
        Subject::Address(_) => "client_address",
    };
    let text = subject.text();
    let actor = Actor::system("sign-in throttle");
    let change = Change::new(Chain::Platform, &actor, "sign_in", &text, "locked")
        .after(serde_json::json!({ kind: text, "locked_until": until }))
        .comment(format!("repeated failed sign-ins; {kind} refused until {until}"));
    audit::append(conn, at, change).await
}
