//! sea-orm entities: one per table, columns only, no logic.

pub mod api_token;
pub mod api_token_tenant;
pub mod audit_log;
pub mod setting;
pub mod tenant;
pub mod tenant_membership;
pub mod user;
