//! Everything specific to SQLite lives here: connection pragmas and the online backup statement.
//! The rest of the store speaks sea-orm's query builder so it can run on PostgreSQL unchanged.

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, Statement};
use std::path::Path;
use std::time::Duration;

/// How long a writer waits for another writer's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the SQLite file at `path`, creating it when missing, with WAL, foreign keys, a busy timeout and
/// `synchronous=NORMAL` (durable across crashes of the process; WAL makes it safe against power loss too
/// except for the last transactions).
pub async fn open(path: &Path) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
    options
        .max_connections(8)
        .min_connections(1)
        .acquire_timeout(BUSY_TIMEOUT + Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts: SqliteConnectOptions| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT)
        });
    Database::connect(options).await
}

/// Writes a consistent copy of the live database to `target` without stopping writers (`VACUUM INTO`).
pub async fn backup_into(db: &DatabaseConnection, target: &Path) -> Result<(), DbErr> {
    let target = target.display().to_string();
    db.execute_raw(Statement::from_sql_and_values(db.get_database_backend(), "VACUUM INTO ?", [target.into()]))
        .await
        .map(|_| ())
}
