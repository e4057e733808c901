//! Queries and transactions over the entities. Write operations open their own IMMEDIATE transaction and append
//! their audit row inside it; helpers that take `&impl ConnectionTrait` compose inside a caller's transaction.

pub mod alerts;
pub mod audit;
pub mod audit_segment;
pub mod board;
pub mod catalogs;
pub mod channels;
pub mod comparison;
pub mod connectors;
pub mod copy;
pub mod coverage;
pub mod data_key;
pub mod diagnosis;
pub mod digest_schedule;
pub mod download_tokens;
pub mod error;
pub mod evidence;
pub mod exports;
pub mod frameworks;
pub mod import_apply;
pub mod import_runs;
mod import_write;
pub mod item_list;
pub mod jobs;
pub mod leases;
pub mod mappings;
pub mod memberships;
pub mod notifications;
pub mod ownership;
pub mod page;
pub mod priority_order;
pub mod ratings;
mod recommendation_view;
pub mod recommendations;
pub mod register;
pub mod roadmap;
pub mod scores;
pub mod second_factors;
pub mod session_keys;
pub mod settings;
pub mod sign_in_failures;
pub mod sign_in_policy;
mod single_use;
pub mod soa;
pub mod sso;
pub mod statuses;
pub mod sync_schedule;
pub mod tenants;
pub mod tokens;
pub mod triage_settings;
pub mod triage_workbook;
pub mod users;
pub mod weekly_review;
pub mod write_backs;

pub use error::StoreError;

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, IsolationLevel,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Begins a write transaction; writers commit one at a time on both backends, so a read-check-write inside one
/// (an ETag, the audit chain's head) holds across every instance.
/// - SQLite: `BEGIN IMMEDIATE`, so a writer takes the lock up front and a concurrent writer waits on the busy
///   timeout instead of failing half-way with "database is locked".
/// - PostgreSQL: the transaction takes the writers' advisory lock first (`db::postgres::take_writer_lock`).
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, StoreError> {
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    let tx = db.begin_with_options(options).await?;
    if tx.get_database_backend() == DbBackend::Postgres {
        crate::db::postgres::take_writer_lock(&tx).await?;
    }
    Ok(tx)
}

/// Begins a read-only transaction that sees one snapshot throughout (a workbook or pack read in many queries).
/// SQLite's deferred transaction already does; PostgreSQL needs `REPEATABLE READ` for it.
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, StoreError> {
    let options = match db.get_database_backend() {
        DbBackend::Postgres => TransactionOptions {
            isolation_level: Some(IsolationLevel::RepeatableRead),
            access_mode: Some(AccessMode::ReadOnly),
            ..Default::default()
        },
        _ => TransactionOptions::default(),
    };
    Ok(db.begin_with_options(options).await?)
}

/// `SUM(column)` as a 64-bit integer on both backends: PostgreSQL sums a `bigint` to `numeric`, which does not
/// decode into `i64`.
pub fn sum_as_i64(column: impl sea_orm::ColumnTrait) -> sea_orm::sea_query::SimpleExpr {
    sea_orm::sea_query::Func::cast_as(column.sum(), sea_orm::sea_query::Alias::new("BIGINT")).into()
}
