//! Structured logs with `tracing`: JSON when `SCOREGRC_LOG_FORMAT=json`, readable text otherwise;
//! the level from `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls do nothing.
pub fn init(json: bool, filter: Option<&str>) {
    let filter =
        EnvFilter::try_new(filter.unwrap_or("info,sqlx=warn,sea_orm=warn")).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
