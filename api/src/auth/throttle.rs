//! Slows password guessing: after too many failed sign-ins for one username in a short window, that username is
//! refused for a while. It counts any username, existing or not, so it tells an attacker nothing about accounts.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

/// Failures allowed inside [`WINDOW`] before a username is locked.
pub const MAX_FAILURES: usize = 5;
/// How far back failures count, and how long a lock lasts.
pub const WINDOW: Duration = Duration::minutes(15);
/// Usernames tracked at most; beyond this, stale entries are dropped first.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Default)]
struct Attempts {
    failures: Vec<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

/// Failed sign-ins per username, in memory.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    attempts: Mutex<HashMap<String, Attempts>>,
}

impl LoginThrottle {
    /// `Err(until)` while `username` is locked.
    pub fn check(&self, username: &str, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let Ok(map) = self.attempts.lock() else { return Ok(()) };
        match map.get(username).and_then(|a| a.locked_until) {
            Some(until) if until > now => Err(until),
            _ => Ok(()),
        }
    }

    /// Records a failed sign-in; the one that reaches the limit starts the lock.
    pub fn fail(&self, username: &str, now: DateTime<Utc>) {
        let Ok(mut map) = self.attempts.lock() else { return };
        if map.len() >= MAX_TRACKED {
            map.retain(|_, a| a.failures.last().is_some_and(|t| now - *t < WINDOW));
        }
        let attempts = map.entry(username.to_owned()).or_default();
        attempts.failures.retain(|t| now - *t < WINDOW);
        attempts.failures.push(now);
        if attempts.failures.len() >= MAX_FAILURES {
            attempts.locked_until = Some(now + WINDOW);
            attempts.failures.clear();
        }
    }

    /// A successful sign-in forgets the failures.
    pub fn succeed(&self, username: &str) {
        if let Ok(mut map) = self.attempts.lock() {
            map.remove(username);
        }
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
            throttle.fail("bob", t0() + Duration::seconds(i));
            assert_eq!(throttle.check("bob", t0() + Duration::seconds(i)), Ok(()));
        }
        throttle.fail("bob", t0() + Duration::seconds(4));
        let until = t0() + Duration::seconds(4) + WINDOW;
        assert_eq!(throttle.check("bob", t0() + Duration::seconds(5)), Err(until));
        assert_eq!(throttle.check("alice", t0() + Duration::seconds(5)), Ok(()));
        assert_eq!(throttle.check("bob", until), Ok(()));
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let throttle = LoginThrottle::default();
        for i in 0..4 {
            throttle.fail("bob", t0() + Duration::seconds(i));
        }
        let later = t0() + WINDOW + Duration::seconds(10);
        throttle.fail("bob", later);
        assert_eq!(throttle.check("bob", later), Ok(()));
    }

    #[test]
    fn a_success_forgets_the_failures() {
        let throttle = LoginThrottle::default();
        for i in 0..4 {
            throttle.fail("bob", t0() + Duration::seconds(i));
        }
        throttle.succeed("bob");
        throttle.fail("bob", t0() + Duration::seconds(5));
        assert_eq!(throttle.check("bob", t0() + Duration::seconds(6)), Ok(()));
    }
}
