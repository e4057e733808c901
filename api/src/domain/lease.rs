//! Leases: a named piece of work (the job runner's loop) that exactly one instance on a database does at a time.
//! An instance takes the lease when it is free or its holder stopped renewing it, renews it while it works, and
//! gives it back when it shuts down. This module is the decision alone; `store::leases` applies it in one write
//! transaction.

use chrono::{DateTime, TimeDelta, Utc};
use std::fmt;

/// One running scoregrc process, told apart from the others on the same database by a random id (the process id
/// is in it too, so an operator reading the `leases` table can find the process).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceId(String);

impl InstanceId {
    /// A fresh id for this process: `pid <pid> <random uuid>`.
    pub fn random() -> Self {
        Self(format!("pid {} {}", std::process::id(), uuid::Uuid::new_v4().simple()))
    }

    /// The id as stored in `leases.holder`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for InstanceId {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A lease as stored: who holds it and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: InstanceId,
    pub expires_at: DateTime<Utc>,
}

/// What an instance asking for a lease gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The lease was free, or its holder let it lapse: the asker holds it now and must first clean up after
    /// whoever held it before (`previous`, none when nobody ever did or the last holder gave it back).
    Take { previous: Option<InstanceId> },
    /// The asker already held it and keeps it (even when it had lapsed, nobody else took it in between).
    Renew,
    /// Another instance holds it until `until`.
    Refuse { holder: InstanceId, until: DateTime<Utc> },
}

impl Claim {
    /// Whether the asker holds the lease after this claim.
    pub fn held(&self) -> bool {
        !matches!(self, Claim::Refuse { .. })
    }
}

/// Decides a claim on the lease `current` (none when nobody holds it) by `asker` at `now`. A lease is over from
/// the instant it expires, so two instances never both hold it at one instant of the clock.
pub fn claim(current: Option<&Lease>, asker: &InstanceId, now: DateTime<Utc>) -> Claim {
    match current {
        None => Claim::Take { previous: None },
        Some(lease) if &lease.holder == asker => Claim::Renew,
        Some(lease) if now >= lease.expires_at => Claim::Take { previous: Some(lease.holder.clone()) },
        Some(lease) => Claim::Refuse { holder: lease.holder.clone(), until: lease.expires_at },
    }
}

/// When a lease taken or renewed at `now` for `ttl` ends.
pub fn expiry(now: DateTime<Utc>, ttl: std::time::Duration) -> DateTime<Utc> {
    TimeDelta::from_std(ttl).ok().and_then(|ttl| now.checked_add_signed(ttl)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::time::Duration;

    fn at(second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, second).unwrap()
    }

    fn held_by(holder: &InstanceId, until: DateTime<Utc>) -> Lease {
        Lease { holder: holder.clone(), expires_at: until }
    }

    #[test]
    fn a_free_lease_is_taken_with_no_one_to_clean_up_after() {
        let me = InstanceId::random();
        assert_eq!(claim(None, &me, at(0)), Claim::Take { previous: None });
    }

    #[test]
    fn the_holder_renews_its_own_lease_even_after_it_lapsed() {
        let me = InstanceId::random();
        assert_eq!(claim(Some(&held_by(&me, at(15))), &me, at(5)), Claim::Renew);
        assert_eq!(claim(Some(&held_by(&me, at(15))), &me, at(40)), Claim::Renew);
    }

    #[test]
    fn a_live_lease_of_another_instance_is_refused() {
        let (me, other) = (InstanceId::random(), InstanceId::random());
        let refused = claim(Some(&held_by(&other, at(15))), &me, at(14));
        assert_eq!(refused, Claim::Refuse { holder: other, until: at(15) });
        assert!(!refused.held());
    }

    #[test]
    fn a_lapsed_lease_of_another_instance_is_taken_over_from_the_instant_it_expires() {
        let (me, dead) = (InstanceId::random(), InstanceId::random());
        let taken = claim(Some(&held_by(&dead, at(15))), &me, at(15));
        assert_eq!(taken, Claim::Take { previous: Some(dead) });
        assert!(taken.held());
    }

    #[test]
    fn instance_ids_differ_and_name_the_process() {
        let (a, b) = (InstanceId::random(), InstanceId::random());
        assert_ne!(a, b);
        assert!(a.as_str().starts_with(&format!("pid {} ", std::process::id())));
    }

    #[test]
    fn the_expiry_is_the_ttl_after_now_and_never_overflows() {
        assert_eq!(expiry(at(0), Duration::from_secs(15)), at(15));
        assert_eq!(expiry(at(0), Duration::MAX), DateTime::<Utc>::MAX_UTC);
    }
}
