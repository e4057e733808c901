//! What every request handler can reach.

use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::auth::principals::Principals;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::http::metrics::Metrics;
use crate::import::run::Importer;
use crate::jobs::JobRunner;
use crate::signing::PackSigner;

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    pub principals: Arc<Principals>,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// Imports files and queues connector imports.
    pub importer: Importer,
    /// Signs evidence-pack manifests with the instance's Ed25519 key.
    pub pack_signer: Arc<PackSigner>,
    /// Background work (connector imports).
    pub jobs: Arc<JobRunner>,
    /// Each tenant's item list held in memory, kept current by the database's change log.
    pub item_lists: Arc<crate::store::item_list::ItemLists>,
}
