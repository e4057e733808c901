//! Running imports end to end: a file upload (synchronous), or a connector import queued as a job. Every run is
//! recorded; an import is applied in one transaction with its run and its audit row, or not at all.

use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use std::sync::Arc;

use super::defender::{self, DEFAULT_ARM_BASE_URL, DefenderConnector};
use super::error::ImportError;
use super::fetch::RetryPolicy;
use super::graph::{self, DEFAULT_GRAPH_BASE_URL, DEFAULT_LOGIN_BASE_URL, GraphConnector};
use super::{ImportBatch, portal};
use crate::clock::SharedClock;
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{Channel, Product};
use crate::domain::score::ScoreSummary;
use crate::secrets::DataKey;
use crate::store::connectors::{self, ConnectorKind};
use crate::store::import_apply::{self, ApplyContext};
use crate::store::import_runs::{self, ImportRun, NewRun, RunPhase};
use crate::store::jobs::{self, JobKind};
use crate::store::scores::{self, Snapshot};
use crate::store::{StoreError, audit, begin_write};
use readers::FileKind;
use readers::title::Catalog;

/// An uploaded file.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
    /// For an xlsx: the sheet to read (default: the first).
    pub sheet: Option<String>,
}

/// Everything imports need; cheap to clone.
#[derive(Clone)]
pub struct Importer {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    pub data_key: Arc<DataKey>,
    pub catalog: Arc<Catalog>,
    pub retry: RetryPolicy,
}

impl Importer {
    /// Imports an uploaded CSV or xlsx. A file that cannot be read is recorded as a failed run and nothing else
    /// is written.
    pub async fn import_file(&self, tenant: TenantId, actor: &Actor, upload: Upload) -> Result<ImportRun, ImportError> {
        let sha = hex::encode(Sha256::digest(&upload.bytes));
        let read = readers::detect(&upload.bytes).and_then(|kind| match kind {
            FileKind::Csv => readers::export::read_csv(&upload.bytes).map(|s| portal::batch_from(s, Channel::Csv)),
            FileKind::Xlsx => readers::export::read_xlsx(&upload.bytes, upload.sheet.as_deref())
                .map(|s| portal::batch_from(s, Channel::Xlsx)),
        });
        let channel = match &read {
            Ok(batch) => batch.channel,
            Err(_) if upload.bytes.starts_with(b"PK") => Channel::Xlsx,
            Err(_) => Channel::Csv,
        };
        let now = self.clock.now();
        let new_run = NewRun {
            tenant,
            source: channel,
            actor,
            file_name: upload.file_name,
            file_sha256: Some(sha),
            phase: RunPhase::Applying,
        };
        let run_id = import_runs::start(&self.db, now, new_run).await?;
        match read {
            Ok(batch) => self.apply_and_finish(tenant, run_id, actor, &batch).await,
            Err(err) => {
                let err = ImportError::Read(err);
                import_runs::fail(&self.db, run_id, self.clock.now(), &[err.run_error()]).await?;
                Err(err)
            }
        }
    }

    /// Records a connector import run and, with `as_job`, queues it for the job runner; answers the run as queued.
    /// Refuses while another import from the same connector is going for the tenant.
    pub async fn queue_connector(
        &self,
        tenant: TenantId,
        actor: &Actor,
        kind: ConnectorKind,
        as_job: bool,
    ) -> Result<ImportRun, ImportError> {
        let now = self.clock.now();
        let tx = begin_write(&self.db).await?;
        if connectors::get(&tx, tenant, kind).await?.is_none() {
            return Err(ImportError::NotConfigured(kind.as_str()));
        }
        let source = channel_of(kind);
        if let Some(running) = import_runs::unfinished(&tx, tenant, &[source]).await? {
            return Err(ImportError::AlreadyRunning(running));
        }
        let new_run = NewRun { tenant, source, actor, file_name: None, file_sha256: None, phase: RunPhase::Queued };
        let run_id = import_runs::start(&tx, now, new_run).await?;
        if as_job {
            let payload = serde_json::json!({ "run_id": run_id, "kind": kind.as_str() });
            jobs::enqueue(&tx, JobKind::ConnectorImport, Some(tenant), payload, now, now).await?;
        }
        let queued = import_runs::get(&tx, tenant, run_id).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(queued)
    }

    /// Runs a recorded connector import (the job's work, or the CLI's). Failures are recorded in the run;
    /// `observe` hears the number of pages fetched as it grows.
    pub async fn run_connector(
        &self,
        tenant: TenantId,
        run_id: uuid::Uuid,
        kind: ConnectorKind,
        observe: &(dyn Fn(u32) + Send + Sync),
    ) -> Result<ImportRun, ImportError> {
        let run = import_runs::get(&self.db, tenant, run_id).await?;
        let actor = Actor { kind: crate::domain::audit::ActorKind::System, id: None, name: run.actor_name.clone() };
        match self.fetch(tenant, run_id, kind, observe).await {
            Ok(batch) => self.apply_and_finish(tenant, run_id, &actor, &batch).await,
            Err(err) => {
                tracing::warn!(%tenant, %run_id, error = %err, "connector import failed");
                import_runs::fail(&self.db, run_id, self.clock.now(), &[err.run_error()]).await?;
                Err(err)
            }
        }
    }

    async fn fetch(
        &self,
        tenant: TenantId,
        run_id: uuid::Uuid,
        kind: ConnectorKind,
        observe: &(dyn Fn(u32) + Send + Sync),
    ) -> Result<ImportBatch, ImportError> {
        let opened = connectors::open(&self.db, &self.data_key, tenant, kind)
            .await?
            .ok_or(ImportError::NotConfigured(kind.as_str()))?;
        import_runs::progress(&self.db, run_id, RunPhase::Fetching, 0).await?;
        let (progress_tx, mut progress_rx) = tokio::sync::watch::channel(0u32);
        let db = self.db.clone();
        // Page counts are written as they come, so a poller sees the run move.
        let reporter = tokio::spawn(async move {
            while progress_rx.changed().await.is_ok() {
                let pages = *progress_rx.borrow();
                let _ = import_runs::progress(&db, run_id, RunPhase::Fetching, pages as i32).await;
            }
        });
        let on_page = |pages: u32| {
            observe(pages);
            let _ = progress_tx.send(pages);
        };
        let settings = opened.settings;
        let login_base_url = settings.login_base_url.clone().unwrap_or_else(|| DEFAULT_LOGIN_BASE_URL.to_owned());
        let result = match kind {
            ConnectorKind::Graph => {
                let connector = GraphConnector {
                    azure_tenant_id: settings.azure_tenant_id,
                    client_id: settings.client_id,
                    client_secret: opened.client_secret,
                    login_base_url,
                    graph_base_url: settings.graph_base_url.unwrap_or_else(|| DEFAULT_GRAPH_BASE_URL.to_owned()),
                };
                graph::fetch(&connector, self.retry.clone(), on_page).await
            }
            ConnectorKind::Defender => {
                let connector = DefenderConnector {
                    azure_tenant_id: settings.azure_tenant_id,
                    client_id: settings.client_id,
                    client_secret: opened.client_secret,
                    login_base_url,
                    arm_base_url: settings.arm_base_url.unwrap_or_else(|| DEFAULT_ARM_BASE_URL.to_owned()),
                    subscription_ids: settings.subscription_ids,
                };
                defender::fetch(&connector, self.retry.clone(), self.clock.now(), on_page).await
            }
        };
        drop(progress_tx);
        let _ = reporter.await;
        result
    }

    /// Applies a batch built in-process (the demo, tests), recorded as a run like any other.
    pub async fn apply_batch(
        &self,
        tenant: TenantId,
        actor: &Actor,
        batch: &ImportBatch,
    ) -> Result<ImportRun, ImportError> {
        let new_run = NewRun {
            tenant,
            source: batch.channel,
            actor,
            file_name: None,
            file_sha256: None,
            phase: RunPhase::Applying,
        };
        let run_id = import_runs::start(&self.db, self.clock.now(), new_run).await?;
        self.apply_and_finish(tenant, run_id, actor, batch).await
    }

    async fn apply_and_finish(
        &self,
        tenant: TenantId,
        run_id: uuid::Uuid,
        actor: &Actor,
        batch: &ImportBatch,
    ) -> Result<ImportRun, ImportError> {
        let now = self.clock.now();
        let applied = async {
            let tx = begin_write(&self.db).await?;
            import_runs::progress(&tx, run_id, RunPhase::Applying, current_pages(&tx, tenant, run_id).await?).await?;
            let ctx = ApplyContext { tenant, run_id, actor_name: &actor.name, now, catalog: &self.catalog };
            let mut report = import_apply::apply(&tx, &ctx, batch).await?;
            report.counts.snapshots = write_snapshots(&tx, tenant, now, batch, &report.score).await?;
            // Every completion Microsoft confirms gets its proof, as a person's completion does.
            crate::store::evidence::snapshots::record_confirmations(&tx, actor, now, tenant, &report.changes).await?;
            // Monitoring: a score drop beyond the tenant's threshold, and regressions, raise alerts.
            crate::store::alerts::raise_after_import(&tx, tenant, run_id, now, &report.changes).await?;
            let digest = import_runs::succeed(&tx, run_id, now, &report.counts, &report.changes).await?;
            let row = audit::Change::new(Chain::Tenant(tenant), actor, "import_run", run_id, "apply")
                .after(serde_json::json!({ "source": batch.channel, "counts": report.counts }));
            audit::append_bulk_sha256(&tx, now, row, run_id.to_string(), digest).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(report.changes)
        }
        .await;
        match applied {
            // The change list is in hand: answer with it rather than read it back.
            Ok(changes) => {
                let mut run = import_runs::get_without_changes(&self.db, tenant, run_id).await?;
                run.changes = Some(changes);
                Ok(run)
            }
            Err(err) => {
                tracing::error!(%tenant, %run_id, error = %err, "import rolled back");
                let err = ImportError::Store(err);
                import_runs::fail(&self.db, run_id, self.clock.now(), &[err.run_error()]).await?;
                Err(err)
            }
        }
    }
}

fn channel_of(kind: ConnectorKind) -> Channel {
    match kind {
        ConnectorKind::Graph => Channel::Graph,
        ConnectorKind::Defender => Channel::Defender,
    }
}

async fn current_pages(
    conn: &impl sea_orm::ConnectionTrait,
    tenant: TenantId,
    run_id: uuid::Uuid,
) -> Result<i32, StoreError> {
    Ok(import_runs::get(conn, tenant, run_id).await.map(|r| r.pages).unwrap_or(0))
}

/// Writes the batch's daily snapshots; a file brings none, so today's is the apply's sum of the items.
async fn write_snapshots(
    tx: &sea_orm::DatabaseTransaction,
    tenant: TenantId,
    now: chrono::DateTime<chrono::Utc>,
    batch: &ImportBatch,
    score: &ScoreSummary,
) -> Result<u64, StoreError> {
    let mut written = 0;
    for incoming in &batch.snapshots {
        let snapshot = Snapshot {
            day: incoming.day,
            product: incoming.product,
            scope: incoming.scope.clone(),
            current: incoming.current,
            max: incoming.max,
            percent: crate::domain::score::percent(incoming.current, incoming.max),
            categories: incoming.categories.clone(),
            averages: incoming.averages.clone(),
            source: batch.channel,
        };
        scores::upsert(tx, tenant, now, &snapshot).await?;
        written += 1;
    }
    if batch.snapshots.is_empty() && batch.product == Product::M365 {
        let snapshot = Snapshot {
            day: now.date_naive(),
            product: Product::M365,
            scope: String::new(),
            current: score.current,
            max: score.max,
            percent: score.percent,
            categories: score.categories.clone(),
            averages: serde_json::Value::Array(Vec::new()),
            source: batch.channel,
        };
        scores::upsert(tx, tenant, now, &snapshot).await?;
        written += 1;
    }
    Ok(written)
}
