//! Opening the database and bringing its schema up to date, on SQLite (the embedded default) or PostgreSQL.
//! What differs between the two lives in `sqlite.rs` and `postgres.rs`; the rest of the code is the same.

pub mod location;
pub mod postgres;
pub mod sqlite;

pub use location::{Location, LocationError};

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr};
use std::collections::HashSet;

/// Connections a PostgreSQL pool holds unless `--db-pool` says otherwise.
pub const DEFAULT_POOL_SIZE: u32 = 10;

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("could not open the database at {location}: {source}")]
    Open { location: String, source: DbErr },
    #[error("could not take the startup lock beside {location}: {source}")]
    StartupLock { location: String, source: std::io::Error },
    #[error("could not migrate the database: {0}")]
    Migrate(DbErr),
    #[error(
        "the database was migrated by a newer scoregrc (it has migrations this binary does not know: {0}); \
         run the newer binary or restore a backup"
    )]
    NewerThanBinary(String),
}

/// Opens the database at `location` without migrating it.
pub async fn open(location: &Location, pool_size: u32) -> Result<DatabaseConnection, DbSetupError> {
    let opened = match location {
        Location::Sqlite(path) => sqlite::open(path).await,
        Location::Postgres(url) => postgres::open(url, pool_size).await,
    };
    opened.map_err(|source| DbSetupError::Open { location: location.redacted(), source })
}

/// Opens (creating when missing) the database at `location` and runs every pending migration; instances
/// starting at once on one PostgreSQL database migrate it once.
pub async fn open_and_migrate(location: &Location) -> Result<DatabaseConnection, DbSetupError> {
    let db = open(location, DEFAULT_POOL_SIZE).await?;
    let lock = StartupLock::take(location).await?;
    migrate(&db).await?;
    lock.release().await?;
    Ok(db)
}

/// Held by a starting instance while it sets the database up (migrations, shipped catalogs, first admin,
/// keys), so several instances started at the same moment do each of these once.
pub struct StartupLock {
    location: String,
    held: HeldStartupLock,
}

enum HeldStartupLock {
    /// A lock file beside the SQLite database.
    Sqlite(sqlite::StartupLock),
    /// A session advisory lock on the server.
    Postgres(postgres::StartupLock),
}

impl StartupLock {
    /// Waits for any other starting instance, then holds the lock.
    pub async fn take(location: &Location) -> Result<Self, DbSetupError> {
        let redacted = location.redacted();
        let held = match location {
            Location::Sqlite(path) => sqlite::StartupLock::take(path)
                .await
                .map(HeldStartupLock::Sqlite)
                .map_err(|source| DbSetupError::StartupLock { location: redacted.clone(), source })?,
            Location::Postgres(url) => postgres::StartupLock::take(url)
                .await
                .map(HeldStartupLock::Postgres)
                .map_err(|source| DbSetupError::Open { location: redacted.clone(), source })?,
        };
        Ok(Self { location: redacted, held })
    }

    /// Lets the next starting instance go.
    pub async fn release(self) -> Result<(), DbSetupError> {
        match self.held {
            HeldStartupLock::Sqlite(lock) => {
                lock.release().map_err(|source| DbSetupError::StartupLock { location: self.location, source })
            }
            HeldStartupLock::Postgres(lock) => lock.release().await.map_err(DbSetupError::Migrate),
        }
    }
}

/// Runs pending migrations; refuses a database that a newer binary has migrated.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbSetupError> {
    let known: HashSet<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let applied = Migrator::get_migration_models(db).await.map_err(DbSetupError::Migrate)?;
    let unknown: Vec<String> = applied.into_iter().map(|m| m.version).filter(|v| !known.contains(v)).collect();
    if !unknown.is_empty() {
        return Err(DbSetupError::NewerThanBinary(unknown.join(", ")));
    }
    Migrator::up(db, None).await.map_err(DbSetupError::Migrate)
}

/// The tables of the database behind `conn`, by name: the application's and `seaql_migrations`, never the
/// backend's own.
pub async fn table_names(conn: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    match conn.get_database_backend() {
        DbBackend::Postgres => postgres::table_names(conn).await,
        _ => sqlite::table_names(conn).await,
    }
}

/// Brings the id counters up to the rows just inserted with their ids given (a copy). PostgreSQL's sequences
/// need moving; SQLite's `AUTOINCREMENT` counter already follows the largest id inserted.
pub async fn after_rows_inserted_with_ids(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    match conn.get_database_backend() {
        DbBackend::Postgres => postgres::move_sequences_past_their_rows(conn).await,
        _ => Ok(()),
    }
}
