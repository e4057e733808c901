//! The instance's Ed25519 key that signs evidence-pack manifests. The secret half is kept sealed in the database
//! (see `store::settings::pack_signing_key`); the public half is published at `GET /api/v1/signing-key` and by
//! `scoregrc keys show`, so an auditor can check a pack offline.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};
use std::fmt;

use crate::domain::evidence::pack::key_id;

/// Signs manifests. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct PackSigner(SigningKey);

impl fmt::Debug for PackSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PackSigner({})", self.key_id())
    }
}

impl PackSigner {
    /// The signer for a stored 32-byte secret key.
    pub fn from_secret(secret: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(secret))
    }

    /// The public key's 32 bytes.
    pub fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// The public key as base64, the form `verify-pack --key` takes.
    pub fn public_key_base64(&self) -> String {
        STANDARD.encode(self.public_key())
    }

    /// The short id manifests name the key by.
    pub fn key_id(&self) -> String {
        key_id(&self.public_key())
    }

    /// The signature over `message`, base64.
    pub fn sign(&self, message: &[u8]) -> String {
        STANDARD.encode(self.0.sign(message).to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evidence::pack::{check_signature, parse_public_key};

    #[test]
    fn what_the_signer_signs_verifies_with_its_published_key() {
        let signer = PackSigner::from_secret(&[3u8; 32]);
        let key = parse_public_key(&signer.public_key_base64()).ok();
        let signature = signer.sign(b"manifest bytes");
        assert!(key.is_some_and(|k| check_signature(&k, b"manifest bytes", &signature).is_ok()));
        assert_eq!(signer.key_id().len(), 16);
        assert!(!format!("{signer:?}").contains(&signer.public_key_base64()));
    }
}
