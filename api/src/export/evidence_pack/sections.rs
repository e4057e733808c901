//! The pack's parts, written in order into one zip: README, workbook, evidence files, audit segment, chain head,
//! manifest listing, then the signed manifest.

use sea_orm::ConnectionTrait;

use super::listing::{manifest_csv, readme};
use super::zip_out::{PackZip, Written};
use super::{PackError, PackProgress, PackRequest};
use crate::domain::audit::Chain;
use crate::domain::evidence::file_type::FileType;
use crate::domain::evidence::pack::{
    CHAIN_HEAD_PATH, FileRole, MANIFEST_CSV, MANIFEST_JSON, MANIFEST_SIGNATURE, Manifest, PackFile, PackLink,
    README_PATH, SEGMENT_PATH, SegmentInfo, SegmentRow, WORKBOOK_PATH,
};
use crate::domain::evidence::{EvidenceKind, pack_path};
use crate::export::auditor_workbook::{self, ExportRequest};
use crate::signing::PackSigner;
use crate::store::audit_segment;
use crate::store::evidence::targets::{self, Target};
use crate::store::evidence::{self, Evidence, blobs};

/// Evidence read per query.
const PAGE: u64 = 200;
/// Audit rows read per query.
const AUDIT_PAGE: u64 = 1000;

/// Counts for the summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub evidence_files: u64,
    pub evidence_bytes: u64,
}

/// A pack being written.
pub struct Pack<'r> {
    zip: PackZip,
    request: &'r PackRequest,
    signer: &'r PackSigner,
    files: Vec<PackFile>,
    links: Vec<PackLink>,
    counts: Counts,
}

impl<'r> Pack<'r> {
    pub fn new(file: std::fs::File, request: &'r PackRequest, signer: &'r PackSigner) -> Self {
        let zip = PackZip::new(file, request.now);
        Self { zip, request, signer, files: Vec::new(), links: Vec::new(), counts: Counts::default() }
    }

    fn list(&mut self, written: Written, path: &str, role: FileRole, proves: String) {
        self.files.push(PackFile {
            path: path.to_owned(),
            sha256: written.sha256,
            size: written.size,
            role,
            proves,
            who: self.request.generated_by.clone(),
            when: self.request.now,
            evidence_id: None,
            evidence_kind: None,
            target: None,
            supersedes: None,
            superseded_by: None,
        });
    }

    pub fn readme(&mut self, tenant: &str) -> Result<(), PackError> {
        let period = format!("{} to {} (both days included, UTC)", self.request.from, self.request.to);
        let text = readme(tenant, &period, &self.signer.key_id(), &self.signer.public_key_base64());
        let written = self.zip.put(README_PATH, FileType::Text, text.as_bytes())?;
        self.list(written, README_PATH, FileRole::Readme, "how to read and verify this pack".into());
        Ok(())
    }

    pub async fn workbook(&mut self, conn: &impl ConnectionTrait) -> Result<(), PackError> {
        let request = &self.request;
        let workbook = tempfile::NamedTempFile::new()?;
        let export =
            ExportRequest { tenant: request.tenant, generated_by: request.generated_by.clone(), now: request.now };
        auditor_workbook::write_within(conn, &export, workbook.path(), &mut |_| {}).await?;
        let written = self.zip.put_file(WORKBOOK_PATH, FileType::Xlsx, workbook.path())?;
        let proves = "the register, prioritised actions, roadmap, coverage, Statement of Applicability, score history \
                      and audit trail as they stood when the pack was made";
        self.list(written, WORKBOOK_PATH, FileRole::AuditorWorkbook, proves.into());
        Ok(())
    }

    pub async fn evidence(
        &mut self,
        conn: &impl ConnectionTrait,
        progress: &mut dyn FnMut(PackProgress),
    ) -> Result<(), PackError> {
        let (tenant, start, end) = (self.request.tenant, self.request.start(), self.request.end());
        let (_, total) = evidence::count_between(conn, tenant, start, end).await?;
        let mut after = None;
        loop {
            let page = evidence::created_between(conn, tenant, start, end, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let page_targets: Vec<Target> =
                page.iter().map(|e| Target { kind: e.target_kind, id: e.target_id.clone() }).collect();
            let labels = targets::labels(conn, tenant, &page_targets).await?;
            for item in page {
                let label = labels.get(&(item.target_kind, item.target_id.clone())).cloned().unwrap_or_default();
                let target = format!("{} {label}", item.target_kind.as_str());
                if item.kind == EvidenceKind::Link {
                    self.links.push(link(&item, target));
                    continue;
                }
                self.evidence_file(conn, item, &label, target).await?;
                progress(PackProgress {
                    stage: "evidence",
                    bytes_written: self.counts.evidence_bytes,
                    bytes_total: total,
                });
            }
        }
        Ok(())
    }

    async fn evidence_file(
        &mut self,
        conn: &impl ConnectionTrait,
        item: Evidence,
        label: &str,
        target: String,
    ) -> Result<(), PackError> {
        let blob = blobs::find(conn, &item.sha256).await?.ok_or(PackError::Tampered(item.id))?;
        let file_type = FileType::from_mime(&blob.content_type).unwrap_or(FileType::Text);
        let path = pack_path(item.target_kind, label, item.created_at, &item.title, item.id, file_type.extension());
        self.zip.start(&path, file_type)?;
        for idx in 0..blob.chunk_count {
            let bytes = blobs::chunk(conn, &item.sha256, idx).await?;
            self.zip.write(&bytes)?;
        }
        let written = self.zip.end();
        if written.sha256 != item.sha256 {
            return Err(PackError::Tampered(item.id));
        }
        self.counts.evidence_files += 1;
        self.counts.evidence_bytes += written.size;
        let proves =
            if item.proves.is_empty() { item.title.clone() } else { format!("{}: {}", item.title, item.proves) };
        self.files.push(PackFile {
            path,
            sha256: written.sha256,
            size: written.size,
            role: FileRole::Evidence,
            proves,
            who: item.created_by.name,
            when: item.created_at,
            evidence_id: Some(item.id),
            evidence_kind: Some(item.kind),
            target: Some(target),
            supersedes: item.supersedes,
            superseded_by: item.superseded_by,
        });
        Ok(())
    }

    /// The period's audit rows, as stored, with the hashes that anchor them in the chain.
    pub async fn audit_segment(&mut self, conn: &impl ConnectionTrait) -> Result<SegmentInfo, PackError> {
        let chain = Chain::Tenant(self.request.tenant);
        let (head_seq, head_hash) = audit_segment::last_before(conn, chain, None).await?;
        let bounds = audit_segment::seq_bounds(conn, chain, self.request.start(), self.request.end()).await?;
        self.zip.start(SEGMENT_PATH, FileType::Text)?;
        let info = match bounds {
            Some((first, last)) => {
                let prev_hash = audit_segment::hash_at(conn, chain, first - 1).await?;
                let mut after = first - 1;
                let mut last_hash = prev_hash.clone();
                while after < last {
                    let rows = audit_segment::stored_rows(conn, chain, after, last, AUDIT_PAGE).await?;
                    let Some(end) = rows.last() else { break };
                    after = end.content.seq;
                    for row in rows {
                        last_hash.clone_from(&row.hash);
                        let line = SegmentRow { content: row.content, prev_hash: row.prev_hash, hash: row.hash };
                        let mut text = serde_json::to_vec(&line).map_err(|e| PackError::Manifest(e.to_string()))?;
                        text.push(b'\n');
                        self.zip.write(&text)?;
                    }
                }
                let rows = (last - first + 1) as u64;
                SegmentInfo {
                    rows,
                    first_seq: Some(first),
                    last_seq: Some(last),
                    prev_hash,
                    last_hash,
                    head_seq,
                    head_hash,
                }
            }
            None => {
                let (_, before) = audit_segment::last_before(conn, chain, Some(self.request.start())).await?;
                let (rows, first_seq, last_seq) = (0, None, None);
                SegmentInfo {
                    rows,
                    first_seq,
                    last_seq,
                    prev_hash: before.clone(),
                    last_hash: before,
                    head_seq,
                    head_hash,
                }
            }
        };
        let written = self.zip.end();
        let proves = match (info.first_seq, info.last_seq) {
            (Some(first), Some(last)) => format!(
                "the tenant's audit log rows {first} to {last} (every row stamped in the period), chained to the hash {}",
                info.prev_hash
            ),
            _ => "the tenant's audit log holds no row stamped in the period".to_owned(),
        };
        self.list(written, SEGMENT_PATH, FileRole::AuditSegment, proves);
        let head = serde_json::json!({ "chain": chain.key(), "seq": info.head_seq, "hash": info.head_hash, "read_at": self.request.now });
        let head = serde_json::to_vec_pretty(&head).map_err(|e| PackError::Manifest(e.to_string()))?;
        let written = self.zip.put(CHAIN_HEAD_PATH, FileType::Json, &head)?;
        let proves = format!("the tenant's audit chain ended at row {} when the pack was made", info.head_seq);
        self.list(written, CHAIN_HEAD_PATH, FileRole::ChainHead, proves);
        Ok(info)
    }

    /// Writes `manifest.csv` and answers the manifest's lists (with the CSV in them) and the counts.
    pub fn listing(&mut self) -> Result<(Vec<PackFile>, Vec<PackLink>, Counts), PackError> {
        let csv = manifest_csv(&self.files, &self.links).map_err(|e| PackError::Manifest(e.to_string()))?;
        let written = self.zip.put(MANIFEST_CSV, FileType::Csv, &csv)?;
        self.list(written, MANIFEST_CSV, FileRole::ManifestCsv, "the manifest's list, for a spreadsheet".into());
        Ok((std::mem::take(&mut self.files), std::mem::take(&mut self.links), self.counts))
    }

    /// Writes the manifest and its signature and closes the zip.
    pub fn sign_and_finish(mut self, manifest: &Manifest) -> Result<(), PackError> {
        let bytes = serde_json::to_vec_pretty(manifest).map_err(|e| PackError::Manifest(e.to_string()))?;
        let signature = self.signer.sign(&bytes);
        self.zip.put(MANIFEST_JSON, FileType::Json, &bytes)?;
        self.zip.put(MANIFEST_SIGNATURE, FileType::Text, signature.as_bytes())?;
        self.zip.finish()?;
        Ok(())
    }
}

fn link(item: &Evidence, target: String) -> PackLink {
    PackLink {
        url: item.url.clone().unwrap_or_default(),
        sha256: item.sha256.clone(),
        title: item.title.clone(),
        proves: item.proves.clone(),
        who: item.created_by.name.clone(),
        when: item.created_at,
        evidence_id: item.id,
        target,
        supersedes: item.supersedes,
        superseded_by: item.superseded_by,
    }
}
