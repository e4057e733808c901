#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The re-bucketing benchmark: a full recompute of every item's bucket after a change to ratings, mappings, scope
//! or rules. Buckets are derived on read, so "at once" means: how long does placing every item take?
//!
//! `cargo bench -p scoregrc --bench buckets` (100 000 items) or `… --bench buckets -- 20000`.
//! Prints (1) the pure domain placement of N rated items, (2) the exports' pass over N stored items (read what
//! placing needs chunk by chunk, place, sort: `ranked_items`), (3) the item list's first read of the tenant (every
//! row and link) and (4) its re-bucketing after a new rule table, which places every held item again without
//! reading it.

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
    report("domain placement", n, domain, placed.iter().map(|&p| p as u64).collect());

    let dir = tempfile::tempdir().unwrap();
    let bench = common::rated_tenant(&dir.path().join("buckets.db"), n).await;
    let (db, tenant) = (bench.db, bench.tenant);
    let started = Instant::now();
    let ranked = scoregrc::store::priority_order::ranked_items(&db, tenant).await.unwrap();
    report("export order (read, place, sort)", n, started.elapsed(), counts(ranked.iter().map(|i| i.bucket)));

    let lists = scoregrc::store::item_list::ItemLists::new();
    let started = Instant::now();
    let summary = lists.bucket_summary(&db, tenant).await.unwrap();
    report("item list, first read (whole)", n, started.elapsed(), summary.iter().map(|s| s.items).collect());

    // A new rule table re-buckets every item: quick wins no longer need alignment.
    let mut rules = RuleSet::default_rules();
    rules.rules[0].aligned = None;
    let actor = scoregrc::domain::audit::Actor::system("bench");
    scoregrc::store::triage_settings::set_rules(&db, &actor, bench.clock.now(), tenant, &rules, None).await.unwrap();
    let started = Instant::now();
    let summary = lists.bucket_summary(&db, tenant).await.unwrap();
    report("item list, re-bucket after new rules", n, started.elapsed(), summary.iter().map(|s| s.items).collect());
}

fn counts(buckets: impl Iterator<Item = scoregrc::domain::bucket::Bucket>) -> Vec<u64> {
    let mut counts = vec![0u64; 5];
    buckets.for_each(|b| counts[b as usize] += 1);
    counts
}

fn report(what: &str, n: usize, took: std::time::Duration, counts: Vec<u64>) {
    println!(
        "{what:<38} {n:>7} items {:>8.3} s {:>10.0} items/s  P1..P4,unrated = {counts:?}",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
}
