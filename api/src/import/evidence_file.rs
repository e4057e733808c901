//! An evidence upload, spooled to a temporary file as it arrives: hashed, measured against the size limit and
//! typed by its bytes on the way, so memory holds one chunk whatever the file's size and nothing reaches the
//! database until the whole file is known to be acceptable.

use sha2::{Digest, Sha256};
use std::path::Path;
use tokio::io::AsyncWriteExt;

use crate::domain::evidence::file_type::{FileType, Sniffed, TypeRefusal, Utf8Check, resolve, sniff};

/// How many leading bytes decide the type.
const HEAD_BYTES: usize = 8 * 1024;

/// Why an upload is refused.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceFileError {
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the file is empty")]
    Empty,
    #[error(transparent)]
    Refused(#[from] TypeRefusal),
    #[error("the upload could not be spooled: {0}")]
    Io(#[from] std::io::Error),
}

/// An upload being received.
pub struct Spooler {
    file: tokio::fs::File,
    path: tempfile::TempPath,
    hasher: Sha256,
    size: u64,
    limit: u64,
    head: Vec<u8>,
    utf8: Utf8Check,
}

/// A whole upload, accepted: where it is spooled, its hash, size and type.
#[derive(Debug)]
pub struct SpooledFile {
    path: tempfile::TempPath,
    pub sha256: String,
    pub size: u64,
    pub file_type: FileType,
}

impl SpooledFile {
    /// Where the bytes are, until this value is dropped (the file is removed then).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Spooler {
    /// A new spool refusing more than `limit` bytes.
    pub fn new(limit: u64) -> Result<Self, EvidenceFileError> {
        let (file, path) = tempfile::NamedTempFile::new()?.into_parts();
        Ok(Self {
            file: tokio::fs::File::from_std(file),
            path,
            hasher: Sha256::new(),
            size: 0,
            limit,
            head: Vec::new(),
            utf8: Utf8Check::default(),
        })
    }

    /// Takes the next chunk of the upload.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), EvidenceFileError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(EvidenceFileError::TooLarge { limit: self.limit });
        }
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.utf8.feed(chunk);
        self.file.write_all(chunk).await?;
        Ok(())
    }

    /// Ends the upload and decides its type from what was declared (`Content-Type`, file name) and the bytes.
    pub async fn finish(
        mut self,
        declared_mime: Option<&str>,
        file_name: Option<&str>,
    ) -> Result<SpooledFile, EvidenceFileError> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        if self.size == 0 {
            return Err(EvidenceFileError::Empty);
        }
        let sniffed = sniff(&self.head);
        let file_type = resolve(declared_mime, file_name, &sniffed)?;
        if sniffed == Sniffed::Text && !self.utf8.passed() {
            return Err(TypeRefusal::Mismatch {
                declared: file_type.mime().into(),
                found: "binary data after a text beginning".into(),
            }
            .into());
        }
        if file_type == FileType::Json {
            let path = self.path.to_path_buf();
            let parsed = tokio::task::spawn_blocking(move || json_parses(&path))
                .await
                .map_err(|e| std::io::Error::other(format!("the JSON check stopped: {e}")))?;
            if let Err(why) = parsed {
                return Err(TypeRefusal::Mismatch {
                    declared: file_type.mime().into(),
                    found: format!("text that is not JSON ({why})"),
                }
                .into());
            }
        }
        Ok(SpooledFile { path: self.path, sha256: hex::encode(self.hasher.finalize()), size: self.size, file_type })
    }
}

fn json_parses(path: &Path) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    serde_json::from_reader::<_, serde::de::IgnoredAny>(std::io::BufReader::new(file))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn spool(
        chunks: &[&[u8]],
        limit: u64,
        mime: Option<&str>,
        name: Option<&str>,
    ) -> Result<SpooledFile, EvidenceFileError> {
        let mut spooler = Spooler::new(limit)?;
        for chunk in chunks {
            spooler.write(chunk).await?;
        }
        spooler.finish(mime, name).await
    }

    #[tokio::test]
    async fn an_upload_is_hashed_measured_and_typed_across_chunks() {
        let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let spooled =
            spool(&[&png[..5], &png[5..], b"rest of the image"], 1024, Some("image/png"), Some("a.png")).await;
        let Ok(spooled) = spooled else { panic!("refused: {spooled:?}") };
        assert_eq!(spooled.file_type, FileType::Png);
        assert_eq!(spooled.size, png.len() as u64 + 17);
        let mut whole = png.to_vec();
        whole.extend_from_slice(b"rest of the image");
        assert_eq!(spooled.sha256, hex::encode(Sha256::digest(&whole)));
        assert_eq!(std::fs::read(spooled.path()).ok(), Some(whole));
    }

    #[tokio::test]
    async fn too_large_empty_and_mismatched_uploads_are_refused() {
        assert!(matches!(spool(&[b"0123456789"], 9, None, None).await, Err(EvidenceFileError::TooLarge { limit: 9 })));
        assert!(matches!(spool(&[], 9, None, None).await, Err(EvidenceFileError::Empty)));
        assert!(matches!(
            spool(&[b"%PDF-1.7\n"], 100, Some("image/png"), None).await,
            Err(EvidenceFileError::Refused(TypeRefusal::Mismatch { .. }))
        ));
        assert!(matches!(
            spool(&[b"{\"a\": "], 100, Some("application/json"), None).await,
            Err(EvidenceFileError::Refused(TypeRefusal::Mismatch { .. }))
        ));
        let mut late_binary = vec![b'a'; HEAD_BYTES + 10];
        late_binary.push(0xff);
        assert!(matches!(
            spool(&[&late_binary], 100_000, Some("text/plain"), None).await,
            Err(EvidenceFileError::Refused(TypeRefusal::Mismatch { .. }))
        ));
    }

    #[tokio::test]
    async fn json_that_parses_is_json() {
        let spooled = spool(&[b"{\"policy\": ", b"\"CA001\"}"], 100, None, Some("policy.json")).await;
        assert_eq!(spooled.map(|s| s.file_type).ok(), Some(FileType::Json));
    }
}
