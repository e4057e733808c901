//! Single sign-on's records: the admin's configuration (the client secret sealed apart), the sign-ins under way
//! and the one-time codes that finish them, and the external identities that sign in as users.

mod handoff;
pub mod identities;
mod settings;

pub use handoff::{Attempt, forget_all_in_flight, redeem_code, start_attempt, take_attempt};
pub use settings::{SsoConfig, client_secret, get, set};
