//! Writing the pack's zip: each entry hashed as its bytes go in, so the manifest lists what was written, not what
//! the database claims; already-compressed formats are stored, text is deflated.

use chrono::{DateTime, Datelike, Timelike, Utc};
use sha2::{Digest, Sha256};
use std::io::Write;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use crate::domain::evidence::file_type::FileType;

/// An entry's hash and size, as written.
#[derive(Debug, Clone)]
pub struct Written {
    pub sha256: String,
    pub size: u64,
}

/// The pack's zip, open for writing.
pub struct PackZip {
    zip: zip::ZipWriter<std::fs::File>,
    modified: zip::DateTime,
    current: Option<(Sha256, u64)>,
}

impl PackZip {
    /// Writes a new zip into `file`; every entry carries `now` as its time (the injected clock, not the file system's).
    pub fn new(file: std::fs::File, now: DateTime<Utc>) -> Self {
        let modified = zip::DateTime::from_date_and_time(
            now.year().clamp(1980, 2107) as u16,
            now.month() as u8,
            now.day() as u8,
            now.hour() as u8,
            now.minute() as u8,
            now.second() as u8,
        )
        .unwrap_or_default();
        Self { zip: zip::ZipWriter::new(file), modified, current: None }
    }

    /// Starts the entry `path`, deflated or stored as suits `file_type`.
    pub fn start(&mut self, path: &str, file_type: FileType) -> zip::result::ZipResult<()> {
        let method = if file_type.is_text() { CompressionMethod::Deflated } else { CompressionMethod::Stored };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(self.modified)
            .unix_permissions(0o644)
            .large_file(true);
        self.zip.start_file(path, options)?;
        self.current = Some((Sha256::new(), 0));
        Ok(())
    }

    /// Appends bytes to the current entry.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some((hasher, size)) = self.current.as_mut() {
            hasher.update(bytes);
            *size += bytes.len() as u64;
        }
        self.zip.write_all(bytes)
    }

    /// Ends the current entry and answers what was written.
    pub fn end(&mut self) -> Written {
        let (hasher, size) = self.current.take().unwrap_or_default();
        Written { sha256: hex::encode(hasher.finalize()), size }
    }

    /// A whole entry from memory.
    pub fn put(&mut self, path: &str, file_type: FileType, bytes: &[u8]) -> Result<Written, zip::result::ZipError> {
        self.start(path, file_type)?;
        self.write(bytes)?;
        Ok(self.end())
    }

    /// Copies a file on disk in as an entry, a block at a time.
    pub fn put_file(
        &mut self,
        path: &str,
        file_type: FileType,
        source: &std::path::Path,
    ) -> Result<Written, zip::result::ZipError> {
        use std::io::Read;
        self.start(path, file_type)?;
        let mut file = std::fs::File::open(source)?;
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let read = file.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            self.write(&buffer[..read])?;
        }
        Ok(self.end())
    }

    /// Writes the central directory and closes the file.
    pub fn finish(self) -> zip::result::ZipResult<()> {
        self.zip.finish()?.sync_all()?;
        Ok(())
    }
}
