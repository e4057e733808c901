//! A bench tenant: N items (the real control ids first, so the shipped mappings apply, then synthetic ones), each
//! rated, in a fresh database (a SQLite file, or a PostgreSQL database for the HTTP benchmark's second run).
//! Shared by the bucket, export and HTTP benchmarks.

use std::sync::Arc;

use scoregrc::clock::{SharedClock, SystemClock};
use scoregrc::config::Config;
use scoregrc::domain::audit::Actor;
use scoregrc::domain::ids::TenantId;
use scoregrc::domain::rating::{Level, Rating};
use scoregrc::domain::recommendation::{Channel, Product};
use scoregrc::import::{ImportBatch, IncomingItem};
use scoregrc::store::ratings::{Rater, set_many};

/// The database, the tenant `Bench` and the clock it was filled with.
#[allow(dead_code)] // each benchmark reads what it needs
pub struct BenchTenant {
    pub db: sea_orm::DatabaseConnection,
    pub tenant: TenantId,
    pub clock: SharedClock,
}

fn level(i: usize) -> Level {
    Level::ALL[i % 3]
}

/// The data key of a benchmark database on PostgreSQL (no key file sits beside it).
#[allow(dead_code)] // only the HTTP benchmark runs on PostgreSQL
pub const BENCH_DATA_KEY: &str = "YmVuY2ggZGF0YSBrZXkgb2Ygc2NvcmVncmMsIDMyIGI=";

/// The configuration of a benchmark database at `database`.
pub fn bench_config(database: impl Into<scoregrc::db::Location>) -> Config {
    let mut config = Config::new(database);
    if config.database.sqlite_path().is_none() {
        config.data_key = Some(BENCH_DATA_KEY.into());
    }
    config
}

/// Fills a new database at `database` with `n` rated items of the tenant `Bench`.
pub async fn rated_tenant(database: impl Into<scoregrc::db::Location>, n: usize) -> BenchTenant {
    let config = bench_config(database);
    let db = scoregrc::db::open_and_migrate(&config.database).await.unwrap();
    let clock: SharedClock = Arc::new(SystemClock);
    let key = Arc::new(scoregrc::app::data_key(&config).unwrap());
    let importer = scoregrc::app::importer(&db, &clock, key, &config).unwrap();
    let frameworks = scoregrc::import::catalog::shipped_frameworks().unwrap();
    let mappings = scoregrc::import::catalog::shipped_mappings().unwrap();
    scoregrc::store::catalogs::apply_shipped(&db, clock.now(), &frameworks, &mappings).await.unwrap();
    let actor = Actor::system("bench");
    let tenant = scoregrc::store::tenants::create(&db, &actor, clock.now(), "Bench".into()).await.unwrap().id;
    let mapped: Vec<String> = mappings
        .rows
        .iter()
        .map(|r| r.secure_score_control.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let items: Vec<IncomingItem> = (0..n)
        .map(|i| {
            let key = mapped.get(i).cloned().unwrap_or_else(|| format!("synthetic_control_{i:06}"));
            IncomingItem::new(Product::M365, Some(key), format!("Control {i}"), 5.0, Some((i % 6) as f64))
        })
        .collect();
    let batch = ImportBatch {
        channel: Channel::Graph,
        product: Product::M365,
        items,
        snapshots: Vec::new(),
        complete_catalog: None,
    };
    importer.apply_batch(tenant, &actor, &batch).await.unwrap();
    let ids: Vec<uuid::Uuid> = {
        use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
        // In the items' own order, so each gets the same rating on either backend (and the buckets match).
        scoregrc::entities::recommendation::Entity::find()
            .order_by_asc(scoregrc::entities::recommendation::Column::ControlKey)
            .select_only()
            .column(scoregrc::entities::recommendation::Column::Id)
            .into_tuple::<uuid::Uuid>()
            .all(&db)
            .await
            .unwrap()
    };
    let rater = Rater { actor: &actor, now: clock.now(), tenant };
    for (chunk_no, chunk) in ids.chunks(1000).enumerate() {
        let ratings: Vec<(uuid::Uuid, Rating)> = chunk
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let i = i + chunk_no * 1000;
                (*id, Rating { risk_reduction: Some(level(i)), implementation_effort: Some(level(i / 3)) })
            })
            .collect();
        set_many(&db, rater, &ratings, None).await.unwrap();
    }
    BenchTenant { db, tenant, clock }
}
