//! Authentication: password hashing, session tokens (JWT), service-token secrets, download tokens, and resolving
//! a bearer credential to the [`Principal`](crate::domain::principal::Principal) it stands for.

pub mod download_tokens;
pub mod oidc;
pub mod password;
pub mod principals;
pub mod service_token;
pub mod session;
pub mod sso;

/// Why a credential was not accepted. Every variant answers the client the same 401, so nothing leaks about
/// which check failed; the variant is for the log.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no bearer credential")]
    Missing,
    #[error("malformed or badly signed session token: {0}")]
    BadToken(String),
    #[error("the session token has expired")]
    Expired,
    #[error("the session was ended by a password change or by disabling the account")]
    SessionEnded,
    #[error("unknown, revoked or expired service token")]
    UnknownServiceToken,
    #[error("the account does not exist or is disabled")]
    AccountUnavailable,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("the provider's access token was refused: {0}")]
    ProviderToken(crate::domain::sso::Refusal),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
