//! The evidence pack's signed manifest, and the offline checks `scoregrc verify-pack` makes against it.
//!
//! Hashes alone prove nothing to someone who could recompute them, so the manifest is signed with the instance's
//! Ed25519 key. What verification finds is a list of [`PackFailure`]s, each saying what it means for the pack.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, Utc};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::EvidenceKind;
use crate::domain::audit::{AuditContent, BreakKind, ChainVerifier, StoredRow};

/// The format written into every manifest; a reader refuses any other.
pub const PACK_FORMAT: &str = "scoregrc-evidence-pack/1";
/// The signed manifest.
pub const MANIFEST_JSON: &str = "manifest.json";
/// The Ed25519 signature over the exact bytes of `manifest.json`, base64.
pub const MANIFEST_SIGNATURE: &str = "manifest.json.sig";
/// The same list as `manifest.json`, for a spreadsheet.
pub const MANIFEST_CSV: &str = "manifest.csv";
/// The audit-log extract: one JSON row per line, every field the row hash covers.
pub const SEGMENT_PATH: &str = "audit/audit-log-segment.jsonl";
/// The tenant chain's head when the pack was made.
pub const CHAIN_HEAD_PATH: &str = "audit/chain-head.json";
/// The auditor workbook.
pub const WORKBOOK_PATH: &str = "auditor-workbook.xlsx";
/// How to check the pack, for the person who opens it.
pub const README_PATH: &str = "README.txt";

/// The signed description of a pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub tenant_id: uuid::Uuid,
    pub tenant_name: String,
    /// The period the evidence and the audit extract cover, both days included.
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub generated_by: String,
    pub signing_key: SigningKeyInfo,
    pub audit_segment: SegmentInfo,
    /// Every file in the pack except the manifest and its signature.
    pub files: Vec<PackFile>,
    /// Evidence that is a link: its address and the SHA-256 of the address text.
    pub links: Vec<PackLink>,
}

/// Which key signed the manifest (the verifier still needs the key from a trusted place).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyInfo {
    pub algorithm: String,
    pub key_id: String,
    pub public_key: String,
}

/// What a file in the pack is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    AuditorWorkbook,
    Evidence,
    AuditSegment,
    ChainHead,
    ManifestCsv,
    Readme,
}

/// One file, with what it proves, who added it and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackFile {
    pub path: String,
    pub sha256: String,
    pub size: u64,
    pub role: FileRole,
    pub proves: String,
    pub who: String,
    pub when: DateTime<Utc>,
    pub evidence_id: Option<uuid::Uuid>,
    pub evidence_kind: Option<EvidenceKind>,
    /// `recommendation AdminMFAV2`, `risk_acceptance RA-0003`, …
    pub target: Option<String>,
    pub supersedes: Option<uuid::Uuid>,
    pub superseded_by: Option<uuid::Uuid>,
}

/// One link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackLink {
    pub url: String,
    pub sha256: String,
    pub title: String,
    pub proves: String,
    pub who: String,
    pub when: DateTime<Utc>,
    pub evidence_id: uuid::Uuid,
    pub target: String,
    pub supersedes: Option<uuid::Uuid>,
    pub superseded_by: Option<uuid::Uuid>,
}

/// Where the audit extract sits in the tenant's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentInfo {
    pub rows: u64,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    /// The hash the first row points at (64 zeros when it is the chain's first row).
    pub prev_hash: String,
    /// The last row's hash (equal to `prev_hash` when the period holds no row).
    pub last_hash: String,
    /// The chain's last row when the pack was read.
    pub head_seq: i64,
    pub head_hash: String,
}

/// One row of the audit extract, as the file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRow {
    #[serde(flatten)]
    pub content: AuditContent,
    pub prev_hash: String,
    pub hash: String,
}

impl SegmentRow {
    fn stored(&self) -> StoredRow {
        StoredRow { content: self.content.clone(), prev_hash: self.prev_hash.clone(), hash: self.hash.clone() }
    }
}

/// The short id of a public key: the first 16 hex digits of its SHA-256.
pub fn key_id(public_key: &[u8; 32]) -> String {
    hex::encode(Sha256::digest(public_key))[..16].to_owned()
}

/// Reads a public key given as base64 or 64 hex digits.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let text = text.trim();
    let bytes = hex::decode(text)
        .ok()
        .or_else(|| STANDARD.decode(text).ok())
        .ok_or_else(|| "the key is neither base64 nor hex".to_owned())?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| "an Ed25519 public key is 32 bytes".to_owned())?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("not an Ed25519 public key: {e}"))
}

/// Something verification found wrong, in terms of what it means for the pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackFailure {
    /// The zip cannot be read, or lacks the manifest or its signature.
    Unreadable(String),
    /// The signature does not match the manifest under the given key.
    SignatureInvalid,
    /// The signed manifest is not a manifest of this format.
    ManifestInvalid(String),
    /// A listed file is not in the pack.
    FileMissing { path: String },
    /// A listed file's bytes differ from the signed hash or size.
    FileAltered { path: String },
    /// A file in the pack is not in the manifest.
    FileUnlisted { path: String },
    /// A line of the audit extract is not a row.
    SegmentUnreadable { line: u64, why: String },
    /// The audit extract does not chain at this row.
    SegmentBroken { seq: i64, kind: BreakKind },
    /// The extract's bounds differ from the ones signed in the manifest.
    SegmentBounds(String),
}

impl PackFailure {
    /// What the failure means, for the person holding the pack.
    pub fn meaning(&self) -> String {
        match self {
            PackFailure::Unreadable(why) => format!("the pack cannot be checked: {why}"),
            PackFailure::SignatureInvalid => {
                "the manifest's signature does not match this key: the manifest was changed \
                after it was signed (for instance re-hashed to cover an altered file), or another instance signed it. \
                Nothing in this pack can be relied on."
                    .into()
            }
            PackFailure::ManifestInvalid(why) => format!("the signed manifest cannot be read ({why})"),
            PackFailure::FileMissing { path } => {
                format!("{path} is listed in the signed manifest but missing: it was removed after the pack was made")
            }
            PackFailure::FileAltered { path } => format!(
                "{path} differs from the hash and size signed in the manifest: its bytes were changed after the pack \
                 was made"
            ),
            PackFailure::FileUnlisted { path } => {
                format!("{path} is not in the signed manifest: it was added after the pack was made")
            }
            PackFailure::SegmentUnreadable { line, why } => {
                format!("line {line} of the audit extract is not an audit row ({why})")
            }
            PackFailure::SegmentBroken { seq, kind } => {
                let what = match kind {
                    BreakKind::ContentChanged => "its content no longer matches its hash: the row was edited",
                    BreakKind::LinkBroken => {
                        "it does not point at the row before it: a row was removed, inserted or reordered"
                    }
                    BreakKind::SequenceGap => "its sequence number skips or repeats: a row is missing",
                };
                format!("the audit extract breaks at row {seq}: {what}")
            }
            PackFailure::SegmentBounds(what) => {
                format!("the audit extract does not match the segment signed in the manifest: {what}")
            }
        }
    }
}

/// Checks the signature (base64 text) over the manifest's exact bytes.
pub fn check_signature(key: &VerifyingKey, manifest: &[u8], signature: &str) -> Result<(), PackFailure> {
    let bytes = STANDARD.decode(signature.trim()).map_err(|_| PackFailure::SignatureInvalid)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| PackFailure::SignatureInvalid)?;
    key.verify(manifest, &signature).map_err(|_| PackFailure::SignatureInvalid)
}

/// Reads a signed manifest.
pub fn read_manifest(bytes: &[u8]) -> Result<Manifest, PackFailure> {
    let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| PackFailure::ManifestInvalid(e.to_string()))?;
    if manifest.format != PACK_FORMAT {
        return Err(PackFailure::ManifestInvalid(format!("format `{}`, expected `{PACK_FORMAT}`", manifest.format)));
    }
    Ok(manifest)
}

/// Walks the audit extract line by line against the segment the manifest signed.
#[derive(Debug)]
pub struct SegmentCheck {
    info: SegmentInfo,
    verifier: ChainVerifier,
    line: u64,
    first_seq: Option<i64>,
    broken: bool,
}

impl SegmentCheck {
    /// Starts at the signed first row and its predecessor's hash.
    pub fn new(info: &SegmentInfo) -> Self {
        let verifier = ChainVerifier::resume(info.first_seq.unwrap_or(info.head_seq + 1), &info.prev_hash);
        Self { info: info.clone(), verifier, line: 0, first_seq: None, broken: false }
    }

    /// Checks the next line; after the first break the rest are not judged (one break explains them).
    pub fn line(&mut self, text: &str) -> Result<(), PackFailure> {
        self.line += 1;
        if self.broken {
            return Ok(());
        }
        let row: SegmentRow = serde_json::from_str(text).map_err(|e| {
            self.broken = true;
            PackFailure::SegmentUnreadable { line: self.line, why: e.to_string() }
        })?;
        self.first_seq.get_or_insert(row.content.seq);
        self.verifier.check(&row.stored()).map_err(|b| {
            self.broken = true;
            PackFailure::SegmentBroken { seq: b.seq, kind: b.kind }
        })
    }

    /// The bound checks once every line is read.
    pub fn finish(self) -> Vec<PackFailure> {
        if self.broken {
            return Vec::new();
        }
        let mut failures = Vec::new();
        let info = &self.info;
        if self.verifier.checked() != info.rows {
            failures.push(PackFailure::SegmentBounds(format!(
                "{} rows, the manifest signed {}",
                self.verifier.checked(),
                info.rows
            )));
        }
        if self.first_seq != info.first_seq {
            failures.push(PackFailure::SegmentBounds(format!(
                "it starts at row {:?}, the manifest signed {:?}",
                self.first_seq, info.first_seq
            )));
        }
        if self.verifier.head() != info.last_hash {
            failures.push(PackFailure::SegmentBounds(
                "its last row's hash is not the signed one: rows were cut from the end".into(),
            ));
        }
        if info.last_seq == Some(info.head_seq) && info.last_hash != info.head_hash {
            failures.push(PackFailure::SegmentBounds("it ends at the chain head but the head hash differs".into()));
        }
        failures
    }
}

#[cfg(test)]
mod tests;
