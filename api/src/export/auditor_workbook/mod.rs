//! The auditor workbook: one `.xlsx` with the summary, the prioritised actions, the quarter's roadmap, the
//! risk-acceptance register, framework coverage, the Statement of Applicability, the score history with a chart,
//! and the audit trail.
//!
//! Everything is read in one read transaction, so the figures, the rows and the audit-chain head quoted in the
//! summary describe the same moment. The two sheets that grow with the tenant (actions, audit trail) are
//! constant-memory sheets written top to bottom from chunked reads, so memory stays flat as rows grow.

mod actions;
mod coverage;
mod evidence;
mod history;
mod register;
mod roadmap;
mod soa;
mod summary;

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Workbook, XlsxError};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::path::Path;

use super::xlsx::Styles;
use crate::domain::audit::Chain;
use crate::domain::ids::TenantId;
use crate::store::{self, StoreError};

/// What went wrong writing a workbook.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the workbook: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("the tenant does not exist")]
    NoTenant,
    #[error("reading the written workbook: {0}")]
    Io(#[from] std::io::Error),
}

/// Who asks for which tenant's workbook, and when.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub tenant: TenantId,
    /// The person or token the summary names as the one who generated it.
    pub generated_by: String,
    pub now: DateTime<Utc>,
}

/// How far the export has come: rows written of the rows the workbook will hold.
#[derive(Debug, Clone, Copy)]
pub struct ExportProgress {
    pub sheet: &'static str,
    pub rows_written: u64,
    pub rows_total: u64,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub sheets: Vec<String>,
    /// Data rows over every sheet.
    pub rows: u64,
    /// The audit chain's head hash quoted in the summary sheet.
    pub head_hash: String,
}

/// Counts rows across sheets for the progress callback.
struct Tally<'p> {
    written: u64,
    total: u64,
    report: &'p mut dyn FnMut(ExportProgress),
}

impl Tally<'_> {
    fn add(&mut self, sheet: &'static str, rows: u64) {
        self.written += rows;
        (self.report)(ExportProgress { sheet, rows_written: self.written, rows_total: self.total.max(self.written) });
    }
}

/// Writes the tenant's auditor workbook to `path` (replacing it), reporting progress as rows are written.
pub async fn write(
    db: &DatabaseConnection,
    request: &ExportRequest,
    path: &Path,
    progress: &mut dyn FnMut(ExportProgress),
) -> Result<ExportSummary, ExportError> {
    // A read transaction: every sheet sees the same snapshot, while writers go on.
    let tx = crate::store::begin_snapshot(db).await?;
    let summary = write_within(&tx, request, path, progress).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(summary)
}

/// [`write`] from a connection the caller holds: inside its read transaction, so whatever else it writes (the
/// evidence pack) describes the same moment as the workbook.
pub async fn write_within(
    conn: &impl ConnectionTrait,
    request: &ExportRequest,
    path: &Path,
    progress: &mut dyn FnMut(ExportProgress),
) -> Result<ExportSummary, ExportError> {
    let mut workbook = Workbook::new();
    let summary = fill(conn, &mut workbook, request, progress).await?;
    let path = path.to_owned();
    // Zipping the sheets is CPU work: off the async threads.
    tokio::task::spawn_blocking(move || workbook.save(&path))
        .await
        .map_err(|e| ExportError::Xlsx(XlsxError::ParameterError(format!("the writer stopped: {e}"))))??;
    Ok(summary)
}

async fn fill(
    conn: &impl ConnectionTrait,
    workbook: &mut Workbook,
    request: &ExportRequest,
    progress: &mut dyn FnMut(ExportProgress),
) -> Result<ExportSummary, ExportError> {
    let styles = Styles::default();
    let tenant = store::tenants::get(conn, request.tenant).await?.ok_or(ExportError::NoTenant)?;
    let ranked = store::priority_order::ranked_items(conn, request.tenant).await?;
    let chain = store::audit::verify(conn, Chain::Tenant(request.tenant)).await?;
    let audit_rows = store::audit::row_count(conn, Chain::Tenant(request.tenant)).await?;
    let plan = current_plan(conn, request).await?;
    let mut tally = Tally { written: 0, total: ranked.len() as u64 + audit_rows, report: progress };
    tally.add("Summary", 0);

    // Sheets appear in the order they are added; each is written whole before the next.
    let summary_sheet = workbook.add_worksheet();
    let facts = summary::Facts { tenant: &tenant, request, ranked: &ranked, chain: &chain, plan: plan.as_ref() };
    summary::write(conn, summary_sheet, &styles, &facts).await?;
    actions::write(conn, workbook, &styles, request, &ranked, plan.as_ref(), &mut tally).await?;
    roadmap::write(conn, workbook, &styles, plan.as_ref(), &mut tally).await?;
    register::write(conn, workbook, &styles, request, &mut tally).await?;
    coverage::write(conn, workbook, &styles, request.tenant, &ranked, &mut tally).await?;
    soa::write(conn, workbook, &styles, request, &ranked, &mut tally).await?;
    evidence::write(conn, workbook, &styles, request.tenant, &mut tally).await?;
    history::write_scores(conn, workbook, &styles, request.tenant, &mut tally).await?;
    history::write_audit_trail(conn, workbook, &styles, request.tenant, audit_rows, &mut tally).await?;
    let sheets = workbook.worksheets().iter().map(|s| s.name()).collect();
    Ok(ExportSummary { sheets, rows: tally.written, head_hash: chain.head_hash })
}

/// A workbook written to a file and recorded in the tenant's audit trail.
#[derive(Debug, Clone)]
pub struct RecordedExport {
    pub summary: ExportSummary,
    /// SHA-256 (hex) of the file, as the audit trail records it.
    pub sha256: String,
    pub bytes: u64,
}

/// Writes the workbook (see [`write`]) and records the export, with the file's SHA-256, in the tenant's audit
/// trail as done by `actor`.
pub async fn write_and_record(
    db: &DatabaseConnection,
    request: &ExportRequest,
    actor: &crate::domain::audit::Actor,
    path: &Path,
    progress: &mut dyn FnMut(ExportProgress),
) -> Result<RecordedExport, ExportError> {
    let summary = write(db, request, path, progress).await?;
    let written = WrittenExport { kind: "auditor_workbook", path, rows: summary.rows, head_hash: &summary.head_hash };
    let (sha256, bytes) = hash_and_record(db, actor, request.now, request.tenant, written).await?;
    Ok(RecordedExport { summary, sha256, bytes })
}

/// A file an export wrote, about to be recorded.
#[derive(Debug, Clone, Copy)]
pub struct WrittenExport<'a> {
    /// `auditor_workbook`, `evidence_pack`, …
    pub kind: &'a str,
    pub path: &'a Path,
    pub rows: u64,
    /// The audit chain head the file quotes.
    pub head_hash: &'a str,
}

/// Hashes a written export (off the async threads) and records it, with its SHA-256, in the tenant's audit trail
/// as done by `actor`; answers the SHA-256 and the size.
pub async fn hash_and_record(
    db: &DatabaseConnection,
    actor: &crate::domain::audit::Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    written: WrittenExport<'_>,
) -> Result<(String, u64), ExportError> {
    let owned = written.path.to_owned();
    let (sha256, bytes) = tokio::task::spawn_blocking(move || file_sha256(&owned))
        .await
        .map_err(|e| std::io::Error::other(format!("the hashing stopped: {e}")))??;
    let record = store::exports::ExportRecord {
        kind: written.kind,
        sha256: &sha256,
        bytes,
        rows: written.rows,
        head_hash: written.head_hash,
    };
    store::exports::record(db, actor, now, tenant, record).await?;
    Ok((sha256, bytes))
}

/// The current quarter's plan, when there is one.
async fn current_plan(
    conn: &impl ConnectionTrait,
    request: &ExportRequest,
) -> Result<Option<store::roadmap::Roadmap>, ExportError> {
    let quarter = crate::domain::quarter::Quarter::of(request.now.date_naive());
    match store::roadmap::get(conn, request.tenant, quarter, request.now).await {
        Ok(plan) => Ok(Some(plan)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The SHA-256 (hex) and size of a written file, read in blocks.
pub fn file_sha256(path: &Path) -> std::io::Result<(String, u64)> {
    use sha2::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        size += read as u64;
        hasher.update(&buffer[..read]);
    }
    Ok((hex::encode(hasher.finalize()), size))
}
