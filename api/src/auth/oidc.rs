//! Talking to an OpenID Connect provider: its discovery document and signing keys (cached, the keys refreshed
//! when a token names one not seen yet, at most once a minute), the authorization code redeemed at its token
//! endpoint, and a token's signature checked against its keys.

pub mod claims;
mod provider;

pub use provider::{CodeRedemption, Discovery, KEY_REFRESH_BOUND, OidcClient, OidcError};
