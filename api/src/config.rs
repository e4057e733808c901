//! Runtime configuration. Built once from flags and `SCOREGRC_*` variables (see `cli.rs`) and passed down:
//! nothing else reads the environment.

use std::path::PathBuf;
use std::time::Duration;

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database: a SQLite file (created on first start) or a PostgreSQL server.
    pub database: crate::db::Location,
    /// The most connections the PostgreSQL pool opens (SQLite keeps its own small pool).
    pub database_pool: u32,
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    /// Base64 (or 64 hex digits) 32-byte key that seals stored secrets. When unset on SQLite, a key file beside
    /// the database is used, created on first start; PostgreSQL needs it set, the same on every instance.
    pub data_key: Option<String>,
    /// Password for the `admin` created on first start; generated and printed once when unset.
    pub admin_password: Option<String>,
    /// How long a login session (JWT) lasts.
    pub session_ttl: Duration,
    /// How long a principal's role and memberships are cached between database reads.
    pub principal_cache_ttl: Duration,
    /// HTTP worker threads.
    pub workers: usize,
    /// Largest JSON request body accepted.
    pub max_json_bytes: usize,
    /// Largest uploaded file (CSV or xlsx).
    pub max_upload_bytes: usize,
    /// Largest evidence file.
    pub max_evidence_bytes: u64,
    /// The most evidence bytes one tenant may hold.
    pub evidence_quota_bytes: u64,
    /// How hard connector imports try against Microsoft.
    pub retry: crate::import::fetch::RetryPolicy,
    /// Create the demo tenant and one demo user per role on start.
    pub demo: bool,
    /// The longest one attempt to deliver a notification (webhook, Teams, SMTP) may take.
    pub delivery_timeout: Duration,
    /// Origins (`https://host[:port]`) whose pages may call the API from a browser; empty turns CORS off.
    pub cors_origins: Vec<String>,
    /// How long the job runner's lease lasts without renewal: with several instances on one database, how soon
    /// another takes the background work over when its holder dies (it is renewed every third of this).
    pub job_lease_ttl: Duration,
    /// The address people reach the service at (`https://grc.example.com`), for the single sign-on redirect URI;
    /// unset, it is read from each request's `Host`.
    pub public_url: Option<String>,
}

impl Config {
    /// Defaults for the database at `database` (a SQLite path or a [`crate::db::Location`]).
    pub fn new(database: impl Into<crate::db::Location>) -> Self {
        Self {
            database: database.into(),
            database_pool: crate::db::DEFAULT_POOL_SIZE,
            bind: "127.0.0.1:8080".to_owned(),
            data_key: None,
            admin_password: None,
            session_ttl: Duration::from_secs(12 * 3600),
            principal_cache_ttl: Duration::from_secs(5),
            workers: 2,
            max_json_bytes: 1024 * 1024,
            max_upload_bytes: 20 * 1024 * 1024,
            max_evidence_bytes: 25 * 1024 * 1024,
            evidence_quota_bytes: 5 * 1024 * 1024 * 1024,
            retry: crate::import::fetch::RetryPolicy::default(),
            demo: false,
            delivery_timeout: Duration::from_secs(15),
            cors_origins: Vec::new(),
            public_url: None,
            job_lease_ttl: Duration::from_secs(15),
        }
    }

    /// Where the data key lives when `SCOREGRC_DATA_KEY` is not set: beside a SQLite file. A PostgreSQL
    /// deployment has no such place: its instances share the key through `SCOREGRC_DATA_KEY`.
    pub fn data_key_path(&self) -> Option<PathBuf> {
        let path = self.database.sqlite_path()?;
        let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "scoregrc.db".into());
        name.push(".key");
        Some(path.with_file_name(name))
    }
}
