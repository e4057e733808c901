//! Everything specific to PostgreSQL lives here: the connection pool, the lock that serialises writers and
//! the lock that lets one starting instance migrate at a time. The store speaks sea-orm's query builder,
//! which runs here unchanged.

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, Statement};
use std::time::Duration;

/// The advisory lock every write transaction takes (`store::begin_write`), and the change-log triggers take
/// too: writes commit one at a time, as they do on SQLite, so a read-check-write (an ETag, the audit chain's
/// head, the change log's sequence) holds across every instance on the database.
pub const WRITER_LOCK: i64 = migrations::WRITER_LOCK_KEY;
/// The advisory lock a starting instance holds while it migrates, applies the shipped catalogs and creates
/// the first admin and the keys: instances started at once do each of these exactly once.
const STARTUP_LOCK: i64 = migrations::WRITER_LOCK_KEY + 1;

/// How long a request waits for a pooled connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(15);

/// Opens a pool of at most `pool_size` connections to the server at `url`.
pub async fn open(url: &str, pool_size: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(pool_size.max(1)).min_connections(1).acquire_timeout(ACQUIRE_TIMEOUT).sqlx_logging(false);
    Database::connect(options).await
}

/// Makes the transaction on `conn` wait for, then hold until it ends, the writers' lock.
pub async fn take_writer_lock(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let sql = format!("SELECT pg_advisory_xact_lock({WRITER_LOCK})");
    conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql)).await.map(|_| ())
}

/// The startup lock, held on a connection of its own until [`StartupLock::release`] or the process ends (the
/// server drops a dead client's session locks, so a crashed start never blocks the next).
pub struct StartupLock {
    conn: DatabaseConnection,
}

impl StartupLock {
    /// Waits until no other instance is starting, then holds the lock.
    pub async fn take(url: &str) -> Result<Self, DbErr> {
        let conn = open(url, 1).await?;
        let sql = format!("SELECT pg_advisory_lock({STARTUP_LOCK})");
        conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql)).await?;
        Ok(Self { conn })
    }

    /// Lets the next starting instance go.
    pub async fn release(self) -> Result<(), DbErr> {
        let sql = format!("SELECT pg_advisory_unlock({STARTUP_LOCK})");
        self.conn.execute_raw(Statement::from_string(self.conn.get_database_backend(), sql)).await?;
        self.conn.close().await
    }
}
