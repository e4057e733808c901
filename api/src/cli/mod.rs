//! The `scoregrc` command line: flags and `SCOREGRC_*` variables, read here and nowhere else.

mod alerts;
mod backup;
mod db;
mod export;
mod import;
mod keys;
mod planning;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::app::{self, Application};
use crate::auth::password;
use crate::auth::service_token::{IssueToken, issue};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::audit::Actor;
use crate::domain::role::Role;
use crate::domain::service_token::parse_lifetime_days;
use crate::domain::user::{Username, check_new_password};
use crate::store::{tenants, users};

/// scoregrc: self-hosted GRC for Microsoft Secure Score.
#[derive(Debug, Parser)]
#[command(name = "scoregrc", version, about)]
pub struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Common {
    /// The database: a SQLite file path or sqlite://path (created on first start), or postgres://user@host/db.
    #[arg(long = "db", env = "SCOREGRC_DATABASE_URL", default_value = "scoregrc.db", global = true, value_parser = crate::db::Location::parse, hide_env_values = true)]
    database: crate::db::Location,
    /// The most connections to PostgreSQL this process opens.
    #[arg(long = "db-pool", env = "SCOREGRC_DB_POOL", default_value_t = crate::db::DEFAULT_POOL_SIZE, global = true)]
    database_pool: u32,
    /// 32-byte key sealing stored secrets (base64 or hex); default: a key file beside the database.
    #[arg(long, env = "SCOREGRC_DATA_KEY", hide_env_values = true, global = true)]
    data_key: Option<String>,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "SCOREGRC_LOG_JSON", global = true)]
    log_json: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage service tokens for automation.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print the OpenAPI document.
    Openapi,
    /// Import Secure Score into a tenant: a portal export file, or through a configured connector.
    Import(import::ImportArgs),
    /// Sync a tenant now: every configured connector's import, with progress.
    Sync {
        /// The tenant, by id or exact name.
        #[arg(long)]
        tenant: String,
    },
    /// Quarterly roadmaps.
    #[command(subcommand)]
    Roadmap(planning::RoadmapCommand),
    /// Reports.
    #[command(subcommand)]
    Report(planning::ReportCommand),
    /// Alert channels.
    #[command(subcommand)]
    Alerts(alerts::AlertsCommand),
    /// Write the auditor workbook (.xlsx) of a tenant, or its evidence pack (`export evidence-pack`), with a
    /// progress bar.
    Export(export::ExportArgs),
    /// The instance's keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Check an evidence pack offline: its signature, every file's hash, and its audit segment.
    VerifyPack {
        /// The pack (.zip).
        pack: PathBuf,
        /// The instance's public key (base64 or hex), from `scoregrc keys show` or GET /api/v1/signing-key.
        #[arg(long)]
        key: String,
    },
    /// Write a consistent copy of the live database to a file, while the service keeps running.
    Backup {
        /// Where to write the copy; must not exist yet.
        #[arg(long)]
        out: PathBuf,
    },
    /// The database itself: `db copy` moves a deployment into another database (SQLite to PostgreSQL, or back).
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Replace the database with a backup, after checking the backup's integrity and audit chains. The service
    /// must be stopped; the replaced file is kept beside it.
    Restore {
        /// The backup to restore.
        #[arg(long)]
        from: PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SCOREGRC_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Create a demo tenant and one demo user per role, printing their passwords.
    #[arg(long, env = "SCOREGRC_DEMO")]
    demo: bool,
    /// HTTP worker threads.
    #[arg(long, env = "SCOREGRC_WORKERS", default_value_t = 2)]
    workers: usize,
    /// Password for the first admin (created when there are no users); generated and printed when unset.
    #[arg(long, env = "SCOREGRC_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// How long a sign-in lasts, in hours.
    #[arg(long, env = "SCOREGRC_SESSION_HOURS", default_value_t = 12)]
    session_hours: u64,
    /// Largest evidence file, in MiB.
    #[arg(long, env = "SCOREGRC_EVIDENCE_MAX_MB", default_value_t = 25)]
    evidence_max_mb: u64,
    /// The most evidence one tenant may hold, in MiB.
    #[arg(long, env = "SCOREGRC_EVIDENCE_QUOTA_MB", default_value_t = 5120)]
    evidence_quota_mb: u64,
    /// An origin whose pages may call the API from a browser (CORS), e.g. https://grc.example.com; repeat or
    /// separate with commas. CORS is off when none is given.
    #[arg(long = "cors-origin", env = "SCOREGRC_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// With several instances on one database: seconds after its holder dies before another instance takes
    /// the background work (the job runner's lease) over.
    #[arg(long, env = "SCOREGRC_JOB_LEASE_SECONDS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    job_lease_seconds: u64,
    /// The address people reach scoregrc at, e.g. https://grc.example.com: single sign-on's redirect URI is
    /// built from it (register `<url>/api/v1/auth/sso/callback` at the provider). Unset, each request's Host.
    #[arg(long, env = "SCOREGRC_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add an account. The password comes from SCOREGRC_USER_PASSWORD or a prompt.
    Add {
        #[arg(long)]
        username: String,
        /// admin, ciso, it_manager, engineer or auditor.
        #[arg(long)]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long, env = "SCOREGRC_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issue a service token and print its secret once.
    Issue {
        #[arg(long)]
        name: String,
        /// ciso, it_manager, engineer or auditor (never admin).
        #[arg(long)]
        role: String,
        /// A tenant the token may see, by id or exact name; repeat for more.
        #[arg(long = "tenant", required = true)]
        tenants: Vec<String>,
        /// Lifetime, e.g. 90d or 12w (default 90 days, at most 365).
        #[arg(long)]
        expires_in: Option<String>,
    },
}

impl Cli {
    fn config(&self) -> Config {
        let mut config = Config::new(self.common.database.clone());
        config.database_pool = self.common.database_pool;
        config.data_key = self.common.data_key.clone();
        config
    }

    /// Runs the chosen command.
    pub async fn run(self) -> anyhow::Result<()> {
        crate::telemetry::init(self.common.log_json, None);
        let clock = Arc::new(SystemClock);
        let mut config = self.config();
        match self.command {
            Command::Serve(args) => {
                config.bind = args.bind;
                config.demo = args.demo;
                config.workers = args.workers;
                config.admin_password = args.admin_password;
                config.session_ttl = Duration::from_secs(args.session_hours.max(1) * 3600);
                config.max_evidence_bytes = args.evidence_max_mb.max(1) * 1024 * 1024;
                config.evidence_quota_bytes = args.evidence_quota_mb.max(1) * 1024 * 1024;
                config.job_lease_ttl = Duration::from_secs(args.job_lease_seconds);
                config.cors_origins = args
                    .cors_origins
                    .iter()
                    .filter(|o| !o.trim().is_empty())
                    .map(|o| crate::http::security_headers::check_origin(o.trim()))
                    .collect::<Result<_, _>>()
                    .map_err(|e| anyhow::anyhow!("--cors-origin {e}"))?;
                config.public_url = match args.public_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                    Some(url) => Some(
                        crate::http::security_headers::check_origin(url.trim_end_matches('/'))
                            .map_err(|e| anyhow::anyhow!("--public-url {e}"))?,
                    ),
                    None => None,
                };
                serve(config, clock).await
            }
            Command::Migrate => {
                crate::db::open_and_migrate(&config.database).await?;
                println!("database {} is up to date", config.database);
                Ok(())
            }
            Command::User(UserCommand::Add { username, role, display_name, password }) => {
                add_user(config, clock, username, role, display_name, password).await
            }
            Command::Token(TokenCommand::Issue { name, role, tenants, expires_in }) => {
                issue_token(config, clock, name, role, tenants, expires_in).await
            }
            Command::Import(args) => import::run(config, clock, args).await,
            Command::Sync { tenant } => import::sync(config, clock, tenant).await,
            Command::Roadmap(command) => planning::roadmap(config, command).await,
            Command::Report(command) => planning::report(config, command).await,
            Command::Alerts(command) => alerts::run(config, command).await,
            Command::Export(args) => export::run(config, clock, args).await,
            Command::Keys(command) => keys::run(config, clock, command).await,
            Command::VerifyPack { pack, key } => keys::verify(pack, key),
            Command::Openapi => {
                println!("{}", crate::http::openapi_document().to_pretty_json()?);
                Ok(())
            }
            Command::Backup { out } => backup::backup(config, out).await,
            Command::Restore { from, force } => backup::restore(config, clock.as_ref(), from, force).await,
            Command::Db(command) => db::run(config, command).await,
        }
    }
}

async fn serve(config: Config, clock: Arc<SystemClock>) -> anyhow::Result<()> {
    let bind = config.bind.clone();
    let application = Application::build(config, clock).await?;
    let report = application.report();
    if let Some(password) = &report.generated_admin_password {
        println!("Created the first admin account. Sign in as `admin` with password: {password}");
        println!("(shown once; set SCOREGRC_ADMIN_PASSWORD before the first start to choose it)");
    }
    if !report.demo_accounts.is_empty() {
        println!(
            "Demo tenant `{}` with one user per role (passwords are new on every start):",
            crate::demo::DEMO_TENANT
        );
        for account in &report.demo_accounts {
            println!("  {:<20} {:<11} {}", account.username, account.role.as_str(), account.password);
        }
    }
    let port = application.port();
    let host = bind.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1");
    println!("scoregrc listening on http://{host}:{port}  (API docs: http://{host}:{port}/docs/)");
    let missing = crate::http::web::missing_assets();
    if !missing.is_empty() {
        println!("The web UI is incomplete ({} missing): run ./scripts/web, then build again.", missing.join(", "));
    }
    application.run_until_stopped().await?;
    Ok(())
}

async fn add_user(
    config: Config,
    clock: Arc<SystemClock>,
    username: String,
    role: String,
    display_name: Option<String>,
    password: Option<String>,
) -> anyhow::Result<()> {
    let username = Username::parse(&username)?;
    let role: Role = role.parse()?;
    let password = match password {
        Some(p) => p,
        None => rpassword::prompt_password(format!("Password for {}: ", username.as_str()))?,
    };
    check_new_password("password", &password, username.as_str())?;
    let db = crate::db::open_and_migrate(&config.database).await?;
    let new = users::NewUser {
        username: username.as_str().to_owned(),
        display_name: display_name.unwrap_or_else(|| username.as_str().to_owned()),
        role,
        password_hash: password::hash(&password).map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?,
        must_change_password: false,
    };
    let user = users::create(&db, &Actor::system("cli"), clock.now(), new).await?;
    println!("created user {} ({}) with id {}", user.username, user.role, user.id);
    Ok(())
}

async fn issue_token(
    config: Config,
    clock: Arc<SystemClock>,
    name: String,
    role: String,
    tenant_refs: Vec<String>,
    expires_in: Option<String>,
) -> anyhow::Result<()> {
    let db = crate::db::open_and_migrate(&config.database).await?;
    // The data key must exist before anything is sealed with it later.
    app::data_key(&config)?;
    let mut tenant_ids = Vec::new();
    for reference in &tenant_refs {
        let tenant = tenants::find_by_reference(&db, reference)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no tenant `{reference}` (give its id or exact name)"))?;
        tenant_ids.push(tenant.id);
    }
    let expires_in_days = expires_in.as_deref().map(parse_lifetime_days).transpose()?;
    let request = IssueToken { name, role: role.parse()?, tenant_ids, expires_in_days };
    let issued = issue(&db, &Actor::system("cli"), clock.now(), request).await?;
    println!("{}", issued.secret);
    eprintln!(
        "issued service token `{}` ({}) for {} tenant(s), expires {}; the secret above is shown only now",
        issued.token.name,
        issued.token.role,
        issued.token.tenant_ids.len(),
        issued.token.expires_at.to_rfc3339()
    );
    Ok(())
}
