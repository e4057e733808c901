//! What kind of file the bytes are, judged by content rather than by file name.

use crate::error::{ReadError, ReadErrorKind};

/// The file kinds this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// Delimited text: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252.
    Csv,
    /// An Office Open XML workbook (a ZIP container).
    Xlsx,
}

/// Tells a CSV export from an xlsx workbook by looking at the bytes.
///
/// Old `.xls` (and password-protected workbooks, which Excel also stores in the OLE2 container), PDFs,
/// images and other binary data are [`ReadErrorKind::UnsupportedFileType`]; nothing or only whitespace is
/// [`ReadErrorKind::Empty`].
pub fn detect(bytes: &[u8]) -> Result<FileKind, ReadError> {
    match sniff(bytes) {
        Sniff::Zip => Ok(FileKind::Xlsx),
        Sniff::Text(encoding) => {
            let text = crate::text::decode_as(bytes, encoding)?;
            if text.trim().is_empty() { Err(empty_file()) } else { Ok(FileKind::Csv) }
        }
        Sniff::Empty => Err(empty_file()),
        Sniff::Ole2 => Err(old_excel_file()),
        Sniff::Binary(what) => Err(binary_file(what)),
    }
}

/// How text bytes are encoded, as far as the first bytes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextEncoding {
    /// UTF-8 with its byte order mark.
    Utf8Bom,
    /// UTF-16 little endian with BOM (Excel's "Unicode text").
    Utf16Le,
    /// UTF-16 big endian with BOM.
    Utf16Be,
    /// No BOM: UTF-8 when valid, else Windows-1252 (Excel's plain "CSV" on Windows writes the ANSI code page).
    Unmarked,
}

/// The result of looking at the first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniff {
    Empty,
    Zip,
    Ole2,
    Text(TextEncoding),
    /// Binary data, described for a message ("a PDF document").
    Binary(&'static str),
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Well-known signatures, so the message can say what was uploaded instead of "binary data".
const KNOWN_BINARIES: &[(&[u8], &str)] = &[
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (&[0xFF, 0xD8, 0xFF], "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (&[0x1F, 0x8B], "a gzip archive"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"7z\xBC\xAF", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
];

pub(crate) fn sniff(bytes: &[u8]) -> Sniff {
    if bytes.is_empty() {
        return Sniff::Empty;
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return Sniff::Zip;
    }
    // The full 8-byte signature, and the 4-byte prefix the brief names, both mean OLE2.
    if bytes.starts_with(OLE2_MAGIC) || bytes.starts_with(&OLE2_MAGIC[..4]) {
        return Sniff::Ole2;
    }
    if let Some((_, what)) = KNOWN_BINARIES.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Sniff::Binary(what);
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Sniff::Text(TextEncoding::Utf8Bom);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Sniff::Text(TextEncoding::Utf16Le);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Sniff::Text(TextEncoding::Utf16Be);
    }
    if bytes.iter().any(|&byte| is_binary_byte(byte)) {
        return Sniff::Binary("binary data");
    }
    Sniff::Text(TextEncoding::Unmarked)
}

/// Control bytes that never occur in a text export (tab, line breaks and form feed do).
fn is_binary_byte(byte: u8) -> bool {
    byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r' | 0x0C)
}

pub(crate) fn empty_file() -> ReadError {
    ReadError::new(ReadErrorKind::Empty, "the file is empty; export the recommended actions again and upload that file")
}

pub(crate) fn old_excel_file() -> ReadError {
    ReadError::new(
        ReadErrorKind::UnsupportedFileType,
        "this is an old Excel 97-2003 workbook (.xls) or a password-protected workbook; \
         open it in Excel and save it as .xlsx (without a password) or as CSV",
    )
}

pub(crate) fn binary_file(what: &str) -> ReadError {
    ReadError::new(
        ReadErrorKind::UnsupportedFileType,
        format!(
            "this file is {what}, not a Secure Score export; upload the CSV from Secure Score → \
             Recommended actions → Export, or an .xlsx workbook"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(bytes: &[u8]) -> Result<FileKind, ReadErrorKind> {
        detect(bytes).map_err(|error| error.kind)
    }

    #[test]
    fn zip_magic_is_xlsx() {
        assert_eq!(kind_of(b"PK\x03\x04rest of a workbook"), Ok(FileKind::Xlsx));
    }

    #[test]
    fn ole2_magic_is_refused_with_advice_to_save_as_xlsx() {
        let error = detect(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::UnsupportedFileType);
        assert!(error.message.contains(".xlsx"), "{}", error.message);
        assert!(error.message.contains("CSV"), "{}", error.message);
        assert_eq!(kind_of(&[0xD0, 0xCF, 0x11, 0xE0]), Err(ReadErrorKind::UnsupportedFileType));
    }

    #[test]
    fn nothing_or_whitespace_is_empty() {
        assert_eq!(kind_of(b""), Err(ReadErrorKind::Empty));
        assert_eq!(kind_of(b"  \r\n\t \n"), Err(ReadErrorKind::Empty));
        assert_eq!(kind_of(b"\xEF\xBB\xBF"), Err(ReadErrorKind::Empty));
        assert_eq!(kind_of(&[0xFF, 0xFE, b' ', 0, b'\n', 0]), Err(ReadErrorKind::Empty));
    }

    #[test]
    fn text_in_every_supported_encoding_is_csv() {
        assert_eq!(kind_of(b"Rank,Recommended action\n1,x\n"), Ok(FileKind::Csv));
        assert_eq!(kind_of(b"\xEF\xBB\xBFRank;Rang\r\n"), Ok(FileKind::Csv));
        assert_eq!(kind_of(&[0xFF, 0xFE, b'R', 0, b'a', 0]), Ok(FileKind::Csv));
        assert_eq!(kind_of(&[0xFE, 0xFF, 0, b'R', 0, b'a']), Ok(FileKind::Csv));
        // Windows-1252 "Maßnahme": 0xDF is not UTF-8 but still text.
        assert_eq!(kind_of(b"Empfohlene Ma\xDFnahme;Erzielte Punkte\n"), Ok(FileKind::Csv));
    }

    #[test]
    fn binary_data_is_refused_and_named_when_known() {
        let pdf = detect(b"%PDF-1.7\n...").unwrap_err();
        assert_eq!(pdf.kind, ReadErrorKind::UnsupportedFileType);
        assert!(pdf.message.contains("PDF"), "{}", pdf.message);
        assert!(detect(b"\x89PNG\r\n\x1a\n").unwrap_err().message.contains("PNG"));
        assert_eq!(kind_of(b"abc\0def"), Err(ReadErrorKind::UnsupportedFileType));
        assert_eq!(kind_of(&[0x01, 0x02, 0x03]), Err(ReadErrorKind::UnsupportedFileType));
        assert_eq!(kind_of(b"PK\x05\x06\0\0"), Err(ReadErrorKind::UnsupportedFileType));
    }

    #[test]
    fn utf16_without_bom_is_binary_because_of_its_nul_bytes() {
        assert_eq!(kind_of(&[b'R', 0, b'a', 0]), Err(ReadErrorKind::UnsupportedFileType));
    }
}
