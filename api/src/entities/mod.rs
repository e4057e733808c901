//! sea-orm entities: one per table, columns only, no logic.

pub mod api_token;
pub mod api_token_tenant;
pub mod audit_log;
pub mod catalog_update;
pub mod catalog_version;
pub mod connector;
pub mod default_mapping;
pub mod framework;
pub mod framework_control;
pub mod graph_write_back;
pub mod import_run;
pub mod item_note;
pub mod item_ownership;
pub mod job;
pub mod mapping_override;
pub mod mapping_review;
pub mod rating;
pub mod rating_change;
pub mod recommendation;
pub mod recommendation_source;
pub mod score_snapshot;
pub mod setting;
pub mod status_change;
pub mod tenant;
pub mod tenant_membership;
pub mod user;
