//! Service-token secrets: `sgt_` and 32 random bytes, stored only as their SHA-256.
//! A fast hash is right here: the secret has 256 bits of entropy, so nothing can be guessed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// What every service-token secret starts with, so a leaked one is easy to recognise and to scan for.
pub const PREFIX: &str = "sgt_";

/// A new secret, to be shown once.
pub fn generate(rng: &mut impl RngCore) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_unique_and_stored_as_sha256() {
        let mut rng = rand::rngs::OsRng;
        let a = generate(&mut rng);
        let b = generate(&mut rng);
        assert!(a.starts_with(PREFIX));
        assert_ne!(a, b);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), digest(&b));
    }
}
