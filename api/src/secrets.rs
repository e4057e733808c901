//! Sealing of every secret the service stores (the JWT signing key now; connector and SMTP secrets later).
//!
//! XChaCha20-Poly1305 with a 32-byte data key from `SCOREGRC_DATA_KEY` or a key file beside the database.
//! Sealed text is `v1.<base64url(nonce ‖ ciphertext)>`; the purpose is bound as associated data, so a sealed
//! value copied to another setting does not open.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use std::fmt;
use std::io::Write;
use std::path::Path;

const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

/// Why a secret could not be sealed, opened or the key loaded.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("SCOREGRC_DATA_KEY must be 32 bytes, as base64 or 64 hex digits")]
    BadKey,
    #[error("could not read or create the data key file {path}: {source}")]
    KeyFile { path: String, source: std::io::Error },
    #[error("a secret could not be sealed")]
    Seal,
    #[error("a sealed secret could not be opened: wrong data key, or the value was altered")]
    Open,
    #[error("a keyed digest could not be made")]
    Digest,
}

/// Whether `text` is a value [`DataKey::seal`] made (it may still not open).
pub fn is_sealed(text: &str) -> bool {
    text.starts_with(PREFIX)
}

/// The public id of any key: the first 16 hex digits of its SHA-256 (the key cannot be recovered from it).
pub fn key_id(key: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(key)[..8])
}

/// The key that seals stored secrets. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    /// Parses a key given as base64 (standard or URL-safe) or 64 hex digits.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let text = text.trim();
        let bytes = hex::decode(text)
            .ok()
            .or_else(|| STANDARD.decode(text).ok())
            .or_else(|| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok())
            .ok_or(SecretError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SecretError::BadKey)?;
        Ok(Self(key))
    }

    /// The public id of the key: the first 16 hex digits of its SHA-256 (the key cannot be recovered from it).
    pub fn key_id(&self) -> String {
        key_id(&self.0)
    }

    /// Writes the key to a new file at `path` (mode 0600, hex), durably; refuses to overwrite.
    pub fn write_new_file(&self, path: &Path) -> Result<(), SecretError> {
        let io_err = |source| SecretError::KeyFile { path: path.display().to_string(), source };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(io_err)?;
        file.write_all(format!("{}\n", hex::encode(self.0)).as_bytes()).map_err(io_err)?;
        file.sync_all().map_err(io_err)
    }

    /// The key as base64, to hand to an operator who keeps it in `SCOREGRC_DATA_KEY`.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self(key)
    }

    /// Reads the key file at `path`, or creates it (mode 0600) with a fresh key when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretError> {
        let io_err = |source| SecretError::KeyFile { path: path.display().to_string(), source };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                key.write_new_file(path)?;
                Ok(key)
            }
            Err(e) => Err(io_err(e)),
        }
    }

    /// Seals `plaintext` for `purpose` (e.g. `setting:jwt_signing_key`).
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Result<String, SecretError> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: purpose.as_bytes() })
            .map_err(|_| SecretError::Seal)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(sealed)))
    }

    /// A keyed digest (HMAC-SHA256, hex) of `text` for `purpose`: equal texts give equal digests under one key,
    /// so a stored digest can be looked up, but without the key the text cannot be found by trying guesses.
    /// The HMAC key is derived from the data key for digests alone, so it is never the key that seals.
    pub fn keyed_digest(&self, purpose: &str, text: &str) -> Result<String, SecretError> {
        use hmac::{Hmac, Mac};
        type HmacSha256 = Hmac<sha2::Sha256>;
        let mac = |key: &[u8]| <HmacSha256 as Mac>::new_from_slice(key).map_err(|_| SecretError::Digest);
        let mut derive = mac(&self.0)?;
        derive.update(b"scoregrc keyed digest v1");
        let mut digest = mac(&derive.finalize().into_bytes())?;
        // The purpose is length-prefixed, so no purpose and text pair can be read as another.
        digest.update(&(purpose.len() as u64).to_be_bytes());
        digest.update(purpose.as_bytes());
        digest.update(text.as_bytes());
        Ok(hex::encode(digest.finalize().into_bytes()))
    }

    /// Opens a value sealed for the same `purpose` with this key.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<Vec<u8>, SecretError> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or(SecretError::Open)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        XChaCha20Poly1305::new((&self.0).into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: purpose.as_bytes() })
            .map_err(|_| SecretError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_with_the_same_key_and_purpose() {
        let key = DataKey::generate();
        let sealed = key.seal("setting:jwt", b"secret bytes").unwrap_or_default();
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("secret"));
        assert_eq!(key.open("setting:jwt", &sealed).ok(), Some(b"secret bytes".to_vec()));
    }

    #[test]
    fn a_wrong_key_or_purpose_or_a_flipped_byte_does_not_open() {
        let key = DataKey::generate();
        let sealed = key.seal("setting:jwt", b"secret").unwrap_or_default();
        assert!(DataKey::generate().open("setting:jwt", &sealed).is_err());
        assert!(key.open("setting:smtp", &sealed).is_err());
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(key.open("setting:jwt", &String::from_utf8_lossy(&tampered)).is_err());
    }

    #[test]
    fn keys_parse_from_hex_or_base64_and_must_be_32_bytes() {
        assert!(DataKey::parse(&"ab".repeat(32)).is_ok());
        assert!(DataKey::parse(&STANDARD.encode([7u8; 32])).is_ok());
        assert!(DataKey::parse("too-short").is_err());
        assert!(DataKey::parse(&"ab".repeat(31)).is_err());
    }

    #[test]
    fn the_key_file_is_created_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { return };
        let path = dir.path().join("scoregrc.db.key");
        let first = DataKey::load_or_create(&path).map(|k| k.0).ok();
        let second = DataKey::load_or_create(&path).map(|k| k.0).ok();
        assert!(first.is_some());
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777).ok();
            assert_eq!(mode, Some(0o600));
        }
    }

    #[test]
    fn keyed_digests_depend_on_the_key_the_purpose_and_the_text() {
        let key = DataKey::parse(&"ab".repeat(32)).unwrap_or_else(|_| DataKey::generate());
        let digest = |key: &DataKey, purpose: &str, text: &str| key.keyed_digest(purpose, text).unwrap_or_default();
        let bob = digest(&key, "sign_in:username", "bob");
        assert_eq!(bob.len(), 64);
        assert_eq!(bob, digest(&key, "sign_in:username", "bob"));
        assert_ne!(bob, digest(&key, "sign_in:username", "bob2"));
        assert_ne!(bob, digest(&key, "sign_in:address", "bob"));
        assert_ne!(bob, digest(&key, "sign_in:usernam", "ebob"));
        assert_ne!(bob, digest(&DataKey::generate(), "sign_in:username", "bob"));
        assert_ne!(bob, hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"bob")));
    }

    #[test]
    fn debug_output_hides_the_key() {
        assert_eq!(format!("{:?}", DataKey::generate()), "DataKey(…)");
    }
}
