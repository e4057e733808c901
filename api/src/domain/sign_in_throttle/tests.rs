use super::*;
use chrono::TimeZone;
use std::collections::HashMap;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().unwrap_or_default()
}

fn at(seconds: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(seconds)
}

fn failed(seconds: i64) -> Failure {
    Failure { at: at(seconds), locked_until: None }
}

fn lock(seconds: i64) -> Failure {
    Failure { at: at(seconds), locked_until: Some(at(seconds) + WINDOW) }
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

#[test]
fn usernames_are_trimmed_and_lower_cased_and_ipv4_over_ipv6_is_the_ipv4_address() {
    assert_eq!(Subject::username("  Bob "), Subject::Username("bob".into()));
    assert_eq!(Subject::username("ÅSA"), Subject::Username("åsa".into()));
    assert_eq!(Subject::address(ip("::ffff:203.0.113.9")), Subject::Address(ip("203.0.113.9")));
    assert_eq!(Subject::address(ip("2001:db8::1")).text(), "2001:db8::1");
    assert_eq!(Subject::username("Bob").text(), "bob");
}

#[test]
fn each_kind_has_its_stored_name_and_its_limit() {
    assert_eq!(Subject::username("bob").kind(), SubjectKind::Username);
    assert_eq!(Subject::address(ip("203.0.113.9")).kind(), SubjectKind::Address);
    assert_eq!((SubjectKind::Username.as_str(), SubjectKind::Username.max_failures()), ("username", 5));
    assert_eq!((SubjectKind::Address.as_str(), SubjectKind::Address.max_failures()), ("address", 20));
}

#[test]
fn a_subject_is_locked_only_until_its_latest_lock_ends() {
    assert_eq!(locked_until(&[], at(0)), None);
    assert_eq!(locked_until(&[failed(0), failed(1)], at(2)), None, "failures alone do not lock");
    assert_eq!(locked_until(&[lock(0)], at(1)), Some(at(0) + WINDOW));
    assert_eq!(locked_until(&[lock(0)], at(0) + WINDOW), None, "the lock ends at its end");
    assert_eq!(locked_until(&[lock(0), lock(30)], at(40)), Some(at(30) + WINDOW), "the later of two");
}

#[test]
fn a_sign_in_is_refused_until_the_later_of_its_two_locks() {
    assert_eq!(refused_until(None, None), None);
    assert_eq!(refused_until(Some(at(5)), None), Some(at(5)));
    assert_eq!(refused_until(None, Some(at(7))), Some(at(7)));
    assert_eq!(refused_until(Some(at(9)), Some(at(7))), Some(at(9)));
    assert_eq!(refused_until(Some(at(7)), Some(at(9))), Some(at(9)));
}

#[test]
fn a_failure_counts_for_just_under_the_window_and_never_once_spent_on_a_lock() {
    assert!(counts(&failed(0), at(0)));
    assert!(counts(&failed(0), at(0) + WINDOW - Duration::seconds(1)));
    assert!(!counts(&failed(0), at(0) + WINDOW));
    assert!(!counts(&lock(0), at(1)));
}

#[test]
fn the_fifth_counted_failure_of_a_username_and_the_twentieth_of_an_address_start_a_lock() {
    let four: Vec<Failure> = (0..4).map(failed).collect();
    assert_eq!(lock_started_by(SubjectKind::Username, &four[..3], at(4)), None);
    assert_eq!(lock_started_by(SubjectKind::Username, &four, at(4)), Some(at(4) + WINDOW));
    let nineteen: Vec<Failure> = (0..19).map(failed).collect();
    assert_eq!(lock_started_by(SubjectKind::Address, &four, at(19)), None);
    assert_eq!(lock_started_by(SubjectKind::Address, &nineteen[..18], at(19)), None);
    assert_eq!(lock_started_by(SubjectKind::Address, &nineteen, at(19)), Some(at(19) + WINDOW));
}

#[test]
fn failures_outside_the_window_or_spent_on_a_lock_do_not_bring_a_lock_closer() {
    let four: Vec<Failure> = (0..4).map(failed).collect();
    assert_eq!(lock_started_by(SubjectKind::Username, &four, at(0) + WINDOW), None, "the first is too old");
    assert_eq!(lock_started_by(SubjectKind::Username, &four, at(3) + WINDOW), None);
    let after_a_lock = [lock(0), failed(1), failed(2), failed(3)];
    assert_eq!(lock_started_by(SubjectKind::Username, &after_a_lock, at(4)), None);
}

#[test]
fn a_failure_is_stale_once_outside_the_window_with_no_lock_running() {
    assert!(!is_stale(&failed(0), at(0) + WINDOW - Duration::seconds(1)));
    assert!(is_stale(&failed(0), at(0) + WINDOW));
    assert_eq!(counted_after(at(0) + WINDOW), at(0));
    assert!(!is_stale(&lock(0), at(0) + WINDOW - Duration::seconds(1)));
    assert!(is_stale(&lock(0), at(0) + WINDOW));
    let long_lock = Failure { at: at(0), locked_until: Some(at(0) + WINDOW * 2) };
    assert!(!is_stale(&long_lock, at(0) + WINDOW), "a running lock is kept however old its failure");
}

/// The failures of each subject as the store keeps them, driven only by the rules above: checks, records
/// failures (spending the counted ones when a lock starts), prunes stale ones and forgets a username.
#[derive(Default)]
struct Ledger(HashMap<String, Vec<Failure>>);

impl Ledger {
    fn key(subject: &Subject) -> String {
        format!("{}:{}", subject.kind().as_str(), subject.text())
    }

    fn check(&self, username: &str, address: Option<IpAddr>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let of = |subject: Subject| locked_until(self.0.get(&Self::key(&subject)).map_or(&[], |f| f), now);
        refused_until(of(Subject::username(username)), address.and_then(|a| of(Subject::address(a))))
    }

    fn fail(&mut self, username: &str, address: Option<IpAddr>, now: DateTime<Utc>) -> Vec<LockStarted> {
        self.0.values_mut().for_each(|failures| failures.retain(|f| !is_stale(f, now)));
        let subjects = std::iter::once(Subject::username(username)).chain(address.map(Subject::address));
        let mut started = Vec::new();
        for subject in subjects {
            let failures = self.0.entry(Self::key(&subject)).or_default();
            let until = lock_started_by(subject.kind(), failures, now);
            if until.is_some() {
                failures.retain(|f| f.locked_until.is_some());
            }
            failures.push(Failure { at: now, locked_until: until });
            started.extend(until.map(|until| LockStarted { on: subject, until }));
        }
        started
    }

    fn succeed(&mut self, username: &str) {
        if let Some(failures) = self.0.get_mut(&Self::key(&Subject::username(username))) {
            failures.retain(|f| f.locked_until.is_some());
        }
    }
}

#[test]
fn the_fifth_failure_locks_the_username_for_fifteen_minutes() {
    let mut ledger = Ledger::default();
    for i in 0..4 {
        assert_eq!(ledger.fail("bob", None, at(i)), vec![]);
        assert_eq!(ledger.check("bob", None, at(i)), None);
    }
    let until = at(4) + WINDOW;
    assert_eq!(ledger.fail("Bob", None, at(4)), vec![LockStarted { on: Subject::Username("bob".into()), until }]);
    assert_eq!(ledger.check("bob", None, at(5)), Some(until));
    assert_eq!(ledger.check(" BOB", None, at(5)), Some(until), "however it is typed");
    assert_eq!(ledger.check("alice", None, at(5)), None);
    assert_eq!(ledger.check("bob", None, until), None);
    assert_eq!(ledger.fail("bob", None, until), vec![], "counting starts again after the lock");
}

#[test]
fn failures_older_than_the_window_do_not_count_and_are_pruned() {
    let mut ledger = Ledger::default();
    for i in 0..4 {
        ledger.fail("bob", None, at(i));
    }
    let later = at(0) + WINDOW + Duration::seconds(10);
    assert_eq!(ledger.fail("alice", None, later), vec![]);
    assert_eq!(ledger.0.values().map(Vec::len).sum::<usize>(), 1, "only alice's failure is kept");
    assert_eq!(ledger.fail("bob", None, later), vec![]);
    assert_eq!(ledger.check("bob", None, later), None);
}

#[test]
fn a_success_forgets_the_failures() {
    let mut ledger = Ledger::default();
    for i in 0..4 {
        ledger.fail("bob", None, at(i));
    }
    ledger.succeed("bob");
    ledger.fail("bob", None, at(5));
    assert_eq!(ledger.check("bob", None, at(6)), None);
}

#[test]
fn an_address_spraying_many_usernames_is_locked_at_twenty_failures_and_keeps_its_count_on_success() {
    let mut ledger = Ledger::default();
    let (sprayer, colleague) = (ip("203.0.113.9"), ip("203.0.113.10"));
    for i in 0..19 {
        assert_eq!(ledger.fail(&format!("user{i}"), Some(sprayer), at(i)), vec![]);
        ledger.succeed("mallory");
    }
    let started = ledger.fail("user19", Some(sprayer), at(19));
    assert_eq!(started, vec![LockStarted { on: Subject::Address(sprayer), until: at(19) + WINDOW }]);
    assert_eq!(ledger.check("alice", Some(sprayer), at(19)), Some(at(19) + WINDOW), "every username");
    assert_eq!(ledger.check("alice", Some(colleague), at(19)), None, "other addresses are not affected");
    assert_eq!(ledger.check("alice", None, at(19)), None);
}

#[test]
fn one_failure_can_start_both_locks_and_both_answer_the_later_end() {
    let mut ledger = Ledger::default();
    let address = ip("2001:db8::1");
    for i in 0..19 {
        ledger.fail(&format!("user{i}"), Some(address), at(i));
    }
    for i in 0..4 {
        ledger.fail("bob", None, at(60) + Duration::seconds(i));
    }
    let both = ledger.fail("bob", Some(address), at(70));
    let until = at(70) + WINDOW;
    let expected =
        vec![LockStarted { on: Subject::username("bob"), until }, LockStarted { on: Subject::Address(address), until }];
    assert_eq!(both, expected);
    let mut ledger = Ledger::default();
    for i in 0..20 {
        ledger.fail(&format!("user{i}"), Some(address), at(i));
    }
    for i in 0..5 {
        ledger.fail("bob", None, t0() + Duration::minutes(5) + Duration::seconds(i));
    }
    let bob_until = t0() + Duration::minutes(5) + Duration::seconds(4) + WINDOW;
    assert_eq!(ledger.check("bob", Some(address), t0() + Duration::minutes(6)), Some(bob_until));
}

#[test]
fn a_locked_subject_never_holds_more_than_its_lock_and_a_limit_of_failures() {
    let mut ledger = Ledger::default();
    for i in 0..200 {
        ledger.fail("bob", None, at(i));
    }
    let kept = &ledger.0["username:bob"];
    assert!(kept.iter().filter(|f| f.locked_until.is_none()).count() < MAX_FAILURES, "{kept:?}");
}
