//! Startup shared by `main` and the tests: open and migrate the database, load keys, create the first admin,
//! optionally the demo, then bind the listener and report the real port.

use actix_web::HttpServer;
use actix_web::dev::Server;
use std::net::TcpListener;
use std::sync::Arc;

use crate::auth::principals::Principals;
use crate::auth::{password, session::SessionKeys};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::demo::{self, DemoAccount};
use crate::domain::audit::Actor;
use crate::domain::role::Role;
use crate::http::metrics::Metrics;
use crate::import::run::Importer;
use crate::jobs::JobRunner;
use crate::secrets::DataKey;
use crate::signing::PackSigner;
use crate::state::AppState;
use crate::store::{settings, users};

/// Things startup did that the operator must be told once.
#[derive(Debug, Default)]
pub struct StartupReport {
    /// The generated password of the first admin, when `SCOREGRC_ADMIN_PASSWORD` was not set.
    pub generated_admin_password: Option<String>,
    /// The demo accounts and their fresh passwords, with `--demo`.
    pub demo_accounts: Vec<DemoAccount>,
}

/// The data key: from the configuration, or the key file beside the database.
pub fn data_key(config: &Config) -> anyhow::Result<DataKey> {
    Ok(match (&config.data_key, config.data_key_path()) {
        (Some(text), _) => DataKey::parse(text)?,
        (None, Some(path)) => DataKey::load_or_create(&path)?,
        (None, None) => anyhow::bail!(
            "on PostgreSQL the data key comes from SCOREGRC_DATA_KEY (or --data-key), the same value on every \
             instance: generate one with `openssl rand -base64 32` and keep it with your secrets"
        ),
    })
}

/// The importer over `db`, with the shipped title catalog.
pub fn importer(
    db: &sea_orm::DatabaseConnection,
    clock: &SharedClock,
    key: Arc<DataKey>,
    config: &Config,
) -> anyhow::Result<Importer> {
    Ok(Importer {
        db: db.clone(),
        clock: clock.clone(),
        data_key: key,
        catalog: Arc::new(crate::import::shipped_catalog()?),
        retry: config.retry.clone(),
    })
}

/// Opens the database and builds the state every handler shares.
pub async fn prepare(config: Config, clock: SharedClock) -> anyhow::Result<(AppState, StartupReport)> {
    let db = crate::db::open(&config.database, config.database_pool).await?;
    // Held until the database is set up, so instances started at once create the key file, migrate, and create
    // the keys and first admin exactly once.
    let starting = crate::db::StartupLock::take(&config.database).await?;
    let key = Arc::new(data_key(&config)?);
    crate::db::migrate(&db).await?;
    let (signing_key, retired_keys) = match crate::store::session_keys::session_keys(&db, &key, clock.now()).await {
        Ok(keys) => keys,
        Err(crate::store::StoreError::Secret(e)) if config.data_key.is_some() => {
            anyhow::bail!(
                "{e}. SCOREGRC_DATA_KEY is not the key this database was sealed with: every instance on one \
                 database needs the same value"
            );
        }
        Err(crate::store::StoreError::Secret(e)) if let Some(key_file) = config.data_key_path() => {
            let next = key_file.with_extension("key.next");
            if next.exists() {
                anyhow::bail!(
                    "{e}. A data-key rotation was interrupted after it committed: {} holds the key this database \
                     needs; move it to {}",
                    next.display(),
                    key_file.display()
                );
            }
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    let pack_signer = Arc::new(PackSigner::from_secret(&settings::pack_signing_key(&db, &key, clock.now()).await?));
    let catalogs = crate::store::catalogs::apply_shipped(
        &db,
        clock.now(),
        &crate::import::catalog::shipped_frameworks()?,
        &crate::import::catalog::shipped_mappings()?,
    )
    .await?;
    if !catalogs.applied.is_empty() {
        tracing::info!(applied = ?catalogs.applied, controls_added = catalogs.controls_added, mappings_added = catalogs.mappings_added, mappings_removed = catalogs.mappings_removed, "applied shipped catalogs");
    }
    let mut report = StartupReport::default();
    if !users::any_exist(&db).await? {
        report.generated_admin_password = create_first_admin(&db, &config, clock.now()).await?;
    }

    let principals = Principals::new(
        db.clone(),
        SessionKeys::with_retired(&signing_key, &retired_keys),
        clock.clone(),
        config.principal_cache_ttl,
    );
    let importer = importer(&db, &clock, key, &config)?;
    if config.demo {
        report.demo_accounts = demo::ensure(&db, &importer, clock.now()).await?;
    }
    starting.release().await?;
    let sender = crate::export::delivery::Sender::new(config.delivery_timeout)?;
    let jobs = JobRunner::new(importer.clone(), sender, config.job_lease_ttl);
    jobs.start();
    let state = AppState {
        db,
        clock,
        principals: Arc::new(principals),
        config: Arc::new(config),
        metrics: Arc::new(Metrics::default()),
        importer,
        pack_signer,
        jobs,
        item_lists: Arc::default(),
    };
    Ok((state, report))
}

async fn create_first_admin(
    db: &sea_orm::DatabaseConnection,
    config: &Config,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Option<String>> {
    let (password, generated) = match &config.admin_password {
        Some(p) => (p.clone(), None),
        None => {
            let p = demo::random_password();
            (p.clone(), Some(p))
        }
    };
    crate::domain::user::check_new_password("SCOREGRC_ADMIN_PASSWORD", &password, "admin")?;
    let new = users::NewUser {
        username: "admin".into(),
        display_name: "Administrator".into(),
        role: Role::Admin,
        password_hash: password::hash(&password).map_err(|e| anyhow::anyhow!("hashing the admin password: {e}"))?,
        must_change_password: false,
    };
    users::create(db, &Actor::system("startup"), now, new).await?;
    Ok(generated)
}

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    report: StartupReport,
}

impl Application {
    /// Prepares everything and binds `config.bind` (port 0 picks a free port).
    pub async fn build(config: Config, clock: SharedClock) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&config.bind)?;
        let port = listener.local_addr()?.port();
        let workers = config.workers.max(1);
        let (state, report) = prepare(config, clock).await?;
        let server_state = state.clone();
        let server =
            HttpServer::new(move || crate::http::app(server_state.clone())).workers(workers).listen(listener)?.run();
        Ok(Self { port, server, state, report })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests use its database handle).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that stops the server (a benchmark moving on to the next backend).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// What startup has to tell the operator.
    pub fn report(&self) -> &StartupReport {
        &self.report
    }

    /// Serves until the process is told to stop, then gives the job runner's lease back, so in a rolling restart
    /// another instance carries on with the background work at once rather than when the lease lapses.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.state.jobs.stop().await;
        served
    }
}
