//! `spawn_app()` and one typed helper per endpoint the tests use.

use chrono::{TimeZone, Utc};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use scoregrc::app::Application;
use scoregrc::clock::ManualClock;
use scoregrc::config::Config;
use scoregrc::db::Location;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// The first admin's password in every test app.
pub const ADMIN_PASSWORD: &str = "first operator passphrase";
/// The password every helper-created user gets.
pub const USER_PASSWORD: &str = "a member's passphrase";

/// A running app with its own database file, clock and admin session.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: sea_orm::DatabaseConnection,
    /// The test's own database: a file in its temporary directory, or a database of its own on the suite's
    /// PostgreSQL server.
    pub database: Location,
    pub clock: Arc<ManualClock>,
    pub admin_token: String,
    /// Ticks when a background job finishes.
    pub jobs_finished: tokio::sync::watch::Receiver<u64>,
    // Kept so the database lives exactly as long as the test.
    _dir: TempDir,
}

/// The data key of every test on PostgreSQL, where no key file sits beside the database.
pub const TEST_DATA_KEY: &str = "c2NvcmVncmMgdGVzdCBkYXRhIGtleSwgMzIgYnl0ZXM=";

/// The PostgreSQL server the suite runs against when `SCOREGRC_TEST_POSTGRES` names one (`scripts/test` starts
/// a throwaway one for its second pass); SQLite otherwise.
pub fn postgres_server() -> Option<String> {
    #[allow(clippy::disallowed_methods)] // the suite's backend is the one setting tests read from the environment
    std::env::var("SCOREGRC_TEST_POSTGRES").ok().filter(|url| !url.is_empty())
}

/// A new, empty database for one test: a file in `dir`, or a new database on the suite's PostgreSQL server.
pub async fn fresh_database(dir: &TempDir) -> Location {
    match postgres_server() {
        None => Location::Sqlite(dir.path().join("scoregrc.db")),
        Some(server) => Location::Postgres(create_postgres_database(&server).await),
    }
}

/// Creates a database of its own on `server` and returns its URL.
pub async fn create_postgres_database(server: &str) -> String {
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    scoregrc::db::postgres::create_database(server, &name).await.expect("the test PostgreSQL server answers")
}

/// A raw statement for `db`, written with PostgreSQL's `$1`, `$2`, … placeholders: SQLite reads those as
/// named parameters bound in order, so one text serves both backends.
pub fn statement(db: &sea_orm::DatabaseConnection, sql: &str, values: Vec<sea_orm::Value>) -> sea_orm::Statement {
    sea_orm::Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

/// The default test configuration for a fresh database (see [`fresh_database`]); its key file, on SQLite, is
/// in `dir` too.
pub async fn test_config(dir: &TempDir) -> Config {
    config_on(fresh_database(dir).await)
}

/// The default test configuration on `database`; on SQLite its key file is the one beside the database.
pub fn config_on(database: Location) -> Config {
    let on_postgres = database.sqlite_path().is_none();
    let mut config = Config::new(database);
    if on_postgres {
        config.data_key = Some(TEST_DATA_KEY.into());
    }
    config.bind = "127.0.0.1:0".into();
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.workers = 1;
    // Long enough that only the explicit invalidation makes changes visible: tests prove it works.
    config.principal_cache_ttl = Duration::from_secs(3600);
    // Retries against the Graph stand-in happen at once.
    config.retry.base_delay = Duration::ZERO;
    config.retry.timeout = Duration::from_secs(10);
    config
}

/// Starts the app on a random port with a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app after `adjust` has changed the test configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(&dir).await;
    spawn_app_on(dir, config, adjust).await
}

/// Starts the app on a SQLite file whatever the suite's backend: for what only SQLite has (its online backup).
pub async fn spawn_sqlite_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir).await;
    config.database = Location::Sqlite(dir.path().join("scoregrc.db"));
    config.data_key = None;
    spawn_app_on(dir, config, |_| {}).await
}

async fn spawn_app_on(dir: TempDir, mut config: Config, adjust: impl FnOnce(&mut Config)) -> TestApp {
    adjust(&mut config);
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    start_app(config, Arc::new(ManualClock::new(start)), dir).await
}

/// Starts a second instance on `first`'s database with `first`'s clock, as a load balancer would run two: each
/// has its own process state (caches, job runner, port), and they share only the database.
pub async fn spawn_instance_beside(first: &TestApp) -> TestApp {
    start_app(config_on(first.database.clone()), first.clock.clone(), tempfile::tempdir().unwrap()).await
}

async fn start_app(config: Config, clock: Arc<ManualClock>, dir: TempDir) -> TestApp {
    let database = config.database.clone();
    let app = Application::build(config, clock.clone()).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    let jobs_finished = app.state().jobs.finished();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut test_app =
        TestApp { address, client, db, database, clock, admin_token: String::new(), jobs_finished, _dir: dir };
    test_app.admin_token = test_app.token_for("admin", ADMIN_PASSWORD).await;
    test_app
}

/// Parses a response body as JSON, panicking with the body when it is not.
pub async fn json_of(response: Response) -> Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// A created account and its session.
pub struct Member {
    pub id: String,
    pub token: String,
}

impl TestApp {
    /// A request to `path` with `token` as bearer (none when empty).
    pub fn request(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        let builder = self.client.request(method, format!("{}{}", self.address, path));
        if token.is_empty() { builder } else { builder.bearer_auth(token) }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, token).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, token).json(body).send().await.unwrap()
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::PATCH, path, token).json(body).send().await.unwrap()
    }

    pub async fn put(&self, path: &str, token: &str) -> Response {
        self.request(Method::PUT, path, token).send().await.unwrap()
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, token).send().await.unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post("/api/v1/auth/login", "", &json!({ "username": username, "password": password })).await
    }

    /// Signs in and returns the session token.
    pub async fn token_for(&self, username: &str, password: &str) -> String {
        let response = self.login(username, password).await;
        assert_eq!(response.status(), StatusCode::OK, "sign-in as {username}");
        json_of(response).await["token"].as_str().unwrap().to_owned()
    }

    /// Configures the tenant's Graph connector (as the admin) to read from `stub`.
    pub async fn connect_graph(&self, tenant: &str, stub: &crate::graph_stub::GraphStub) {
        let put = self
            .request(Method::PUT, &format!("/api/v1/tenants/{tenant}/connectors/graph"), &self.admin_token)
            .json(&stub.graph_connector())
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), StatusCode::OK, "the Graph connector is configured");
    }

    /// Uploads a file as the raw body of `POST …/imports`.
    pub async fn upload(&self, tenant: &str, token: &str, bytes: Vec<u8>, content_type: &str) -> Response {
        self.request(Method::POST, &format!("/api/v1/tenants/{tenant}/imports"), token)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    /// Waits until the run at `location` has finished (its job ticks the runner), and answers it.
    pub async fn wait_for_run(&mut self, location: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let run = json_of(self.get(location, &self.admin_token.clone()).await).await;
            if !run["outcome"].is_null() {
                return run;
            }
            let wait = tokio::time::timeout_at(deadline, self.jobs_finished.changed()).await;
            assert!(wait.is_ok(), "the run at {location} did not finish: {run}");
        }
    }

    pub async fn create_tenant(&self, name: &str) -> String {
        let response = self.post("/api/v1/tenants", &self.admin_token, &json!({ "name": name })).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        json_of(response).await["id"].as_str().unwrap().to_owned()
    }

    /// Creates an account with `role` (no password change required) and signs it in.
    pub async fn create_user(&self, username: &str, role: &str) -> Member {
        let body = json!({
            "username": username,
            "password": USER_PASSWORD,
            "role": role,
            "display_name": format!("{username} ({role})"),
            "must_change_password": false,
        });
        let response = self.post("/api/v1/users", &self.admin_token, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "create {username}");
        let id = json_of(response).await["id"].as_str().unwrap().to_owned();
        let token = self.token_for(username, USER_PASSWORD).await;
        Member { id, token }
    }

    pub async fn grant(&self, tenant: &str, user: &str) {
        let response = self.put(&format!("/api/v1/tenants/{tenant}/members/{user}"), &self.admin_token).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }

    /// Creates a user with `role` who is a member of `tenant`.
    pub async fn member_of(&self, tenant: &str, username: &str, role: &str) -> Member {
        let member = self.create_user(username, role).await;
        self.grant(tenant, &member.id).await;
        member
    }

    /// Issues a service token and returns `(id, secret)`.
    pub async fn issue_token(&self, role: &str, tenants: &[&str]) -> (String, String) {
        let body = json!({ "name": format!("{role} automation"), "role": role, "tenant_ids": tenants });
        let response = self.post("/api/v1/tokens", &self.admin_token, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body = json_of(response).await;
        (body["token"]["id"].as_str().unwrap().to_owned(), body["secret"].as_str().unwrap().to_owned())
    }
}

/// The `scoregrc` binary on the database at `database`, with quiet logs and the test's data key: on SQLite the
/// file beside the database (never the environment's), on PostgreSQL [`TEST_DATA_KEY`].
pub fn scoregrc(database: impl Into<Location>) -> std::process::Command {
    let database: Location = database.into();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_scoregrc"));
    command.arg("--db").arg(database.to_argument()).env("RUST_LOG", "warn");
    match &database {
        Location::Sqlite(_) => command.env_remove("SCOREGRC_DATA_KEY"),
        Location::Postgres(_) => command.env("SCOREGRC_DATA_KEY", TEST_DATA_KEY),
    };
    command
}

/// The data key that seals the secrets of the database at `database` in a test.
pub fn test_data_key(database: &Location) -> scoregrc::secrets::DataKey {
    match database {
        Location::Sqlite(path) => scoregrc::secrets::DataKey::load_or_create(&path.with_file_name("scoregrc.db.key")),
        Location::Postgres(_) => scoregrc::secrets::DataKey::parse(TEST_DATA_KEY),
    }
    .unwrap()
}

/// Runs a command of the `scoregrc` binary from an async test without blocking the test's runtime: the server
/// under test runs on it (its job runner can hold the write lock between two awaits), so waiting on the thread
/// while the command writes the same database would stall both until the busy timeout.
#[allow(async_fn_in_trait)]
pub trait RunCommand {
    /// Starts the command and waits for its output off the runtime's thread.
    async fn run(&mut self) -> std::process::Output;
}

impl RunCommand for std::process::Command {
    async fn run(&mut self) -> std::process::Output {
        use std::process::Stdio;
        let child = self.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the command starts");
        tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap()
    }
}
