#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The re-bucketing benchmark: a full recompute of every item's bucket after a change to ratings, mappings, scope
//! or rules. Buckets are derived on read, so "at once" means: how long does placing every item take?
//!
//! `cargo bench -p scoregrc --bench buckets` (100 000 items) or `… --bench buckets -- 20000`.
//! Prints (1) the pure domain placement of N rated items and (2) the store's full recompute over N stored items
//! (page through the items reading what placing needs: ratings and effective mappings, then place each:
//! `bucket_summary`, the same pass the exports order by).

mod common;

use std::time::Instant;

use scoregrc::domain::bucket::RuleSet;
use scoregrc::domain::rating::{Level, Rating};

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
    let bench = common::rated_tenant(&dir.path().join("buckets.db"), n).await;
    let (db, tenant) = (bench.db, bench.tenant);
    let started = Instant::now();
    let summary = scoregrc::store::recommendations::bucket_summary(&db, tenant).await.unwrap();
    let store = started.elapsed();
    let counts: Vec<u64> = summary.iter().map(|s| s.items).collect();
    println!(
        "store full recompute {n:>5} items {:>8.3} s {:>10.0} items/s  P1..P4,unrated = {counts:?}",
        store.as_secs_f64(),
        n as f64 / store.as_secs_f64()
    );
}
