//! The sign-in throttle's rules. After too many failed sign-ins for one username in a short window, that username
//! is refused for a while; it counts any username, existing or not, so it tells an attacker nothing about
//! accounts. A client address that fails across many usernames (password spraying) is refused the same way, with
//! a higher limit so that a shared office address is not locked by one person's typos.
//!
//! The failures themselves live in the database (`store::sign_in_failures`), so every instance behind a load
//! balancer counts the same ones; this module only decides, from a subject's recorded failures, whether it is
//! locked and whether one more failure starts a lock.

use chrono::{DateTime, Duration, Utc};
use std::net::IpAddr;

/// Failures allowed inside [`WINDOW`] for one username before it is locked.
pub const MAX_FAILURES: usize = 5;
/// Failures allowed inside [`WINDOW`] from one client address before it is locked.
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;
/// How far back failures count, and how long a lock lasts.
pub const WINDOW: Duration = Duration::minutes(15);

/// What failures are counted against, and a lock is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A username as typed at sign-in, normalised (see [`Subject::username`]); it need not exist.
    Username(String),
    /// The connection's client address.
    Address(IpAddr),
}

/// The kind of a [`Subject`], as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Username,
    Address,
}

impl SubjectKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Username => "username",
            SubjectKind::Address => "address",
        }
    }

    /// The failure inside [`WINDOW`] that starts a lock on a subject of this kind.
    pub fn max_failures(self) -> usize {
        match self {
            SubjectKind::Username => MAX_FAILURES,
            SubjectKind::Address => MAX_FAILURES_PER_ADDRESS,
        }
    }
}

impl Subject {
    /// The username subject for a name as typed: trimmed and lower-cased, the way usernames are stored, so
    /// `Bob ` and `bob` are one subject.
    pub fn username(typed: &str) -> Self {
        Subject::Username(typed.trim().to_lowercase())
    }

    /// The address subject; an IPv4 address reached over IPv6 (`::ffff:a.b.c.d`) is the IPv4 address, so one
    /// client is one subject whichever way it connects.
    pub fn address(address: IpAddr) -> Self {
        Subject::Address(address.to_canonical())
    }

    pub fn kind(&self) -> SubjectKind {
        match self {
            Subject::Username(_) => SubjectKind::Username,
            Subject::Address(_) => SubjectKind::Address,
        }
    }

    /// The subject as text: the normalised username or the address.
    pub fn text(&self) -> String {
        match self {
            Subject::Username(name) => name.clone(),
            Subject::Address(address) => address.to_string(),
        }
    }
}

/// One recorded failed sign-in of a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    pub at: DateTime<Utc>,
    /// Set on the failure that started a lock: when the lock ends. Such a failure is spent: it no longer counts
    /// towards another lock.
    pub locked_until: Option<DateTime<Utc>>,
}

/// A lock that a failure started, to be recorded in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockStarted {
    pub on: Subject,
    pub until: DateTime<Utc>,
}

/// Until when a subject with these recorded failures is locked at `now`, if it is.
pub fn locked_until(failures: &[Failure], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    failures.iter().filter_map(|f| f.locked_until).filter(|until| *until > now).max()
}

/// Until when a sign-in is refused: the later end when both its username and its address are locked.
pub fn refused_until(username: Option<DateTime<Utc>>, address: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    username.max(address)
}

/// Whether a recorded failure still counts towards a lock at `now`: inside the window and not spent on a lock.
pub fn counts(failure: &Failure, now: DateTime<Utc>) -> bool {
    failure.locked_until.is_none() && now - failure.at < WINDOW
}

/// The end of the lock that a new failure at `now` starts, given the subject's earlier failures: the failure
/// that brings the count inside the window to the kind's limit starts it. The subject's counted failures are
/// then spent: after the lock, counting starts again from none.
pub fn lock_started_by(kind: SubjectKind, earlier: &[Failure], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let counted = earlier.iter().filter(|f| counts(f, now)).count() + 1;
    (counted >= kind.max_failures()).then(|| now + WINDOW)
}

/// Recorded failures at or before this time no longer count at `now`.
pub fn counted_after(now: DateTime<Utc>) -> DateTime<Utc> {
    now - WINDOW
}

/// Whether a recorded failure can be forgotten at `now`: it no longer counts and holds no running lock. The
/// store prunes these on every write, so the failures kept are only those of the last [`WINDOW`].
pub fn is_stale(failure: &Failure, now: DateTime<Utc>) -> bool {
    failure.at <= counted_after(now) && failure.locked_until.is_none_or(|until| until <= now)
}

#[cfg(test)]
mod tests;
