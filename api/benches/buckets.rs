#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The re-bucketing benchmark: a full recompute of every item's bucket after a change to ratings, mappings, scope
//! or rules. Buckets are derived on read, so "at once" means: how long does placing every item take?
//!
//! `cargo bench -p scoregrc --bench buckets` (100 000 items) or `… --bench buckets -- 20000`.
//! Prints (1) the pure domain placement of N rated items and (2) the store's full recompute over N stored items
//! (load items, their effective mappings, ratings and ownership, then place each: `bucket_summary`).

use std::sync::Arc;
use std::time::Instant;

use scoregrc::clock::{SharedClock, SystemClock};
use scoregrc::config::Config;
use scoregrc::domain::audit::Actor;
use scoregrc::domain::bucket::RuleSet;
use scoregrc::domain::rating::{Level, Rating};
use scoregrc::domain::recommendation::{Channel, Product};
use scoregrc::import::{ImportBatch, IncomingItem};
use scoregrc::secrets::DataKey;
use scoregrc::store::ratings::{Rater, set_many};

fn level(i: usize) -> Level {
    Level::ALL[i % 3]
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let rules = RuleSet::default_rules();
    let started = Instant::now();
    let mut placed = [0usize; 5];
    for i in 0..n {
        let rating = Rating { risk_reduction: Some(level(i)), implementation_effort: Some(level(i / 3)) };
        placed[rules.place_item(rating, i % 2 == 0).bucket as usize] += 1;
    }
    let domain = started.elapsed();
    println!(
        "domain placement   {n:>7} items {:>8.3} s {:>10.0} items/s  P1..P4,unrated = {placed:?}",
        domain.as_secs_f64(),
        n as f64 / domain.as_secs_f64()
    );

    let dir = tempfile::tempdir().unwrap();
    let config = Config::new(dir.path().join("buckets.db"));
    let db = scoregrc::db::open_and_migrate(&config.database_path).await.unwrap();
    let clock: SharedClock = Arc::new(SystemClock);
    let key = Arc::new(DataKey::load_or_create(&config.data_key_path()).unwrap());
    let importer = scoregrc::app::importer(&db, &clock, key, &config).unwrap();
    let frameworks = scoregrc::import::catalog::shipped_frameworks().unwrap();
    let mappings = scoregrc::import::catalog::shipped_mappings().unwrap();
    scoregrc::store::catalogs::apply_shipped(&db, clock.now(), &frameworks, &mappings).await.unwrap();
    let actor = Actor::system("bench");
    let tenant = scoregrc::store::tenants::create(&db, &actor, clock.now(), "Bench".into()).await.unwrap().id;
    // Real control ids first (they carry the shipped mappings), then synthetic ones.
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
        use sea_orm::{EntityTrait, QuerySelect};
        scoregrc::entities::recommendation::Entity::find()
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
    let started = Instant::now();
    let summary = scoregrc::store::recommendations::bucket_summary(&db, tenant, clock.now()).await.unwrap();
    let store = started.elapsed();
    let counts: Vec<u64> = summary.iter().map(|s| s.items).collect();
    println!(
        "store full recompute {n:>5} items {:>8.3} s {:>10.0} items/s  P1..P4,unrated = {counts:?}",
        store.as_secs_f64(),
        n as f64 / store.as_secs_f64()
    );
}
