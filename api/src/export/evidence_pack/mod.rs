//! The evidence pack: one zip for the auditor with the auditor workbook, every evidence file of a period under a
//! readable folder layout, the period's audit log as a contiguous segment of the tenant's chain, the chain head,
//! and a manifest signed with the instance's Ed25519 key (see `verify` for the offline check).
//!
//! Everything is read in one read transaction, so the workbook, the files and the audit segment describe one
//! moment. Evidence bytes go from the database into the zip a chunk at a time and the zip is a file on disk, so
//! memory stays flat however large the pack.

mod listing;
mod sections;
pub mod verify;
mod zip_out;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use std::path::Path;

use super::auditor_workbook::{ExportError, WrittenExport, hash_and_record};
use crate::domain::audit::Actor;
use crate::domain::evidence::pack::{Manifest, PACK_FORMAT, SigningKeyInfo};
use crate::domain::ids::TenantId;
use crate::signing::PackSigner;
use crate::store::{self, StoreError};

/// What went wrong writing a pack.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Workbook(#[from] ExportError),
    #[error("writing the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("writing the pack: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the manifest: {0}")]
    Manifest(String),
    #[error("the tenant does not exist")]
    NoTenant,
    #[error("`from` is after `to`")]
    Period,
    /// Stored bytes no longer hash to the SHA-256 recorded when they were added: refuse to sign them.
    #[error("the stored bytes of evidence {0} do not match the SHA-256 recorded when it was added")]
    Tampered(uuid::Uuid),
}

/// Who asks for which tenant's pack, over which days (both included), and when.
#[derive(Debug, Clone)]
pub struct PackRequest {
    pub tenant: TenantId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub generated_by: String,
    pub now: DateTime<Utc>,
}

impl PackRequest {
    fn start(&self) -> DateTime<Utc> {
        self.from.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    fn end(&self) -> DateTime<Utc> {
        self.to.succ_opt().unwrap_or(self.to).and_time(chrono::NaiveTime::MIN).and_utc()
    }
}

/// How far the pack has come, in evidence bytes.
#[derive(Debug, Clone, Copy)]
pub struct PackProgress {
    pub stage: &'static str,
    pub bytes_written: u64,
    pub bytes_total: u64,
}

/// What went into the pack.
#[derive(Debug, Clone)]
pub struct PackSummary {
    /// Files in the zip, the manifest and its signature included.
    pub files: u64,
    pub evidence_files: u64,
    pub links: u64,
    pub evidence_bytes: u64,
    pub audit_rows: u64,
    pub head_hash: String,
    pub key_id: String,
}

/// Writes the tenant's pack for the request's period to `path` (replacing it).
pub async fn write(
    db: &DatabaseConnection,
    signer: &PackSigner,
    request: &PackRequest,
    path: &Path,
    progress: &mut dyn FnMut(PackProgress),
) -> Result<PackSummary, PackError> {
    if request.from > request.to {
        return Err(PackError::Period);
    }
    let tx = crate::store::begin_snapshot(db).await?;
    let tenant = store::tenants::get(&tx, request.tenant).await?.ok_or(PackError::NoTenant)?;
    let mut pack = sections::Pack::new(std::fs::File::create(path)?, request, signer);
    pack.readme(&tenant.name)?;
    pack.workbook(&tx).await?;
    pack.evidence(&tx, progress).await?;
    let segment = pack.audit_segment(&tx).await?;
    let (files, links, counts) = pack.listing()?;
    let manifest = Manifest {
        format: PACK_FORMAT.to_owned(),
        tenant_id: tenant.id.0,
        tenant_name: tenant.name.clone(),
        period_from: request.from,
        period_to: request.to,
        generated_at: request.now,
        generated_by: request.generated_by.clone(),
        signing_key: SigningKeyInfo {
            algorithm: "Ed25519".into(),
            key_id: signer.key_id(),
            public_key: signer.public_key_base64(),
        },
        audit_segment: segment.clone(),
        files,
        links,
    };
    let files_in_zip = manifest.files.len() as u64 + 2;
    pack.sign_and_finish(&manifest)?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(PackSummary {
        files: files_in_zip,
        evidence_files: counts.evidence_files,
        links: manifest.links.len() as u64,
        evidence_bytes: counts.evidence_bytes,
        audit_rows: segment.rows,
        head_hash: segment.head_hash,
        key_id: signer.key_id(),
    })
}

/// A pack written to a file and recorded in the tenant's audit trail.
#[derive(Debug, Clone)]
pub struct RecordedPack {
    pub summary: PackSummary,
    pub sha256: String,
    pub bytes: u64,
}

/// Writes the pack (see [`write`]) and records the export, with the zip's SHA-256, in the tenant's trail.
pub async fn write_and_record(
    db: &DatabaseConnection,
    signer: &PackSigner,
    request: &PackRequest,
    actor: &Actor,
    path: &Path,
    progress: &mut dyn FnMut(PackProgress),
) -> Result<RecordedPack, PackError> {
    let summary = write(db, signer, request, path, progress).await?;
    let written = WrittenExport { kind: "evidence_pack", path, rows: summary.files, head_hash: &summary.head_hash };
    let (sha256, bytes) = hash_and_record(db, actor, request.now, request.tenant, written).await?;
    Ok(RecordedPack { summary, sha256, bytes })
}
