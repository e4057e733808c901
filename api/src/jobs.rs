//! The in-process job runner: takes due jobs from the `jobs` table one at a time and runs them. It wakes when a
//! job is queued and checks the injected clock once a second for jobs due later (write-back retries), the
//! register's expiries and review reminders, the weekly digests that fall due, the tenants' daily syncs, and
//! notifications to deliver through the tenants' alert channels. With several instances on one database, only
//! the one holding the runner's lease (`lease.rs`) does any of this.

pub mod lease;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};

use crate::export::delivery::{Dispatcher, Sender};
use crate::export::graph_write_back::GraphWriter;
use crate::import::run::Importer;
use crate::store::connectors::ConnectorKind;
use crate::store::import_runs::{self, RunError};
use crate::store::jobs::{self, ClaimedJob, JobKind};
use crate::store::write_backs;
use lease::RunnerLease;

/// How long a stopping runner waits for the job it is running before it leaves the lease to lapse.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Runs persisted jobs in the background.
pub struct JobRunner {
    importer: Importer,
    writer: GraphWriter,
    dispatcher: Dispatcher,
    /// A delivery pass is under way (it runs beside the loop, never in it).
    delivering: AtomicBool,
    wake: Notify,
    finished: watch::Sender<u64>,
    /// The day quarter closing last ran.
    quarters_checked: tokio::sync::Mutex<Option<chrono::NaiveDate>>,
    /// Only the holder of this lease runs the loop's work.
    lease: Arc<RunnerLease>,
    /// Held while the loop works, so a stop can wait for the job under way.
    working: tokio::sync::Mutex<()>,
    /// Set by [`Self::stop`]: the loop starts nothing more.
    stopping: AtomicBool,
}

impl JobRunner {
    /// A runner that imports through `importer`, and writes back and delivers notifications (through `sender`) with
    /// the same database, clock and key, while it holds the runner's lease (asked for `lease_ttl` at a time).
    pub fn new(importer: Importer, sender: Sender, lease_ttl: Duration) -> Arc<Self> {
        let writer = GraphWriter {
            db: importer.db.clone(),
            clock: importer.clock.clone(),
            data_key: importer.data_key.clone(),
            retry: importer.retry.clone(),
        };
        let dispatcher = Dispatcher {
            db: importer.db.clone(),
            clock: importer.clock.clone(),
            data_key: importer.data_key.clone(),
            sender,
        };
        let lease = Arc::new(RunnerLease::new(importer.db.clone(), importer.clock.clone(), lease_ttl));
        Arc::new(Self {
            importer,
            writer,
            dispatcher,
            delivering: AtomicBool::new(false),
            wake: Notify::new(),
            finished: watch::Sender::new(0),
            quarters_checked: tokio::sync::Mutex::new(None),
            lease,
            working: tokio::sync::Mutex::new(()),
            stopping: AtomicBool::new(false),
        })
    }

    /// Tells the runner a job was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Ticks once for every job that finishes (and every register sweep, quarter close or digest round that wrote
    /// something), so callers can wait for work without polling on a timer.
    pub fn finished(&self) -> watch::Receiver<u64> {
        self.finished.subscribe()
    }

    /// Starts the lease's heartbeat and the loop: while this instance holds the lease, it recovers the jobs the
    /// previous holder left running (each time it takes the lease), then runs scheduled work and jobs until the
    /// process ends or [`Self::stop`].
    pub fn start(self: &Arc<Self>) {
        self.lease.start_heartbeat();
        let runner = Arc::clone(self);
        tokio::spawn(async move {
            // The lease's takes the runner has recovered after; a failed recovery is tried again next round.
            let mut recovered = 0;
            loop {
                if let Some(_working) = runner.may_work().await {
                    let takes = runner.lease.takes();
                    if takes != recovered && runner.recover().await {
                        recovered = takes;
                    }
                    runner.start_scheduled_syncs().await;
                    runner.sweep_register().await;
                    runner.close_quarters().await;
                    runner.write_digests().await;
                    runner.deliver();
                    while runner.may_go_on() && runner.run_next().await {}
                }
                tokio::select! {
                    _ = runner.wake.notified() => {}
                    _ = runner.lease.gained() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        });
    }

    /// Stops the runner for a graceful shutdown: it starts nothing more, waits a while for the job under way, and
    /// gives the lease back when none is, so another instance carries on at once.
    pub async fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        match tokio::time::timeout(STOP_GRACE, self.working.lock()).await {
            Ok(_idle) => self.lease.stop(true).await,
            Err(_) => {
                tracing::warn!("a job is still running at shutdown: the job runner's lease is left to lapse");
                self.lease.stop(false).await;
            }
        }
    }

    /// Whether the loop may start more work: not stopping, and holding the lease.
    fn may_go_on(&self) -> bool {
        !self.stopping.load(Ordering::Acquire) && self.lease.holds()
    }

    /// The loop's right to work this round, when it has one.
    async fn may_work(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        if !self.may_go_on() {
            return None;
        }
        let working = self.working.lock().await;
        // Checked again under the guard: a stop that came in between must find the loop idle.
        self.may_go_on().then_some(working)
    }

    /// Queues again (or fails, after too many attempts) the jobs left running by whoever held the lease before;
    /// `false` when that could not be done.
    async fn recover(&self) -> bool {
        let now = self.importer.clock.now();
        match jobs::recover(&self.importer.db, now).await {
            Ok(abandoned) => {
                for (kind, payload) in abandoned {
                    self.abandon(kind, &payload).await;
                }
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "could not recover interrupted jobs");
                false
            }
        }
    }

    /// Once a day (on the injected clock): snapshot the board report of a quarter that has just ended and close
    /// its plans, so a past quarter never shows later figures.
    async fn close_quarters(&self) {
        let today = self.importer.clock.now().date_naive();
        let mut checked = self.quarters_checked.lock().await;
        if *checked == Some(today) {
            return;
        }
        match crate::store::board::close_quarters(&self.importer.db, self.importer.clock.now()).await {
            Ok(taken) => {
                *checked = Some(today);
                if taken > 0 {
                    self.finished.send_modify(|n| *n += 1);
                }
            }
            Err(e) => tracing::error!(error = %e, "could not close the ended quarter"),
        }
    }

    /// Queues each tenant's daily sync when its slot comes (once per slot, once to catch up after downtime). A
    /// connector whose previous import is still going is skipped, so one tenant's syncs never overlap.
    async fn start_scheduled_syncs(&self) {
        let now = self.importer.clock.now();
        let due = match crate::store::sync_schedule::claim_due(&self.importer.db, now).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "could not read the sync schedules");
                return;
            }
        };
        let actor = crate::domain::audit::Actor::system("schedule");
        for sync in due {
            for kind in sync.connectors {
                match self.importer.queue_connector(sync.tenant, &actor, kind, true).await {
                    Ok(run) => {
                        tracing::info!(tenant = %sync.tenant, run = %run.id, kind = kind.as_str(), "scheduled sync queued")
                    }
                    Err(crate::import::error::ImportError::AlreadyRunning(run)) => {
                        tracing::info!(tenant = %sync.tenant, %run, "scheduled sync skipped: the previous one is still running")
                    }
                    Err(e) => tracing::error!(tenant = %sync.tenant, error = %e, "could not queue a scheduled sync"),
                }
            }
        }
    }

    /// Expiries and review reminders of the risk-acceptance register; a tick of `finished` when it wrote any.
    async fn sweep_register(&self) {
        match crate::store::register::sweep::sweep(&self.importer.db, self.importer.clock.now()).await {
            Ok(report) if report.changed() => self.finished.send_modify(|n| *n += 1),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "could not sweep the risk-acceptance register"),
        }
    }

    /// Weekly digests whose scheduled time has come (once per tenant and week); a tick of `finished` when it wrote
    /// any.
    async fn write_digests(&self) {
        match crate::export::digest::write_due(&self.importer.db, self.importer.clock.now()).await {
            Ok(written) if written > 0 => self.finished.send_modify(|n| *n += 1),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "could not write the weekly digests"),
        }
    }

    /// Starts a pass over the notification outbox beside the loop, unless one is still under way: a slow receiver
    /// never holds imports or write-backs. A tick of `finished` when the pass made any attempt.
    fn deliver(self: &Arc<Self>) {
        if self.delivering.swap(true, Ordering::AcqRel) {
            return;
        }
        let runner = Arc::clone(self);
        tokio::spawn(async move {
            // Cleared on drop, so even a pass that ends abnormally does not stop delivery for good.
            let _pass = DeliveryPass(&runner.delivering);
            match runner.dispatcher.drain().await {
                Ok(0) => {}
                Ok(_) => runner.finished.send_modify(|n| *n += 1),
                Err(e) => tracing::error!(error = %e, "could not deliver notifications"),
            }
        });
    }

    /// Runs one due job; `false` when there was none.
    async fn run_next(&self) -> bool {
        let now = self.importer.clock.now();
        let job = match jobs::claim_due(&self.importer.db, now).await {
            Ok(Some(job)) => job,
            Ok(None) => return false,
            Err(e) => {
                tracing::error!(error = %e, "could not claim a job");
                return false;
            }
        };
        let outcome = self.run(&job).await;
        if let Err(e) = jobs::finish(&self.importer.db, job.id, self.importer.clock.now(), outcome).await {
            tracing::error!(job = %job.id, error = %e, "could not record a finished job");
        }
        self.finished.send_modify(|n| *n += 1);
        true
    }

    async fn run(&self, job: &ClaimedJob) -> Result<(), String> {
        match (job.kind, job.tenant) {
            (Some(JobKind::ConnectorImport), Some(tenant)) => {
                let (run_id, kind) = connector_payload(&job.payload).ok_or("malformed connector import payload")?;
                self.importer.run_connector(tenant, run_id, kind, &|_| {}).await.map(|_| ()).map_err(|e| e.to_string())
            }
            (Some(JobKind::GraphWriteBack), Some(_)) => {
                let id = write_back_payload(&job.payload).ok_or("malformed write-back payload")?;
                self.writer.send(id).await
            }
            _ => Err(format!("job {} has an unknown kind or no tenant", job.id)),
        }
    }

    /// Ends the work of a job that restarts interrupted too often, so it shows as failed where people look.
    async fn abandon(&self, kind: Option<JobKind>, payload: &serde_json::Value) {
        let now = self.importer.clock.now();
        let db = &self.importer.db;
        let outcome = match kind {
            Some(JobKind::ConnectorImport) => match connector_payload(payload) {
                Some((run_id, _)) => {
                    let why = RunError::message("interrupted by restarts too often; start the import again");
                    import_runs::fail(db, run_id, now, &[why]).await
                }
                None => Ok(()),
            },
            Some(JobKind::GraphWriteBack) => match write_back_payload(payload) {
                Some(id) => write_backs::abandon(db, now, id, "interrupted by restarts too often; retry it").await,
                None => Ok(()),
            },
            None => Ok(()),
        };
        if let Err(e) = outcome {
            tracing::error!(error = %e, "could not record abandoned work");
        }
    }
}

/// Marks the end of a delivery pass when dropped.
struct DeliveryPass<'a>(&'a AtomicBool);

impl Drop for DeliveryPass<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

fn write_back_payload(payload: &serde_json::Value) -> Option<uuid::Uuid> {
    payload.get("write_back_id")?.as_str()?.parse().ok()
}

fn connector_payload(payload: &serde_json::Value) -> Option<(uuid::Uuid, ConnectorKind)> {
    let run_id = payload.get("run_id")?.as_str()?.parse().ok()?;
    let kind = serde_json::from_value(payload.get("kind")?.clone()).ok()?;
    Some((run_id, kind))
}
