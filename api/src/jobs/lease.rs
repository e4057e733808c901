//! The job runner's lease: with several instances on one database, only the one holding the `job-runner` lease
//! runs the loop's work (scheduled syncs, register sweeps, quarter closes, digests, deliveries, queued jobs). A
//! heartbeat of its own renews it every third of its time to live, so a long job never lets it lapse; when the
//! holder dies, another instance takes it over once it lapses and first cleans up the jobs the dead one left
//! running.
//!
//! Lease times in the database come from the injected clock, so the instances' clocks must agree to well within
//! a third of the time to live (NTP does). Locally, the runner trusts a claim only for two thirds of the time to
//! live after it was asked, measured on this process's monotonic clock: a process that stalled past that works
//! no more until a fresh claim says it still holds the lease.

use sea_orm::DatabaseConnection;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::clock::SharedClock;
use crate::domain::lease::{Claim, InstanceId};
use crate::store::leases;

/// The name of the job runner's lease in the `leases` table.
pub const JOB_RUNNER: &str = "job-runner";

/// The shortest time to live a lease is given, so the heartbeat never spins.
const SHORTEST_TTL: Duration = Duration::from_millis(300);
/// How often an instance without the lease asks for it (a read while another holds it): a lease given back at a
/// graceful shutdown is taken over within this, however long the time to live.
const STANDBY_POLL: Duration = Duration::from_secs(1);

/// This instance's claim on the job runner's lease.
pub struct RunnerLease {
    db: DatabaseConnection,
    clock: SharedClock,
    instance: InstanceId,
    ttl: Duration,
    /// Until when (on the monotonic clock) the last successful claim is trusted; none while not held.
    trusted_until: Mutex<Option<Instant>>,
    /// How many times this instance has taken the lease (not renewed it): each time, the runner cleans up after
    /// the previous holder.
    taken: AtomicU64,
    /// Told when the lease is taken, so the runner starts at once instead of on its next tick.
    gained: Notify,
    /// Held by each claim and by the final stop, so no claim lands after the lease was given back; `true` once
    /// stopped.
    stopped: tokio::sync::Mutex<bool>,
}

impl RunnerLease {
    /// A lease for this process (a fresh random instance id) on `db`, asked for `ttl` at a time.
    pub fn new(db: DatabaseConnection, clock: SharedClock, ttl: Duration) -> Self {
        Self {
            db,
            clock,
            instance: InstanceId::random(),
            ttl: ttl.max(SHORTEST_TTL),
            trusted_until: Mutex::new(None),
            taken: AtomicU64::new(0),
            gained: Notify::new(),
            stopped: tokio::sync::Mutex::new(false),
        }
    }

    /// Starts the heartbeat until [`Self::stop`]: a claim now, then one every third of the time to live while
    /// this instance holds the lease, and at least every [`STANDBY_POLL`] while it does not.
    pub fn start_heartbeat(self: &std::sync::Arc<Self>) {
        let lease = std::sync::Arc::clone(self);
        tokio::spawn(async move {
            while lease.beat().await {
                let every = if lease.holds() { lease.ttl / 3 } else { (lease.ttl / 3).min(STANDBY_POLL) };
                tokio::time::sleep(every).await;
            }
        });
    }

    /// Whether this instance may do the runner's work now.
    pub fn holds(&self) -> bool {
        self.trusted_until.lock().map(|until| until.is_some_and(|t| Instant::now() < t)).unwrap_or(false)
    }

    /// How many times this instance has taken the lease. When it has taken it again since the runner last
    /// recovered, the runner recovers the jobs the previous holder (a crashed one, or this process's predecessor)
    /// left running before it runs any.
    pub fn takes(&self) -> u64 {
        self.taken.load(Ordering::Acquire)
    }

    /// Waits until the lease is taken.
    pub async fn gained(&self) {
        self.gained.notified().await;
    }

    /// One claim; `false` once the lease is stopped.
    async fn beat(&self) -> bool {
        let stopped = self.stopped.lock().await;
        if *stopped {
            return false;
        }
        let asked = Instant::now();
        match leases::claim(&self.db, self.clock.as_ref(), JOB_RUNNER, &self.instance, self.ttl).await {
            Ok(claim) => {
                let was_held = self.holds();
                let trusted = claim.held().then(|| asked + self.ttl * 2 / 3);
                if let Ok(mut until) = self.trusted_until.lock() {
                    *until = trusted;
                }
                match claim {
                    Claim::Take { previous } => {
                        tracing::info!(instance = %self.instance, previous = ?previous.map(|p| p.to_string()), "took the job runner's lease");
                        self.taken.fetch_add(1, Ordering::AcqRel);
                        self.gained.notify_one();
                    }
                    Claim::Renew if !was_held => self.gained.notify_one(),
                    Claim::Renew => {}
                    Claim::Refuse { holder, until } if was_held => {
                        tracing::warn!(instance = %self.instance, %holder, %until, "lost the job runner's lease")
                    }
                    Claim::Refuse { .. } => {}
                }
            }
            // The trust of the last claim runs out by itself: nothing to undo here.
            Err(e) => tracing::warn!(instance = %self.instance, error = %e, "could not renew the job runner's lease"),
        }
        true
    }

    /// Ends the heartbeat. With `give_back`, the lease is released so another instance takes it over at once
    /// (a rolling restart); without, it lapses by itself: a job is still running here, and the next holder, which
    /// recovers the jobs left running, must not start it again while this process may still be finishing it.
    pub async fn stop(&self, give_back: bool) {
        let mut stopped = self.stopped.lock().await;
        *stopped = true;
        if let Ok(mut until) = self.trusted_until.lock() {
            *until = None;
        }
        if !give_back {
            return;
        }
        match leases::release(&self.db, JOB_RUNNER, &self.instance).await {
            Ok(true) => tracing::info!(instance = %self.instance, "gave the job runner's lease back"),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(instance = %self.instance, error = %e, "could not give the job runner's lease back")
            }
        }
    }
}
