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

/// Held by a starting instance while it sets the SQLite file up (its key file, migrations, first admin, keys):
/// an exclusive lock on a file beside the database, `<name>.startup-lock`. SQLite's own lock does not do this:
/// migrations run outside one transaction and the key file is written before the database is opened. The
/// operating system drops the lock when the process ends, so a crashed start never blocks the next.
pub struct StartupLock(std::fs::File);

impl StartupLock {
    /// Waits until no other process is starting on the file at `path`, then holds the lock.
    pub async fn take(path: &Path) -> std::io::Result<Self> {
        let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "scoregrc.db".into());
        name.push(".startup-lock");
        let lock_path = path.with_file_name(name);
        let taking = tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(lock_path)?;
            file.lock()?;
            Ok(Self(file))
        });
        taking.await.map_err(std::io::Error::other)?
    }

    /// Lets the next starting process go.
    pub fn release(self) -> std::io::Result<()> {
        self.0.unlock()
    }
}

/// Writes a consistent copy of the live database to `target` without stopping writers (`VACUUM INTO`).
pub async fn backup_into(db: &DatabaseConnection, target: &Path) -> Result<(), DbErr> {
    let target = target.display().to_string();
    db.execute_raw(Statement::from_sql_and_values(db.get_database_backend(), "VACUUM INTO ?", [target.into()]))
        .await
        .map(|_| ())
}

/// Opens `path` read-only (a backup being checked before it is restored).
pub async fn open_read_only(path: &Path) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=ro", path.display()));
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options).await
}

/// SQLite's own check of every page and index: `["ok"]` when the file is sound, else what is wrong.
pub async fn integrity_check(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), "PRAGMA integrity_check")).await?;
    rows.iter().map(|row| row.try_get_by_index::<String>(0)).collect()
}

/// Whether another process has the database at `path` open (a running service): taking SQLite's exclusive
/// lock fails at once when it does. The lock is released before this returns.
pub async fn in_use(path: &Path) -> Result<bool, DbErr> {
    match take_exclusive_lock(path).await {
        Ok(()) => Ok(false),
        Err(e) if e.to_string().contains("database is locked") || e.to_string().contains("busy") => Ok(true),
        Err(e) => Err(e),
    }
}

async fn take_exclusive_lock(path: &Path) -> Result<(), DbErr> {
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rw", path.display()));
    options.max_connections(1).sqlx_logging(false).map_sqlx_sqlite_opts(|opts: SqliteConnectOptions| {
        opts.locking_mode(sea_orm::sqlx::sqlite::SqliteLockingMode::Exclusive).busy_timeout(Duration::ZERO)
    });
    let db = Database::connect(options).await?;
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_string(backend, "BEGIN EXCLUSIVE")).await?;
    db.execute_raw(Statement::from_string(backend, "COMMIT")).await?;
    db.close().await
}

/// Opens `path` on one connection with `secure_delete` on, so the pages a write frees are zeroed: for writes
/// whose old content must not linger (re-sealing secrets under a new key).
pub async fn open_secure_delete(path: &Path) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rw", path.display()));
    options.max_connections(1).min_connections(1).sqlx_logging(false).map_sqlx_sqlite_opts(
        |opts: SqliteConnectOptions| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT)
                .pragma("secure_delete", "ON")
        },
    );
    Database::connect(options).await
}

/// Leaves no old content behind: folds the write-ahead log into the file and truncates it, rebuilds the file
/// (`VACUUM`, so free pages are gone), and truncates the log again.
pub async fn scrub(db: &DatabaseConnection) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for sql in ["PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"] {
        db.execute_raw(Statement::from_string(backend, sql)).await?;
    }
    Ok(())
}

/// The tables of the file, by name; SQLite's own (`sqlite_sequence`, …) left out.
pub async fn table_names(conn: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
               ORDER BY name";
    let rows = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql)).await?;
    rows.iter().map(|row| row.try_get_by_index::<String>(0)).collect()
}
