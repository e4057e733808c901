//! What makes a new password too easy to guess, beyond its length: being a commonly used password, being one
//! with digits or symbols stuck on either end, or repeating a short pattern. (NIST SP 800-63B: check new
//! passwords against lists of commonly used ones; no composition rules.)

use std::collections::HashSet;
use std::sync::LazyLock;

/// 19,640 commonly used passwords, lowercased (see `api/assets/passwords/README.md`).
static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../../assets/passwords/common-passwords.txt").lines().collect());

/// A stripped remainder shorter than this is not looked up: "ab" + digits is caught by length and pattern rules,
/// and short words would refuse too much.
const MIN_STEM_CHARS: usize = 4;

/// Why a password is too easy to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    /// On the list of commonly used passwords.
    Common,
    /// A common password with digits or symbols added before or after it.
    CommonWithAffixes,
    /// One short pattern repeated ("abcabcabcabc", "111111111111").
    Repetitive,
}

impl Weakness {
    /// The reason as shown to the person choosing the password.
    pub fn message(self) -> &'static str {
        match self {
            Weakness::Common => "is on a list of commonly used passwords",
            Weakness::CommonWithAffixes => "is a commonly used password with digits or symbols added",
            Weakness::Repetitive => "repeats a short pattern",
        }
    }
}

/// The first weakness `password` has, if any.
pub fn weakness(password: &str) -> Option<Weakness> {
    let lower = password.to_lowercase();
    if COMMON.contains(lower.as_str()) {
        return Some(Weakness::Common);
    }
    let stem = lower.trim_matches(|c: char| !c.is_alphabetic());
    if stem != lower && stem.chars().count() >= MIN_STEM_CHARS && COMMON.contains(stem) {
        return Some(Weakness::CommonWithAffixes);
    }
    if repeats_a_short_pattern(&lower) {
        return Some(Weakness::Repetitive);
    }
    None
}

/// Whether `text` is one unit of at most a third of its length repeated (so "abab" patterns of half length,
/// like "passwordpassword", are left to the list check rather than refused outright).
fn repeats_a_short_pattern(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len();
    (1..=len / 3).any(|unit| len.is_multiple_of(unit) && chars.chunks(unit).all(|c| c == &chars[..unit]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_loaded_and_lowercase() {
        assert_eq!(COMMON.len(), 19_640);
        assert!(COMMON.contains("qwerty123456"));
        assert!(COMMON.iter().all(|p| p.to_lowercase() == *p));
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert_eq!(weakness("qwerty123456"), Some(Weakness::Common));
        assert_eq!(weakness("QWERTY123456"), Some(Weakness::Common));
        assert_eq!(weakness("1q2w3e4r5t6y"), Some(Weakness::Common));
    }

    #[test]
    fn digits_and_symbols_around_a_common_password_do_not_hide_it() {
        assert_eq!(weakness("Password12345!"), Some(Weakness::CommonWithAffixes));
        assert_eq!(weakness("!!!sunshine2026"), Some(Weakness::CommonWithAffixes));
        assert_eq!(weakness("monkey123456"), Some(Weakness::CommonWithAffixes));
    }

    #[test]
    fn repeated_short_patterns_are_refused() {
        assert_eq!(weakness("zzzzzzzzzzzzzz"), Some(Weakness::Repetitive));
        assert_eq!(weakness("xyzxyzxyzxyz"), Some(Weakness::Repetitive));
        assert_eq!(weakness("9876987698769876"), Some(Weakness::Repetitive));
    }

    #[test]
    fn passphrases_and_random_strings_pass() {
        for good in
            ["correct horse battery staple", "vK3#pQ9!mZ2@", "Tannenbaum im Schnee 1987", "блины с икрой на завтрак"]
        {
            assert_eq!(weakness(good), None, "{good}");
        }
        assert_eq!(weakness("ab12"), None, "a short stem is left to the length rule");
    }
}
