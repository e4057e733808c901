//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes), run off the async workers.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use std::sync::OnceLock;

/// Hashes `password` into a PHC string.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Whether `password` matches `phc`. A malformed stored hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Spends the same work as a real check when there is no user to check against, so the time a failed login
/// takes does not tell whether the username exists.
pub fn verify_against_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("no user has this password").unwrap_or_default());
    let _ = verify(password, phc);
}

/// Runs `verify` on the blocking pool.
pub async fn verify_blocking(password: String, phc: Option<String>) -> bool {
    actix_web::web::block(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => {
            verify_against_nothing(&password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Runs `hash` on the blocking pool.
pub async fn hash_blocking(password: String) -> Result<String, String> {
    actix_web::web::block(move || hash(&password).map_err(|e| e.to_string())).await.map_err(|e| e.to_string())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash("correct horse battery").unwrap_or_default();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("wrong horse battery", &phc));
    }

    #[test]
    fn a_malformed_hash_never_matches() {
        assert!(!verify("anything", "not a phc string"));
    }
}
