//! Bytes to text for the CSV reader: byte order marks, UTF-16 and the Windows-1252 fallback.

use crate::detect::{self, Sniff, TextEncoding};
use crate::error::{ReadError, ReadErrorKind};

/// Decodes a text file, refusing binary content with the same messages as [`crate::detect`].
pub(crate) fn decode(bytes: &[u8]) -> Result<String, ReadError> {
    match detect::sniff(bytes) {
        Sniff::Empty => Err(detect::empty_file()),
        Sniff::Text(encoding) => decode_as(bytes, encoding),
        Sniff::Zip => Err(ReadError::new(
            ReadErrorKind::UnsupportedFileType,
            "this file is an Excel workbook (.xlsx), not CSV; read it as a workbook",
        )),
        Sniff::Ole2 => Err(detect::old_excel_file()),
        Sniff::Binary(what) => Err(detect::binary_file(what)),
    }
}

/// Decodes with a known encoding; the BOM is not part of the result.
pub(crate) fn decode_as(bytes: &[u8], encoding: TextEncoding) -> Result<String, ReadError> {
    match encoding {
        TextEncoding::Utf8Bom => utf8(bytes.get(3..).unwrap_or_default()),
        TextEncoding::Utf16Le => utf16(bytes.get(2..).unwrap_or_default(), u16::from_le_bytes),
        TextEncoding::Utf16Be => utf16(bytes.get(2..).unwrap_or_default(), u16::from_be_bytes),
        TextEncoding::Unmarked => Ok(match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => windows_1252(bytes),
        }),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, ReadError> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|error| {
        ReadError::new(
            ReadErrorKind::UnsupportedFileType,
            format!(
                "the file starts with a UTF-8 marker but byte {} is not UTF-8; save it again as \"CSV UTF-8\"",
                error.valid_up_to() + 4
            ),
        )
    })
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, ReadError> {
    // An odd byte count means the last character was cut off.
    if bytes.len() % 2 == 1 {
        return Err(ReadError::new(
            ReadErrorKind::Truncated,
            "the UTF-16 text ends in the middle of a character; the file looks cut off, upload it again",
        ));
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]])).collect();
    char::decode_utf16(units).collect::<Result<String, _>>().map_err(|_| {
        ReadError::new(
            ReadErrorKind::UnsupportedFileType,
            "the file is marked as UTF-16 but holds invalid characters; save it again as \"CSV UTF-8\"",
        )
    })
}

/// The 0x80–0x9F block of Windows-1252; every other byte is the Unicode code point of the same value.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

fn windows_1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&byte| match byte {
            0x80..=0x9F => CP1252_HIGH[usize::from(byte - 0x80)],
            _ => char::from(byte),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_is_dropped() {
        assert_eq!(decode(b"\xEF\xBB\xBFRank").unwrap(), "Rank");
    }

    #[test]
    fn utf16_both_byte_orders_decode() {
        let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain("Maß;é".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain("Maß;é".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode(&le).unwrap(), "Maß;é");
        assert_eq!(decode(&be).unwrap(), "Maß;é");
    }

    #[test]
    fn utf16_with_an_odd_byte_count_is_truncated() {
        assert_eq!(decode(&[0xFF, 0xFE, b'R', 0, b'a']).unwrap_err().kind, ReadErrorKind::Truncated);
    }

    #[test]
    fn invalid_utf8_falls_back_to_windows_1252() {
        assert_eq!(decode(b"Ma\xDFnahme \x80 \x96 caf\xE9").unwrap(), "Maßnahme € – café");
    }

    #[test]
    fn invalid_utf8_after_a_utf8_bom_is_refused() {
        assert_eq!(decode(b"\xEF\xBB\xBFMa\xDF").unwrap_err().kind, ReadErrorKind::UnsupportedFileType);
    }

    #[test]
    fn workbooks_are_not_decoded_as_text() {
        assert_eq!(decode(b"PK\x03\x04").unwrap_err().kind, ReadErrorKind::UnsupportedFileType);
    }
}
