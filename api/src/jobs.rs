//! The in-process job runner: takes due jobs from the `jobs` table one at a time and runs them. It wakes when a
//! job is queued and checks the injected clock once a second for jobs due later. Later issues add scheduled
//! syncs, reminders and write-back retries as new job kinds.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

use crate::import::run::Importer;
use crate::store::connectors::ConnectorKind;
use crate::store::import_runs::{self, RunError};
use crate::store::jobs::{self, ClaimedJob, JobKind};

/// Runs persisted jobs in the background.
pub struct JobRunner {
    importer: Importer,
    wake: Notify,
    finished: watch::Sender<u64>,
}

impl JobRunner {
    /// A runner that does its work through `importer`.
    pub fn new(importer: Importer) -> Arc<Self> {
        Arc::new(Self { importer, wake: Notify::new(), finished: watch::Sender::new(0) })
    }

    /// Tells the runner a job was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Ticks once for every job that finishes, so callers can wait for work without polling on a timer.
    pub fn finished(&self) -> watch::Receiver<u64> {
        self.finished.subscribe()
    }

    /// Recovers jobs a restart interrupted, then runs jobs until the process ends.
    pub fn start(self: &Arc<Self>) {
        let runner = Arc::clone(self);
        tokio::spawn(async move {
            runner.recover().await;
            loop {
                while runner.run_next().await {}
                tokio::select! {
                    _ = runner.wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        });
    }

    async fn recover(&self) {
        let now = self.importer.clock.now();
        match jobs::recover(&self.importer.db, now).await {
            Ok(abandoned) => {
                for payload in abandoned {
                    self.fail_run(&payload, "interrupted by restarts too often; start the import again").await;
                }
            }
            Err(e) => tracing::error!(error = %e, "could not recover interrupted jobs"),
        }
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
            _ => Err(format!("job {} has an unknown kind or no tenant", job.id)),
        }
    }

    async fn fail_run(&self, payload: &serde_json::Value, why: &str) {
        let Some((run_id, _)) = connector_payload(payload) else { return };
        let now = self.importer.clock.now();
        if let Err(e) = import_runs::fail(&self.importer.db, run_id, now, &[RunError::message(why)]).await {
            tracing::error!(%run_id, error = %e, "could not fail an abandoned run");
        }
    }
}

fn connector_payload(payload: &serde_json::Value) -> Option<(uuid::Uuid, ConnectorKind)> {
    let run_id = payload.get("run_id")?.as_str()?.parse().ok()?;
    let kind = serde_json::from_value(payload.get("kind")?.clone()).ok()?;
    Some((run_id, kind))
}
