//! Time-based one-time passwords (RFC 6238), the second factor of a local account: HMAC-SHA-1, 6 digits, 30-second
//! steps, one step of clock drift accepted either way, and each step accepted at most once (RFC 6238 §5.2).

use rand::RngCore;
use std::fmt;
use totp_rs::{Algorithm, Builder, Totp};

use super::ValidationError;

/// Digits in a code.
pub const DIGITS: u8 = 6;
/// Seconds in a time step.
pub const STEP_SECONDS: u64 = 30;
/// Steps of clock drift accepted before and after the current one.
pub const DRIFT_STEPS: u16 = 1;
/// Bytes in a new secret: 160 bits, as RFC 4226 §4 recommends.
pub const SECRET_BYTES: usize = 20;
/// Who issues the codes, as authenticator apps show it.
pub const ISSUER: &str = "scoregrc";

/// The secret an account shares with its authenticator app. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    #[error("is not a code of 6 digits")]
    Malformed,
    #[error("does not match")]
    Mismatch,
    #[error("was already used; wait for the next code")]
    Replayed,
}

impl CodeRefusal {
    /// How the audit trail names the refusal.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeRefusal::Malformed => "malformed",
            CodeRefusal::Mismatch => "mismatch",
            CodeRefusal::Replayed => "replayed",
        }
    }
}

impl TotpSecret {
    /// A fresh random secret from `rng`.
    pub fn generate(rng: &mut impl RngCore) -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A stored secret.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The raw secret, to seal it.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret as people type it into an authenticator app: base32 without padding.
    pub fn to_base32(&self) -> String {
        totp_rs::Secret::from(self.0.as_slice()).to_base32()
    }

    fn totp(&self, digits: u8, account: &str) -> Totp {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(digits)
            .with_skew(DRIFT_STEPS)
            .with_step_duration(STEP_SECONDS)
            .with_secret(self.0.clone())
            .with_account_name(account)
            .with_issuer(Some(ISSUER))
            .build_noncompliant()
    }

    /// The `otpauth://totp/…` URI an authenticator app reads (usually from a QR code) for `account`.
    pub fn otpauth_uri(&self, account: &str) -> Result<String, ValidationError> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_step_duration(STEP_SECONDS)
            .with_secret(self.0.clone())
            .with_account_name(account)
            .with_issuer(Some(ISSUER))
            .build()
            .and_then(|totp| totp.to_url())
            .map_err(|e| ValidationError::field("username", format!("cannot name an authenticator entry: {e}")))
    }

    /// The code for the step holding `unix_seconds`.
    pub fn code_at(&self, unix_seconds: u64) -> String {
        self.totp(DIGITS, "").generate(unix_seconds).to_string()
    }

    /// The step `code` belongs to when it is the code of the step holding `unix_seconds` or of one step either
    /// side, and that step is later than `last_used_step`; record the answer as the new last used step.
    pub fn accept(&self, code: &str, unix_seconds: u64, last_used_step: Option<u64>) -> Result<u64, CodeRefusal> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != usize::from(DIGITS) || !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(CodeRefusal::Malformed);
        }
        let step = self.totp(DIGITS, "").check(&code, unix_seconds).ok_or(CodeRefusal::Mismatch)?;
        match last_used_step {
            Some(last) if step <= last => Err(CodeRefusal::Replayed),
            _ => Ok(step),
        }
    }
}

/// The time step holding `unix_seconds`.
pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
    const RFC_SEED: &[u8] = b"12345678901234567890";
    /// RFC 6238 Appendix B, SHA-1 rows: (time, 8-digit TOTP).
    const RFC_VECTORS: [(u64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(RFC_SEED.to_vec())
    }

    #[test]
    fn the_rfc_6238_sha1_test_vectors_hold_with_eight_digits() {
        let secret = rfc_secret();
        for (time, expected) in RFC_VECTORS {
            assert_eq!(secret.totp(8, "").generate(time).to_string(), expected, "T = {time}");
        }
    }

    #[test]
    fn six_digit_codes_are_the_last_six_digits_of_the_rfc_vectors() {
        // Both truncate the same 31-bit number, modulo 10^8 and 10^6.
        let secret = rfc_secret();
        for (time, expected) in RFC_VECTORS {
            assert_eq!(secret.code_at(time), expected[2..], "T = {time}");
        }
    }

    #[test]
    fn the_current_code_and_one_step_of_drift_either_way_are_accepted() {
        let secret = rfc_secret();
        let now: u64 = 1_111_111_111;
        for drift in [-30i64, 0, 30] {
            let code = secret.code_at(now.saturating_add_signed(drift));
            assert_eq!(secret.accept(&code, now, None), Ok(step_of(now.saturating_add_signed(drift))), "{drift}s");
        }
    }

    #[test]
    fn two_steps_of_drift_are_refused() {
        let secret = rfc_secret();
        let now: u64 = 1_111_111_111;
        for drift in [-60i64, 60] {
            let code = secret.code_at(now.saturating_add_signed(drift));
            assert_eq!(secret.accept(&code, now, None), Err(CodeRefusal::Mismatch), "{drift}s");
        }
    }

    #[test]
    fn a_code_is_accepted_once_and_never_for_an_earlier_step_after_a_later_one() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let code = secret.code_at(now);
        let step = secret.accept(&code, now, None);
        assert_eq!(step, Ok(step_of(now)));
        assert_eq!(secret.accept(&code, now, step.ok()), Err(CodeRefusal::Replayed));
        let earlier = secret.code_at(now - 30);
        assert_eq!(secret.accept(&earlier, now, step.ok()), Err(CodeRefusal::Replayed));
        let next = secret.code_at(now + 30);
        assert_eq!(secret.accept(&next, now + 30, step.ok()), Ok(step_of(now) + 1));
    }

    #[test]
    fn codes_with_spaces_are_read_and_anything_else_is_malformed() {
        let secret = rfc_secret();
        let code = secret.code_at(59);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(secret.accept(&spaced, 59, None), Ok(1));
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert_eq!(secret.accept(bad, 59, None), Err(CodeRefusal::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn new_secrets_are_random_160_bits_and_print_as_base32() {
        let mut rng = rand::rngs::OsRng;
        let a = TotpSecret::generate(&mut rng);
        assert_eq!(a.as_bytes().len(), SECRET_BYTES);
        assert_ne!(a, TotpSecret::generate(&mut rng));
        assert_eq!(a.to_base32().len(), 32);
        assert_eq!(format!("{a:?}"), "TotpSecret(…)");
        assert_eq!(rfc_secret().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn the_otpauth_uri_names_issuer_account_and_secret() {
        let uri = rfc_secret().otpauth_uri("alice@example.com").unwrap_or_default();
        assert!(uri.starts_with("otpauth://totp/scoregrc:alice%40example.com?"), "{uri}");
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), "{uri}");
        assert!(uri.contains("issuer=scoregrc"), "{uri}");
    }
}
