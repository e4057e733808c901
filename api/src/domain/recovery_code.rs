//! Recovery codes: ten single-use codes, shown once when two-step sign-in is turned on, for when the authenticator
//! is lost. A code is 16 characters of Crockford's base32 (80 random bits), grouped by four; like a service-token
//! secret it cannot be guessed, so a fast hash (SHA-256) stores it safely and checking ten of them costs nothing.

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Codes in a set.
pub const COUNT: usize = 10;
/// Characters in a code, without the dashes.
const LENGTH: usize = 16;
/// Crockford's base32: no I, L, O or U, so nothing reads as something else.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A new code, e.g. `7k2m-q9xd-4hfr-0b3c`, from `rng`.
pub fn generate(rng: &mut impl RngCore) -> String {
    let mut bytes = [0u8; LENGTH];
    rng.fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes.iter().map(|b| char::from(ALPHABET[usize::from(b & 31)])).collect();
    chars.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A fresh set of [`COUNT`] codes, to show once.
pub fn generate_set(rng: &mut impl RngCore) -> Vec<String> {
    (0..COUNT).map(|_| generate(rng)).collect()
}

/// A code as typed: case, spaces and dashes do not matter, and I/L read as 1, O as 0 (Crockford's decoding).
fn normalise(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'i' | 'l' => '1',
            'o' => '0',
            other => other,
        })
        .collect()
}

/// The stored form of a code.
pub fn digest(code: &str) -> String {
    hex::encode(Sha256::digest(normalise(code).as_bytes()))
}

/// One stored code: its digest, and when it was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCode {
    pub sha256: String,
    pub used_at: Option<DateTime<Utc>>,
}

/// An account's recovery codes, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecoveryCodes(Vec<StoredCode>);

impl RecoveryCodes {
    /// The stored form of a freshly generated set.
    pub fn of(codes: &[String]) -> Self {
        Self(codes.iter().map(|c| StoredCode { sha256: digest(c), used_at: None }).collect())
    }

    /// Codes not used yet.
    pub fn remaining(&self) -> usize {
        self.0.iter().filter(|c| c.used_at.is_none()).count()
    }

    /// Uses `typed` when it is one of the unused codes; answers whether it was.
    pub fn redeem(&mut self, typed: &str, now: DateTime<Utc>) -> bool {
        let wanted = digest(typed);
        match self.0.iter_mut().find(|c| c.used_at.is_none() && c.sha256 == wanted) {
            Some(code) => {
                code.used_at = Some(now);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn a_set_is_ten_distinct_grouped_codes_of_the_alphabet() {
        let codes = generate_set(&mut rand::rngs::OsRng);
        assert_eq!(codes.len(), COUNT);
        for code in &codes {
            assert_eq!(code.len(), 19, "{code}");
            assert!(code.split('-').all(|g| g.len() == 4 && g.bytes().all(|b| ALPHABET.contains(&b))), "{code}");
        }
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), COUNT);
    }

    #[test]
    fn each_code_works_once_however_it_is_typed() {
        let codes = vec!["7k2m-q9xd-4hfr-0b3c".to_owned(), "aaaa-bbbb-cccc-dddd".to_owned()];
        let mut stored = RecoveryCodes::of(&codes);
        assert_eq!(stored.remaining(), 2);
        assert!(stored.redeem(" 7K2M Q9XD 4HFR OB3C ", now()));
        assert_eq!(stored.remaining(), 1);
        assert!(!stored.redeem("7k2m-q9xd-4hfr-0b3c", now()), "a used code is refused");
        assert!(!stored.redeem("zzzz-zzzz-zzzz-zzzz", now()));
        assert_eq!(stored.remaining(), 1);
    }

    #[test]
    fn only_digests_are_stored() {
        let code = "7k2m-q9xd-4hfr-0b3c".to_owned();
        let text = serde_json::to_string(&RecoveryCodes::of(std::slice::from_ref(&code))).unwrap_or_default();
        assert!(!text.contains("7k2m") && !text.contains("7k2mq9xd"), "{text}");
        assert!(text.contains(&digest(&code)));
    }
}
