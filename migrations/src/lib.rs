//! Schema migrations for scoregrc, in the order they run.
//!
//! One change per file, named `mYYYYMMDD_NNNNNN_verb_noun`. Each file declares its own `DeriveIden` enums and
//! never imports the service's entities, so an old migration keeps compiling as the entities move on.
//! Landed migrations are never edited: a change is a new file appended to [`Migrator::migrations`].

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_tenants;
mod m20261123_000002_create_users;
mod m20261123_000003_create_tenant_memberships;
mod m20261123_000004_create_api_tokens;
mod m20261123_000005_create_audit_log;
mod m20261123_000006_create_settings;
mod m20261123_000007_create_recommendations;
mod m20261123_000008_create_recommendation_sources;
mod m20261123_000009_create_status_changes;
mod m20261123_000010_create_score_snapshots;
mod m20261123_000011_create_import_runs;
mod m20261123_000012_create_jobs;
mod m20261123_000013_create_connectors;
mod m20261123_000014_create_frameworks;
mod m20261123_000015_create_default_mappings;
mod m20261123_000016_create_catalog_versions;
mod m20261123_000017_create_ratings;
mod m20261123_000018_add_status_change_evidence;
mod m20261123_000019_create_mapping_overrides;
mod m20261123_000020_create_item_ownership_and_notes;
mod m20261123_000021_create_graph_write_backs;
mod m20261123_000022_add_custom_frameworks_and_catalog_updates;
mod m20261123_000023_create_risk_register;
mod m20261123_000024_create_roadmaps;
mod m20261123_000025_create_alerts;
mod m20261123_000026_create_alert_channels;
mod m20261123_000027_add_recommendation_licence;
mod m20261123_000028_index_recommendations_by_tenant_and_id;
mod m20261123_000029_create_evidence;
mod m20261123_000030_create_soa_statements;
mod m20261123_000031_create_user_second_factor;
mod m20261123_000032_create_list_changes;
mod m20261123_000033_create_leases;
mod m20261123_000034_create_sign_in_failures_and_download_tokens;
mod m20261124_000035_create_single_sign_on;

/// The ordered list of every migration the binary knows.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_tenants::Migration),
            Box::new(m20261123_000002_create_users::Migration),
            Box::new(m20261123_000003_create_tenant_memberships::Migration),
            Box::new(m20261123_000004_create_api_tokens::Migration),
            Box::new(m20261123_000005_create_audit_log::Migration),
            Box::new(m20261123_000006_create_settings::Migration),
            Box::new(m20261123_000007_create_recommendations::Migration),
            Box::new(m20261123_000008_create_recommendation_sources::Migration),
            Box::new(m20261123_000009_create_status_changes::Migration),
            Box::new(m20261123_000010_create_score_snapshots::Migration),
            Box::new(m20261123_000011_create_import_runs::Migration),
            Box::new(m20261123_000012_create_jobs::Migration),
            Box::new(m20261123_000013_create_connectors::Migration),
            Box::new(m20261123_000014_create_frameworks::Migration),
            Box::new(m20261123_000015_create_default_mappings::Migration),
            Box::new(m20261123_000016_create_catalog_versions::Migration),
            Box::new(m20261123_000017_create_ratings::Migration),
            Box::new(m20261123_000018_add_status_change_evidence::Migration),
            Box::new(m20261123_000019_create_mapping_overrides::Migration),
            Box::new(m20261123_000020_create_item_ownership_and_notes::Migration),
            Box::new(m20261123_000021_create_graph_write_backs::Migration),
            Box::new(m20261123_000022_add_custom_frameworks_and_catalog_updates::Migration),
            Box::new(m20261123_000023_create_risk_register::Migration),
            Box::new(m20261123_000024_create_roadmaps::Migration),
            Box::new(m20261123_000025_create_alerts::Migration),
            Box::new(m20261123_000026_create_alert_channels::Migration),
            Box::new(m20261123_000027_add_recommendation_licence::Migration),
            Box::new(m20261123_000028_index_recommendations_by_tenant_and_id::Migration),
            Box::new(m20261123_000029_create_evidence::Migration),
            Box::new(m20261123_000030_create_soa_statements::Migration),
            Box::new(m20261123_000031_create_user_second_factor::Migration),
            Box::new(m20261123_000032_create_list_changes::Migration),
            Box::new(m20261123_000033_create_leases::Migration),
            Box::new(m20261123_000034_create_sign_in_failures_and_download_tokens::Migration),
            Box::new(m20261124_000035_create_single_sign_on::Migration),
        ]
    }
}

/// The PostgreSQL advisory lock every write transaction holds to its end (the service's `store::begin_write`,
/// and the change-log triggers of [`m20261123_000032_create_list_changes`]): writers commit one at a time on
/// PostgreSQL as they do on SQLite. The value is "scoregrc" in ASCII.
pub const WRITER_LOCK_KEY: i64 = 0x7363_6f72_6567_7263;
