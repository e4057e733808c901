//! Checking a pack offline (`scoregrc verify-pack`): the manifest's signature under a key the auditor trusts,
//! every listed file's hash and size, no file added, and the audit segment's links from its signed first row to
//! its signed last row. Nothing is extracted to disk; entries are hashed as they are read.

use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::{BufRead, Read};
use std::path::Path;

use crate::domain::evidence::pack::{
    MANIFEST_JSON, MANIFEST_SIGNATURE, Manifest, PackFailure, SEGMENT_PATH, SegmentCheck, check_signature,
    read_manifest,
};

/// The longest audit-extract line read (a row's before/after state is bounded far below this).
const LINE_LIMIT: u64 = 64 * 1024 * 1024;

/// What verification found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// The manifest, when it could be read (trust it only when `failures` is empty).
    pub manifest: Option<Manifest>,
    pub signature_valid: bool,
    pub files_checked: u64,
    pub audit_rows_checked: u64,
    pub failures: Vec<PackFailure>,
}

impl VerifyReport {
    /// True when nothing failed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

type Archive = zip::ZipArchive<std::fs::File>;

/// Checks the pack at `path` against the public `key`.
pub fn verify_pack(path: &Path, key: &VerifyingKey) -> VerifyReport {
    let mut report = VerifyReport::default();
    let mut archive = match std::fs::File::open(path)
        .map_err(|e| e.to_string())
        .and_then(|f| Archive::new(f).map_err(|e| e.to_string()))
    {
        Ok(archive) => archive,
        Err(why) => {
            report.failures.push(PackFailure::Unreadable(format!("not a readable zip: {why}")));
            return report;
        }
    };
    let manifest_bytes = match read_entry(&mut archive, MANIFEST_JSON, 256 * 1024 * 1024) {
        Ok(bytes) => bytes,
        Err(why) => {
            report.failures.push(PackFailure::Unreadable(format!("{MANIFEST_JSON}: {why}")));
            return report;
        }
    };
    match read_entry(&mut archive, MANIFEST_SIGNATURE, 4096).map(|b| String::from_utf8_lossy(&b).into_owned()) {
        Ok(signature) => match check_signature(key, &manifest_bytes, &signature) {
            Ok(()) => report.signature_valid = true,
            Err(failure) => report.failures.push(failure),
        },
        Err(why) => report.failures.push(PackFailure::Unreadable(format!("{MANIFEST_SIGNATURE}: {why}"))),
    }
    let manifest = match read_manifest(&manifest_bytes) {
        Ok(manifest) => manifest,
        Err(failure) => {
            report.failures.push(failure);
            return report;
        }
    };
    check_listing(&archive, &manifest, &mut report);
    for file in &manifest.files {
        match hash_entry(&mut archive, &file.path) {
            None => report.failures.push(PackFailure::FileMissing { path: file.path.clone() }),
            Some(Err(why)) => report.failures.push(PackFailure::Unreadable(format!("{}: {why}", file.path))),
            Some(Ok((sha256, size))) if sha256 != file.sha256 || size != file.size => {
                report.failures.push(PackFailure::FileAltered { path: file.path.clone() })
            }
            Some(Ok(_)) => report.files_checked += 1,
        }
    }
    check_segment(&mut archive, &manifest, &mut report);
    report.manifest = Some(manifest);
    report
}

/// Every entry must be the manifest, its signature, or a listed file.
fn check_listing(archive: &Archive, manifest: &Manifest, report: &mut VerifyReport) {
    let listed: HashSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for name in archive.file_names() {
        let name = match name {
            Ok(name) => name.into_owned(),
            Err(e) => {
                report.failures.push(PackFailure::Unreadable(format!("an entry name: {e}")));
                continue;
            }
        };
        if name != MANIFEST_JSON
            && name != MANIFEST_SIGNATURE
            && !name.ends_with('/')
            && !listed.contains(name.as_str())
        {
            report.failures.push(PackFailure::FileUnlisted { path: name });
        }
    }
}

fn check_segment(archive: &mut Archive, manifest: &Manifest, report: &mut VerifyReport) {
    let Ok(entry) = archive.by_name(SEGMENT_PATH) else { return };
    let mut check = SegmentCheck::new(&manifest.audit_segment);
    let mut reader = std::io::BufReader::new(entry);
    let mut line = String::new();
    loop {
        line.clear();
        match (&mut reader).take(LINE_LIMIT).read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {
                let text = line.trim_end_matches(['\n', '\r']);
                if text.is_empty() {
                    continue;
                }
                match check.line(text) {
                    Ok(()) => report.audit_rows_checked += 1,
                    Err(failure) => report.failures.push(failure),
                }
            }
            Err(e) => {
                report.failures.push(PackFailure::Unreadable(format!("{SEGMENT_PATH}: {e}")));
                return;
            }
        }
    }
    report.failures.extend(check.finish());
}

fn read_entry(archive: &mut Archive, name: &str, limit: u64) -> Result<Vec<u8>, String> {
    let entry = archive.by_name(name).map_err(|_| "missing from the pack".to_owned())?;
    let mut bytes = Vec::new();
    entry.take(limit).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// The SHA-256 and size of an entry, read in blocks; `None` when it is not in the zip.
fn hash_entry(archive: &mut Archive, name: &str) -> Option<Result<(String, u64), String>> {
    let mut entry = archive.by_name(name).ok()?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        match entry.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => {
                hasher.update(&buffer[..read]);
                size += read as u64;
            }
            Err(e) => return Some(Err(e.to_string())),
        }
    }
    Some(Ok((hex::encode(hasher.finalize()), size)))
}
