//! A bound on the `uniqueCount` of a workbook's shared strings, checked before calamine opens the workbook.
//!
//! calamine reserves room for `uniqueCount` strings as soon as it reads the `<sst>` tag, trusting the number:
//! `uniqueCount="4000000000"` asks for about 96 GB at once, and a failed allocation aborts the process (no
//! panic to catch). A real count cannot exceed what the workbook holds: every string costs at least a few bytes
//! of XML, in the strings part (`<si/>`) or in a cell referring to it. So a count above a quarter of the
//! workbook's declared size is refused; calamine's reservation then stays within a few times the file's size.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use crate::error::{ReadError, ReadErrorKind};

/// Bytes of XML a workbook needs at least per shared string.
const MIN_BYTES_PER_STRING: u64 = 4;

const ATTRIBUTE: &[u8] = b"uniqueCount";

/// Refuses a shared strings part whose `uniqueCount` exceeds what `declared` decompressed bytes can hold.
///
/// Looks at every part named like calamine's shared strings (`…sharedStrings.xml`, any case or folder) and at
/// every `uniqueCount="…"` in it, not only the `<sst>` tag's: a superset of what calamine reads, without an XML
/// parser that could disagree with calamine's about where the tag is.
pub(crate) fn check(archive: &mut ZipArchive<Cursor<&[u8]>>, declared: u64) -> Result<(), ReadError> {
    let limit = declared / MIN_BYTES_PER_STRING;
    for index in 0..archive.len() {
        let is_shared_strings = archive
            .name_for_index(index)
            .and_then(Result::ok)
            .is_some_and(|name| name.replace('\\', "/").to_ascii_lowercase().ends_with("sharedstrings.xml"));
        if !is_shared_strings {
            continue;
        }
        // A part that cannot be opened is reported by calamine when it gets there; nothing is reserved before.
        let Ok(part) = archive.by_index(index) else { continue };
        if let Some(count) = largest_count(part).filter(|count| *count > limit) {
            return Err(ReadError::new(
                ReadErrorKind::Truncated,
                format!(
                    "the workbook is damaged: its shared strings claim {count} entries, more than its {declared} \
                     bytes can hold; open it in Excel, save it again and upload that copy"
                ),
            ));
        }
    }
    Ok(())
}

/// The largest `uniqueCount` written as digits in `part`, read as a stream. A read error ends the look: calamine
/// stops at the same byte, so it cannot have read a count after it.
fn largest_count(mut part: impl Read) -> Option<u64> {
    let mut scanner = Scanner::default();
    let mut buffer = [0u8; 16 * 1024];
    while let Ok(read @ 1..) = part.read(&mut buffer) {
        buffer.get(..read).unwrap_or_default().iter().for_each(|&byte| scanner.push(byte));
    }
    scanner.largest
}

/// Finds `uniqueCount`, optional space, `=`, optional space and a quoted value, byte by byte.
#[derive(Default)]
struct Scanner {
    state: State,
    largest: Option<u64>,
}

#[derive(Default, Clone, Copy)]
enum State {
    #[default]
    Outside,
    /// This many bytes of [`ATTRIBUTE`] matched so far.
    Name(usize),
    BeforeEquals,
    AfterEquals,
    /// Inside the quotes: the closing quote, the value so far (saturating), whether it is digits only so far.
    Value {
        quote: u8,
        value: u64,
        digits: bool,
        empty: bool,
    },
}

impl Scanner {
    fn push(&mut self, byte: u8) {
        self.state = match self.state {
            State::Outside | State::Name(_) => self.name(byte),
            State::BeforeEquals if byte.is_ascii_whitespace() => State::BeforeEquals,
            State::BeforeEquals if byte == b'=' => State::AfterEquals,
            State::AfterEquals if byte.is_ascii_whitespace() => State::AfterEquals,
            State::AfterEquals if matches!(byte, b'"' | b'\'') => {
                State::Value { quote: byte, value: 0, digits: true, empty: true }
            }
            State::Value { quote, value, digits, empty } if byte == quote => {
                // calamine's number parser takes digits only (leading zeros too); anything else reserves nothing.
                if digits && !empty {
                    self.largest = self.largest.max(Some(value));
                }
                State::Outside
            }
            State::Value { quote, value, digits, .. } => State::Value {
                quote,
                value: value.saturating_mul(10).saturating_add(u64::from(byte.wrapping_sub(b'0'))),
                digits: digits && byte.is_ascii_digit(),
                empty: false,
            },
            State::BeforeEquals | State::AfterEquals => self.name(byte),
        };
    }

    /// The next state when `byte` may continue or start the attribute name.
    fn name(&self, byte: u8) -> State {
        let matched = if let State::Name(matched) = self.state { matched } else { 0 };
        // No proper prefix of `uniqueCount` is also its suffix, so a mismatch can only restart at `u`.
        if ATTRIBUTE.get(matched) == Some(&byte) {
            if matched + 1 == ATTRIBUTE.len() { State::BeforeEquals } else { State::Name(matched + 1) }
        } else if ATTRIBUTE.first() == Some(&byte) {
            State::Name(1)
        } else {
            State::Outside
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(xml: &str) -> Option<u64> {
        largest_count(xml.as_bytes())
    }

    #[test]
    fn the_count_is_found_however_it_is_spaced_and_quoted() {
        assert_eq!(count(r#"<?xml version="1.0"?><sst count="9" uniqueCount="3"><si><t>a</t></si>"#), Some(3));
        assert_eq!(count("<x:sst uniqueCount = '000120' >"), Some(120));
        assert_eq!(count(r#"<sst uniqueuniqueCount="7">"#), Some(7));
        assert_eq!(count(r#"<sst uniqueCount="1"/><sst uniqueCount="99999999999999999999999">"#), Some(u64::MAX));
    }

    #[test]
    fn values_calamine_would_not_read_as_a_number_are_not_counts() {
        assert_eq!(count(r#"<sst uniqueCount="+5" count="2">"#), None);
        assert_eq!(count(r#"<sst uniqueCount="" uniqueCount="5x">"#), None);
        assert_eq!(count("<sst uniqueCount=5>"), None);
        assert_eq!(count("<sst count=\"5\">"), None);
    }
}
