//! What an uploaded file is, told by its bytes: the declared type (the form part's `Content-Type` or the file
//! name) must agree with the magic numbers, and markup or programs are refused outright, because evidence is
//! downloaded and opened by auditors and must never run or render as a page.

use serde::Serialize;

/// The file types accepted as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
    Xlsx,
    Docx,
    Zip,
    Json,
    Csv,
    Text,
}

impl FileType {
    /// Every accepted type.
    pub const ALL: [FileType; 11] = [
        FileType::Png,
        FileType::Jpeg,
        FileType::Gif,
        FileType::Webp,
        FileType::Pdf,
        FileType::Xlsx,
        FileType::Docx,
        FileType::Zip,
        FileType::Json,
        FileType::Csv,
        FileType::Text,
    ];

    /// The media type served with the file.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Gif => "image/gif",
            FileType::Webp => "image/webp",
            FileType::Pdf => "application/pdf",
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileType::Zip => "application/zip",
            FileType::Json => "application/json",
            FileType::Csv => "text/csv",
            FileType::Text => "text/plain",
        }
    }

    /// The file name extension scoregrc gives the file.
    pub fn extension(self) -> &'static str {
        match self {
            FileType::Png => "png",
            FileType::Jpeg => "jpg",
            FileType::Gif => "gif",
            FileType::Webp => "webp",
            FileType::Pdf => "pdf",
            FileType::Xlsx => "xlsx",
            FileType::Docx => "docx",
            FileType::Zip => "zip",
            FileType::Json => "json",
            FileType::Csv => "csv",
            FileType::Text => "txt",
        }
    }

    /// Reads a stored media type back.
    pub fn from_mime(mime: &str) -> Option<FileType> {
        let bare = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match bare.as_str() {
            "image/jpg" | "image/pjpeg" => Some(FileType::Jpeg),
            "application/x-zip-compressed" => Some(FileType::Zip),
            "application/csv" | "text/comma-separated-values" => Some(FileType::Csv),
            other => FileType::ALL.into_iter().find(|t| t.mime() == other),
        }
    }

    fn from_extension(name: &str) -> Option<FileType> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "jpeg" | "jpe" => Some(FileType::Jpeg),
            "log" | "text" | "md" => Some(FileType::Text),
            other => FileType::ALL.into_iter().find(|t| t.extension() == other),
        }
    }

    /// Text types: their bytes must be UTF-8 (and JSON must parse) all the way through.
    pub fn is_text(self) -> bool {
        matches!(self, FileType::Json | FileType::Csv | FileType::Text)
    }
}

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// A binary format with a known signature.
    Binary(FileType),
    /// No binary signature; UTF-8 text so far.
    Text,
    /// Something evidence may not be: a program, markup, or an unknown binary. The text says what was found.
    Refused(String),
}

/// Reads the signature at the start of a file (the first few KiB are enough).
pub fn sniff(head: &[u8]) -> Sniffed {
    if let Some(kind) = infer::get(head) {
        return match FileType::from_mime(kind.mime_type()) {
            Some(t) => Sniffed::Binary(t),
            None => Sniffed::Refused(format!("the bytes are {} ({})", kind.mime_type(), kind.extension())),
        };
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // The head may end inside a character: only an error before the last few bytes counts.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
        Err(_) => return Sniffed::Refused("the bytes are neither a known file format nor UTF-8 text".into()),
    };
    if text.contains('\0') {
        return Sniffed::Refused("the bytes are binary data of an unknown format".into());
    }
    if text.trim_start_matches('\u{feff}').trim_start().starts_with('<') {
        return Sniffed::Refused(
            "the bytes are markup (HTML, SVG or XML), which can run script when opened: export it as PDF or a screenshot"
                .into(),
        );
    }
    Sniffed::Text
}

/// Why a file's type is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeRefusal {
    /// The declared type and the bytes disagree.
    #[error("the file is declared as {declared} but its bytes are {found}")]
    Mismatch { declared: String, found: String },
    /// The declared type and the file name disagree.
    #[error("the file is declared as {declared} but named .{extension}")]
    NameConflict { declared: String, extension: String },
    /// The content is something evidence may not be.
    #[error("{0}")]
    NotAccepted(String),
}

/// Decides the stored type of an upload from what the uploader declared and what the bytes are.
///
/// A part's `Content-Type` of `application/octet-stream` (or none) leaves the file name's extension to declare the
/// type; with neither, the bytes decide (text is then plain text).
pub fn resolve(
    declared_mime: Option<&str>,
    file_name: Option<&str>,
    sniffed: &Sniffed,
) -> Result<FileType, TypeRefusal> {
    let named = file_name.and_then(FileType::from_extension);
    let generic = |m: &str| {
        let bare = m.split(';').next().unwrap_or_default().trim();
        bare.is_empty() || bare.eq_ignore_ascii_case("application/octet-stream")
    };
    let declared = match declared_mime.filter(|m| !generic(m)) {
        Some(mime) => Some(FileType::from_mime(mime).ok_or_else(|| {
            TypeRefusal::NotAccepted(format!(
                "{mime} is not accepted as evidence (accepted: images, PDF, xlsx, docx, zip, JSON, CSV, text)"
            ))
        })?),
        None => named,
    };
    if let (Some(d), Some(n)) = (declared, named)
        && d != n
        && !(d.is_text() && n.is_text())
    {
        return Err(TypeRefusal::NameConflict { declared: d.mime().into(), extension: n.extension().into() });
    }
    match sniffed {
        Sniffed::Refused(why) => Err(TypeRefusal::NotAccepted(why.clone())),
        Sniffed::Binary(found) => match declared {
            Some(d) if d != *found => {
                Err(TypeRefusal::Mismatch { declared: d.mime().into(), found: found.mime().into() })
            }
            _ => Ok(*found),
        },
        Sniffed::Text => match declared {
            Some(d) if !d.is_text() => Err(TypeRefusal::Mismatch { declared: d.mime().into(), found: "text".into() }),
            Some(d) => Ok(d),
            None => Ok(FileType::Text),
        },
    }
}

/// Checks that a text file is UTF-8 all the way through, fed chunk by chunk (a character may span two chunks).
#[derive(Debug, Default)]
pub struct Utf8Check {
    carry: Vec<u8>,
    failed: bool,
}

impl Utf8Check {
    /// Feeds the next chunk.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.failed {
            return;
        }
        let mut joined = std::mem::take(&mut self.carry);
        joined.extend_from_slice(chunk);
        match std::str::from_utf8(&joined) {
            Ok(text) => self.failed = text.contains('\0'),
            Err(e) if e.error_len().is_none() && joined.len() - e.valid_up_to() < 4 => {
                self.failed = joined[..e.valid_up_to()].contains(&0);
                self.carry = joined[e.valid_up_to()..].to_vec();
            }
            Err(_) => self.failed = true,
        }
    }

    /// True when every byte fed was UTF-8 text without NUL, ending on a whole character.
    pub fn passed(&self) -> bool {
        !self.failed && self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0";

    #[test]
    fn binary_formats_are_told_by_their_signature() {
        assert_eq!(sniff(PNG), Sniffed::Binary(FileType::Png));
        assert_eq!(sniff(PDF), Sniffed::Binary(FileType::Pdf));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), Sniffed::Binary(FileType::Jpeg));
    }

    #[test]
    fn programs_markup_and_unknown_binaries_are_refused() {
        assert!(matches!(sniff(ELF), Sniffed::Refused(_)));
        assert!(matches!(sniff(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff"), Sniffed::Refused(_)));
        assert!(matches!(sniff(b"  <!DOCTYPE html><script>alert(1)</script>"), Sniffed::Refused(_)));
        assert!(matches!(sniff(b"\xef\xbb\xbf<svg onload=alert(1)>"), Sniffed::Refused(_)));
        assert!(matches!(sniff(b"abc\0def"), Sniffed::Refused(_)));
        assert!(matches!(sniff(b"\xc3\x28 not utf-8"), Sniffed::Refused(_)));
    }

    #[test]
    fn text_is_text_even_when_the_head_cuts_a_character() {
        assert_eq!(sniff(b"Control,Status\nMFA,Completed\n"), Sniffed::Text);
        assert_eq!(sniff("Contrôle é".as_bytes().split_at(10).0), Sniffed::Text);
    }

    #[test]
    fn the_declared_type_must_match_the_bytes() {
        let png = Sniffed::Binary(FileType::Png);
        assert_eq!(resolve(Some("image/png"), Some("shot.png"), &png), Ok(FileType::Png));
        assert_eq!(resolve(None, Some("shot.png"), &png), Ok(FileType::Png));
        assert_eq!(resolve(Some("application/octet-stream"), None, &png), Ok(FileType::Png));
        assert!(matches!(resolve(Some("application/pdf"), None, &png), Err(TypeRefusal::Mismatch { .. })));
        assert!(matches!(resolve(None, Some("policy.pdf"), &png), Err(TypeRefusal::Mismatch { .. })));
        assert!(matches!(
            resolve(Some("image/png"), Some("shot.pdf"), &Sniffed::Binary(FileType::Pdf)),
            Err(TypeRefusal::NameConflict { .. })
        ));
        assert!(matches!(resolve(Some("image/png"), None, &Sniffed::Text), Err(TypeRefusal::Mismatch { .. })));
    }

    #[test]
    fn text_takes_its_declared_text_type_and_unknown_types_are_refused() {
        assert_eq!(resolve(Some("text/csv"), Some("export.csv"), &Sniffed::Text), Ok(FileType::Csv));
        assert_eq!(resolve(None, Some("policy.json"), &Sniffed::Text), Ok(FileType::Json));
        assert_eq!(resolve(None, None, &Sniffed::Text), Ok(FileType::Text));
        assert_eq!(resolve(Some("text/plain"), Some("notes.csv"), &Sniffed::Text), Ok(FileType::Text));
        assert!(matches!(resolve(Some("text/html"), None, &Sniffed::Text), Err(TypeRefusal::NotAccepted(_))));
        assert!(matches!(
            resolve(Some("image/png"), None, &Sniffed::Refused("x".into())),
            Err(TypeRefusal::NotAccepted(_))
        ));
    }

    #[test]
    fn utf8_is_checked_across_chunk_boundaries() {
        let text = "Zugriff geprüft ✓".as_bytes();
        for cut in 0..text.len() {
            let mut check = Utf8Check::default();
            check.feed(&text[..cut]);
            check.feed(&text[cut..]);
            assert!(check.passed(), "cut at {cut}");
        }
        let mut bad = Utf8Check::default();
        bad.feed(b"ok \xff then");
        assert!(!bad.passed());
        let mut truncated = Utf8Check::default();
        truncated.feed(&"é".as_bytes()[..1]);
        assert!(!truncated.passed());
        let mut nul = Utf8Check::default();
        nul.feed(b"a\0b");
        assert!(!nul.passed());
    }
}
