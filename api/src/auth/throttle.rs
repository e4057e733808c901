//! Slows password guessing. After too many failed sign-ins for one username in a short window, that username is
//! refused for a while; it counts any username, existing or not, so it tells an attacker nothing about accounts.
//! A client address that fails across many usernames (password spraying) is refused the same way, with a higher
//! limit so that a shared office address is not locked by one person's typos.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Failures allowed inside [`WINDOW`] for one username before it is locked.
pub const MAX_FAILURES: usize = 5;
/// Failures allowed inside [`WINDOW`] from one client address before it is locked.
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;
/// How far back failures count, and how long a lock lasts.
pub const WINDOW: Duration = Duration::minutes(15);
/// Keys tracked at most per kind; beyond this, stale entries are dropped first.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Default)]
struct Attempts {
    failures: Vec<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

/// Failed sign-ins per key (a username or an address), in memory.
#[derive(Debug)]
pub struct FailureCounter {
    attempts: Mutex<HashMap<String, Attempts>>,
    max_failures: usize,
}

impl FailureCounter {
    /// Locks a key at its `max_failures`-th failure inside the window.
    pub fn new(max_failures: usize) -> Self {
        Self { attempts: Mutex::default(), max_failures }
    }

    /// `Err(until)` while `key` is locked.
    pub fn check(&self, key: &str, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let Ok(map) = self.attempts.lock() else { return Ok(()) };
        match map.get(key).and_then(|a| a.locked_until) {
            Some(until) if until > now => Err(until),
            _ => Ok(()),
        }
    }

    /// Records a failure; the one that reaches the limit starts the lock, and its end is returned.
    pub fn fail(&self, key: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let Ok(mut map) = self.attempts.lock() else { return None };
        if map.len() >= MAX_TRACKED {
            map.retain(|_, a| a.failures.last().is_some_and(|t| now - *t < WINDOW) || a.locked_until > Some(now));
        }
        let attempts = map.entry(key.to_owned()).or_default();
        attempts.failures.retain(|t| now - *t < WINDOW);
        attempts.failures.push(now);
        if attempts.failures.len() < self.max_failures {
            return None;
        }
        attempts.failures.clear();
        let until = now + WINDOW;
        attempts.locked_until = Some(until);
        Some(until)
    }

    /// Forgets the failures of `key`.
    pub fn forget(&self, key: &str) {
        if let Ok(mut map) = self.attempts.lock() {
            map.remove(key);
        }
    }
}

/// What a lock is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locked {
    Username(String),
    Address(IpAddr),
}

/// A lock that a failure started, to be recorded in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockStarted {
    pub on: Locked,
    pub until: DateTime<Utc>,
}

/// The sign-in throttle: per username and per client address.
#[derive(Debug)]
pub struct LoginThrottle {
    by_username: FailureCounter,
    by_address: FailureCounter,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            by_username: FailureCounter::new(MAX_FAILURES),
            by_address: FailureCounter::new(MAX_FAILURES_PER_ADDRESS),
        }
    }
}

impl LoginThrottle {
    /// `Err(until)` while the username or the address is locked (the later end when both are).
    pub fn check(&self, username: &str, address: Option<IpAddr>, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let by_address = address.map_or(Ok(()), |a| self.by_address.check(&a.to_string(), now));
        match (self.by_username.check(username, now), by_address) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(a.max(b)),
            (Err(until), _) | (_, Err(until)) => Err(until),
        }
    }

    /// Records a failed sign-in; answers the locks it started.
    pub fn fail(&self, username: &str, address: Option<IpAddr>, now: DateTime<Utc>) -> Vec<LockStarted> {
        let mut started = Vec::new();
        if let Some(until) = self.by_username.fail(username, now) {
            started.push(LockStarted { on: Locked::Username(username.to_owned()), until });
        }
        if let Some(address) = address
            && let Some(until) = self.by_address.fail(&address.to_string(), now)
        {
            started.push(LockStarted { on: Locked::Address(address), until });
        }
        started
    }

    /// A successful sign-in forgets the username's failures. The address keeps its count: signing in to one's own
    /// account must not reset a spraying run from the same address.
    pub fn succeed(&self, username: &str) {
        self.by_username.forget(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn the_fifth_failure_locks_the_username_for_fifteen_minutes() {
        let throttle = LoginThrottle::default();
        for i in 0..4 {
            throttle.fail("bob", None, t0() + Duration::seconds(i));
            assert_eq!(throttle.check("bob", None, t0() + Duration::seconds(i)), Ok(()));
        }
        let until = t0() + Duration::seconds(4) + WINDOW;
        let started = throttle.fail("bob", None, t0() + Duration::seconds(4));
        assert_eq!(started, vec![LockStarted { on: Locked::Username("bob".into()), until }]);
        assert_eq!(throttle.check("bob", None, t0() + Duration::seconds(5)), Err(until));
        assert_eq!(throttle.check("alice", None, t0() + Duration::seconds(5)), Ok(()));
        assert_eq!(throttle.check("bob", None, until), Ok(()));
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let throttle = LoginThrottle::default();
        for i in 0..4 {
            throttle.fail("bob", None, t0() + Duration::seconds(i));
        }
        let later = t0() + WINDOW + Duration::seconds(10);
        assert_eq!(throttle.fail("bob", None, later), vec![]);
        assert_eq!(throttle.check("bob", None, later), Ok(()));
    }

    #[test]
    fn a_success_forgets_the_failures() {
        let throttle = LoginThrottle::default();
        for i in 0..4 {
            throttle.fail("bob", None, t0() + Duration::seconds(i));
        }
        throttle.succeed("bob");
        throttle.fail("bob", None, t0() + Duration::seconds(5));
        assert_eq!(throttle.check("bob", None, t0() + Duration::seconds(6)), Ok(()));
    }

    #[test]
    fn an_address_spraying_many_usernames_is_locked_at_twenty_failures_and_keeps_its_count_on_success() {
        let throttle = LoginThrottle::default();
        let sprayer: IpAddr = "203.0.113.9".parse().unwrap();
        let colleague: IpAddr = "203.0.113.10".parse().unwrap();
        for i in 0..19 {
            let at = t0() + Duration::seconds(i);
            assert_eq!(throttle.fail(&format!("user{i}"), Some(sprayer), at), vec![]);
            throttle.succeed("mallory");
        }
        let at = t0() + Duration::seconds(19);
        let started = throttle.fail("user19", Some(sprayer), at);
        assert_eq!(started, vec![LockStarted { on: Locked::Address(sprayer), until: at + WINDOW }]);
        assert_eq!(throttle.check("alice", Some(sprayer), at), Err(at + WINDOW), "every username, from that address");
        assert_eq!(throttle.check("alice", Some(colleague), at), Ok(()), "other addresses are not affected");
        assert_eq!(throttle.check("alice", None, at), Ok(()));
    }

    #[test]
    fn both_locks_answer_the_later_end() {
        let throttle = LoginThrottle::default();
        let address: IpAddr = "2001:db8::1".parse().unwrap();
        for i in 0..20 {
            throttle.fail(&format!("user{i}"), Some(address), t0() + Duration::seconds(i));
        }
        for i in 0..5 {
            throttle.fail("bob", None, t0() + Duration::minutes(5) + Duration::seconds(i));
        }
        let now = t0() + Duration::minutes(6);
        let bob_until = t0() + Duration::minutes(5) + Duration::seconds(4) + WINDOW;
        assert_eq!(throttle.check("bob", Some(address), now), Err(bob_until));
    }
}
