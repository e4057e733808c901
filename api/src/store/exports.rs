//! Which exports left the service: each one is an audit row with the file's SHA-256, so an auditor holding a
//! workbook can prove it is the one scoregrc wrote, and when, and for whom.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::audit::{self, Change};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;

/// An export that was written.
#[derive(Debug, Clone)]
pub struct ExportRecord<'a> {
    /// `auditor_workbook`, `triage_workbook`, …
    pub kind: &'a str,
    pub sha256: &'a str,
    pub bytes: u64,
    pub rows: u64,
    /// The audit chain head the export quotes.
    pub head_hash: &'a str,
}

/// Records an export in the tenant's audit trail.
pub async fn record(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    export: ExportRecord<'_>,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    let after = serde_json::json!({
        "sha256": export.sha256,
        "bytes": export.bytes,
        "rows": export.rows,
        "quotes_head_hash": export.head_hash,
    });
    audit::append(&tx, now, Change::new(Chain::Tenant(tenant), actor, "export", export.kind, "download").after(after))
        .await?;
    tx.commit().await?;
    Ok(())
}
