//! Matching portal titles to Graph titles: a normalised key and a catalog of known titles per control id.
//!
//! The portal export has no control id, only the title the portal shows, so the join to Graph profiles
//! goes through titles. Titles differ between sources in small ways (a trailing space or full stop, `’`
//! against `'`, case), which [`match_key`] removes.

mod catalog;

pub use catalog::{Catalog, CatalogEntry};

/// The normalised key two titles are compared by.
///
/// Lowercases (Unicode), turns typographic quotes, apostrophes and dashes into their ASCII forms, drops
/// zero-width characters, collapses every run of whitespace (including no-break spaces) to one space,
/// trims, and drops trailing full stops.
pub fn match_key(title: &str) -> String {
    let mut key = String::with_capacity(title.len());
    let mut pending_space = false;
    for c in title.chars().flat_map(char::to_lowercase) {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => '"',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => continue,
            other => other,
        };
        if c.is_whitespace() {
            pending_space = !key.is_empty();
            continue;
        }
        if pending_space {
            key.push(' ');
            pending_space = false;
        }
        key.push(c);
    }
    // Trailing full stops differ between the portal, Graph and the docs; spaces before them too.
    while key.ends_with('.') || key.ends_with(' ') {
        key.pop();
    }
    key
}

#[cfg(test)]
mod tests {
    use super::match_key;

    #[test]
    fn trailing_spaces_are_trimmed() {
        assert_eq!(
            match_key("Remove non-admin accounts with DCSync permissions "),
            match_key("Remove non-admin accounts with DCSync permissions")
        );
        assert_eq!(match_key("  Stop weak cipher usage\t\n"), "stop weak cipher usage");
    }

    #[test]
    fn typographic_apostrophe_equals_ascii_apostrophe() {
        assert_eq!(
            match_key("Don’t add allowed IP addresses in the connection filter policy"),
            match_key("Don't add allowed IP addresses in the connection filter policy ")
        );
        assert_eq!(match_key("‘LinkedIn account connections’"), "'linkedin account connections'");
    }

    #[test]
    fn typographic_double_quotes_and_guillemets_become_ascii() {
        assert_eq!(
            match_key("Ensure “User owned apps and services” is restricted"),
            match_key("Ensure \"User owned apps and services\" is restricted")
        );
        assert_eq!(match_key("„Benutzereigene Apps“"), "\"benutzereigene apps\"");
        assert_eq!(match_key("«x»"), "\"x\"");
    }

    #[test]
    fn case_is_ignored_including_non_ascii() {
        assert_eq!(match_key("Enable MFA for ALL users"), "enable mfa for all users");
        assert_eq!(match_key("ÉVITER Ärger"), "éviter ärger");
    }

    #[test]
    fn dashes_become_hyphens() {
        assert_eq!(match_key("Sign-in risk – policy — x − y"), "sign-in risk - policy - x - y");
        assert_eq!(match_key("Non\u{2011}admin"), "non-admin");
    }

    #[test]
    fn inner_whitespace_collapses_including_no_break_spaces() {
        assert_eq!(match_key("Enable \u{a0} self-service\n\npassword   reset"), "enable self-service password reset");
        assert_eq!(match_key("You currently have  global admins"), "you currently have global admins");
    }

    #[test]
    fn trailing_full_stops_are_dropped_but_inner_ones_kept() {
        assert_eq!(
            match_key("Ensure custom banned passwords lists are used."),
            "ensure custom banned passwords lists are used"
        );
        assert_eq!(match_key("Use Microsoft 365 v2.0 ... "), "use microsoft 365 v2.0");
        assert_eq!(match_key("Set a daily message limit ."), "set a daily message limit");
    }

    #[test]
    fn zero_width_characters_and_bom_vanish() {
        assert_eq!(match_key("\u{FEFF}Enable\u{200B} audit"), "enable audit");
    }

    #[test]
    fn empty_and_blank_titles_give_an_empty_key() {
        assert_eq!(match_key(""), "");
        assert_eq!(match_key(" \u{a0} . "), "");
    }

    #[test]
    fn different_titles_keep_different_keys() {
        assert_ne!(
            match_key("Protect all users with a user risk policy"),
            match_key("Protect all users with a sign-in risk policy")
        );
        assert_ne!(match_key("Enable MFA (ESC1)"), match_key("Enable MFA (ESC2)"));
    }
}
