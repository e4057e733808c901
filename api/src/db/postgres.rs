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

/// The tables of the connection's schema, by name.
pub async fn table_names(conn: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let sql = "SELECT table_name::text FROM information_schema.tables \
               WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1";
    let rows = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql)).await?;
    rows.iter().map(|row| row.try_get_by_index::<String>(0)).collect()
}

/// Moves every serial or identity column's sequence past the largest value its table holds. Rows inserted with
/// their ids given (a copy from another database) leave the sequences at their start, so the next row the service
/// inserts would take an id already used. A sequence is not rolled back with the transaction: after a copy that
/// fails, the empty target's sequences start further on, which costs nothing but id numbers.
pub async fn move_sequences_past_their_rows(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let find = "SELECT table_name::text, column_name::text, \
                pg_get_serial_sequence(quote_ident(table_schema) || '.' || quote_ident(table_name), column_name) \
                FROM information_schema.columns WHERE table_schema = current_schema() \
                AND pg_get_serial_sequence(quote_ident(table_schema) || '.' || quote_ident(table_name), column_name) \
                IS NOT NULL";
    for row in conn.query_all_raw(Statement::from_string(backend, find)).await? {
        let table: String = row.try_get_by_index(0)?;
        let column: String = row.try_get_by_index(1)?;
        let sequence: String = row.try_get_by_index(2)?;
        // `false`: the next value handed out is this one, so an empty table starts at 1 as a new one does.
        let sql = format!(
            "SELECT setval($1::regclass, COALESCE(MAX({}), 0) + 1, false) FROM {}",
            quote_identifier(&column),
            quote_identifier(&table)
        );
        conn.execute_raw(Statement::from_sql_and_values(backend, sql, [sequence.into()])).await?;
    }
    Ok(())
}

/// Creates the empty database `name` on the server `server_url` is connected to, and answers the URL of the new
/// database (the same server, credentials and options). For throwaway databases: tests and benchmarks.
pub async fn create_database(server_url: &str, name: &str) -> Result<String, DbErr> {
    let admin = Database::connect(server_url).await?;
    let created = admin.execute_unprepared(&format!("CREATE DATABASE {}", quote_identifier(name))).await;
    admin.close().await?;
    created?;
    let (without_query, query) = server_url.split_once('?').map_or((server_url, ""), |(url, q)| (url, q));
    let base = without_query.rsplit_once('/').map_or(without_query, |(base, _)| base);
    Ok(if query.is_empty() { format!("{base}/{name}") } else { format!("{base}/{name}?{query}") })
}

/// `name` as a quoted identifier.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
