//! A look at the ZIP directory before calamine opens the workbook: cut-off uploads, containers that are
//! not workbooks, and decompressed sizes no export reaches are refused with a clear message up front, as are
//! shared string counts that would make calamine reserve more memory than the file can fill
//! ([`super::shared_strings`]).

use std::io::Cursor;

use crate::error::{ReadError, ReadErrorKind};

/// Decompressed bytes a workbook may declare. A real export is well under 1 MiB.
pub(crate) const MAX_UNCOMPRESSED: u64 = 64 * 1024 * 1024;

const END_OF_DIRECTORY: [u8; 4] = *b"PK\x05\x06";
const DIRECTORY_ENTRY: [u8; 4] = *b"PK\x01\x02";
const END_RECORD_LEN: usize = 22;
const ENTRY_FIXED_LEN: usize = 46;

/// Checks that the ZIP directory is complete, that the archive is an xlsx workbook and that it does not
/// decompress to more than [`MAX_UNCOMPRESSED`].
pub(crate) fn check(bytes: &[u8]) -> Result<(), ReadError> {
    let end = find_end_record(bytes).ok_or_else(cut_off)?;
    let directory_size = usize::try_from(le_u32(bytes, end + 12).ok_or_else(cut_off)?).unwrap_or(usize::MAX);
    let directory_start = usize::try_from(le_u32(bytes, end + 16).ok_or_else(cut_off)?).unwrap_or(usize::MAX);
    if directory_start == 0xFFFF_FFFF {
        // ZIP64: no export is that large; leave the details to the ZIP reader, and its sizes to the check below.
        return check_as_the_zip_reader_sees_it(bytes);
    }
    if directory_start.checked_add(directory_size).is_none_or(|directory_end| directory_end > end) {
        return Err(cut_off());
    }
    let mut names = Vec::new();
    let mut uncompressed = 0u64;
    let mut at = directory_start;
    while at < directory_start + directory_size {
        if bytes.get(at..at + 4) != Some(&DIRECTORY_ENTRY[..]) {
            return Err(damaged());
        }
        let field = |offset: usize| le_u32(bytes, at + offset).ok_or_else(damaged);
        let short = |offset: usize| le_u16(bytes, at + offset).map(usize::from).ok_or_else(damaged);
        uncompressed = uncompressed.saturating_add(u64::from(field(24)?));
        let local_header = usize::try_from(field(42)?).unwrap_or(usize::MAX);
        if local_header >= directory_start {
            return Err(cut_off());
        }
        let (name_len, extra_len, comment_len) = (short(28)?, short(30)?, short(32)?);
        let name = bytes.get(at + ENTRY_FIXED_LEN..at + ENTRY_FIXED_LEN + name_len).ok_or_else(damaged)?;
        names.push(String::from_utf8_lossy(name).into_owned());
        at += ENTRY_FIXED_LEN + name_len + extra_len + comment_len;
    }
    if uncompressed > MAX_UNCOMPRESSED {
        return Err(too_large(uncompressed));
    }
    check_is_workbook(&names)?;
    check_as_the_zip_reader_sees_it(bytes)
}

/// The same limit on the directory the ZIP reader itself will use. It may find another one than the walk
/// above: it tries every end record from the back (skipping one whose comment runs past the end of the file) and
/// accepts bytes before the archive. A file can thus show the walk a small directory and calamine a large one,
/// whose declared sizes are the only bound on what the reader inflates (it stops an entry at its declared size).
fn check_as_the_zip_reader_sees_it(bytes: &[u8]) -> Result<(), ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    let mut uncompressed = 0u64;
    for index in 0..archive.len() {
        uncompressed = uncompressed.saturating_add(archive.by_index_data(index).map_err(|_| damaged())?.size());
    }
    if uncompressed > MAX_UNCOMPRESSED {
        return Err(too_large(uncompressed));
    }
    super::shared_strings::check(&mut archive, uncompressed)
}

fn too_large(uncompressed: u64) -> ReadError {
    ReadError::new(
        ReadErrorKind::TooLarge,
        format!(
            "the workbook unpacks to {} MiB, more than the {} MiB a Secure Score export can need",
            uncompressed / (1024 * 1024),
            MAX_UNCOMPRESSED / (1024 * 1024)
        ),
    )
}

fn check_is_workbook(names: &[String]) -> Result<(), ReadError> {
    let has = |name: &str| names.iter().any(|entry| entry.eq_ignore_ascii_case(name));
    if has("xl/workbook.xml") {
        return Ok(());
    }
    let what = if has("xl/workbook.bin") {
        "a binary Excel workbook (.xlsb)"
    } else if has("word/document.xml") {
        "a Word document"
    } else if has("ppt/presentation.xml") {
        "a PowerPoint presentation"
    } else if has("content.xml") {
        "an OpenDocument file"
    } else {
        "a ZIP archive"
    };
    Err(ReadError::new(
        ReadErrorKind::UnsupportedFileType,
        format!("this file is {what}, not an .xlsx workbook; save the export as .xlsx or CSV"),
    ))
}

/// The end-of-directory record sits in the last 22 bytes plus an optional comment of up to 64 KiB.
fn find_end_record(bytes: &[u8]) -> Option<usize> {
    let last = bytes.len().checked_sub(END_RECORD_LEN)?;
    let first = last.saturating_sub(usize::from(u16::MAX));
    (first..=last).rev().find(|&at| bytes.get(at..at + 4) == Some(&END_OF_DIRECTORY[..]))
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn le_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

pub(crate) fn cut_off() -> ReadError {
    ReadError::new(
        ReadErrorKind::Truncated,
        "the workbook is incomplete (its ZIP directory is missing or cut off), as after an interrupted \
         download or upload; upload the complete file again",
    )
}

pub(crate) fn damaged() -> ReadError {
    ReadError::new(
        ReadErrorKind::Truncated,
        "the workbook is damaged and cannot be opened; open it in Excel, save it again and upload that copy",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored (uncompressed) ZIP with the given entries, written by hand so the test needs no ZIP writer.
    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut directory = Vec::new();
        for (name, data) in entries {
            let offset = u32::try_from(out.len()).unwrap();
            let size = u32::try_from(data.len()).unwrap();
            let name_len = u16::try_from(name.len()).unwrap();
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&name_len.to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            directory.extend_from_slice(b"PK\x01\x02");
            directory.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            directory.extend_from_slice(&size.to_le_bytes());
            directory.extend_from_slice(&size.to_le_bytes());
            directory.extend_from_slice(&name_len.to_le_bytes());
            directory.extend_from_slice(&[0; 12]);
            directory.extend_from_slice(&offset.to_le_bytes());
            directory.extend_from_slice(name.as_bytes());
        }
        let start = u32::try_from(out.len()).unwrap();
        let count = u16::try_from(entries.len()).unwrap();
        out.extend_from_slice(&directory);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&u32::try_from(directory.len()).unwrap().to_le_bytes());
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    #[test]
    fn a_workbook_passes() {
        assert_eq!(check(&zip(&[("[Content_Types].xml", b"x"), ("xl/workbook.xml", b"y")])), Ok(()));
    }

    #[test]
    fn any_cut_is_truncated() {
        let whole = zip(&[("[Content_Types].xml", b"x"), ("xl/workbook.xml", b"y")]);
        for len in [4, whole.len() / 2, whole.len() - 1] {
            assert_eq!(check(&whole[..len]).unwrap_err().kind, ReadErrorKind::Truncated, "cut at {len}");
        }
    }

    #[test]
    fn other_office_files_are_named() {
        let error = check(&zip(&[("word/document.xml", b"x")])).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::UnsupportedFileType);
        assert!(error.message.contains("Word"), "{}", error.message);
    }

    #[test]
    fn a_declared_size_beyond_the_limit_is_too_large() {
        let mut bomb = zip(&[("xl/workbook.xml", b"y")]);
        let directory = bomb.len() - 22 - (46 + "xl/workbook.xml".len());
        bomb[directory + 24..directory + 28].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(check(&bomb).unwrap_err().kind, ReadErrorKind::TooLarge);
    }
}
