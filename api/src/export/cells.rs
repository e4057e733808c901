//! Spreadsheet cells that can never be read as formulas. Excel, LibreOffice and Google Sheets treat a cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula (CSV/formula injection, OWASP); such a
//! cell gets a leading apostrophe, which every one of them shows as text.

use std::borrow::Cow;

/// Whether a spreadsheet would read `text` as a formula if it were typed in (`=`, `+`, `-`, `@`, tab, CR).
pub fn starts_like_formula(text: &str) -> bool {
    matches!(text.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// `text` made safe to open in a spreadsheet.
pub fn formula_safe(text: &str) -> Cow<'_, str> {
    if starts_like_formula(text) { Cow::Owned(format!("'{text}")) } else { Cow::Borrowed(text) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_recognised() {
        for text in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(starts_like_formula(text), "{text:?}");
        }
        for text in ["", "a=b", "1-2", " =x"] {
            assert!(!starts_like_formula(text), "{text:?}");
        }
    }

    #[test]
    fn formula_triggers_are_neutralised_and_other_text_is_left_alone() {
        for dangerous in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"] {
            let safe = formula_safe(dangerous);
            assert!(safe.starts_with('\''), "{dangerous}");
            assert_eq!(&safe[1..], dangerous);
        }
        for plain in ["Safe Links", "", "2026-11-12", "4.5", "a=b"] {
            assert_eq!(formula_safe(plain), plain);
        }
    }
}
