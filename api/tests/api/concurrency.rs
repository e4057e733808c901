//! Twenty clients at once: fourteen rate the same ten items, six move four register entries through their
//! workflow, each write based on the version it read. Every write either applies or answers 412; nothing answers
//! 5xx or "database is locked"; replaying the accepted writes gives exactly what the server holds (no lost
//! update); and the audit chains verify.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::helpers::json_of;
use crate::register::{Register, register_with};
use scoregrc::domain::register::workflow::Action;

const RATING_CLIENTS: usize = 14;
const RATINGS_EACH: usize = 30;
const REGISTER_CLIENTS: usize = 6;
const REGISTER_STEPS_EACH: usize = 30;
const ENTRIES: usize = 4;
const LEVELS: [&str; 3] = ["high", "medium", "low"];

/// A write the server accepted: the version it was based on, and what it wrote. Each accepted write makes version
/// `base + 1`; the answer shows the item as it is when read back, which may already include a later write.
#[derive(Debug, Clone)]
struct Accepted {
    base: i64,
    wrote: String,
}

#[derive(Debug, Default)]
struct Outcomes {
    accepted: BTreeMap<String, Vec<Accepted>>,
    stale: usize,
    unexpected: Vec<String>,
}

#[tokio::test]
async fn twenty_clients_rate_and_move_entries_without_a_lost_update_or_a_server_error() {
    let r = Arc::new(register_with(10, 2, |c| c.workers = 4).await);
    let mut entries = Vec::new();
    for i in 0..ENTRIES {
        let entry = r.propose(&r.eng.token, &[&r.items[i]], "risk_acceptance", "medium").await;
        entries.push(entry["id"].as_str().unwrap().to_owned());
    }
    let entries = Arc::new(entries);

    let mut clients = Vec::new();
    for c in 0..RATING_CLIENTS {
        let r = r.clone();
        clients.push(tokio::spawn(async move { rate_at_random(&r, c as u64).await }));
    }
    for c in 0..REGISTER_CLIENTS {
        let (r, entries) = (r.clone(), entries.clone());
        clients.push(tokio::spawn(async move { move_entries(&r, &entries, c).await }));
    }
    let mut all = Outcomes::default();
    for client in clients {
        let outcomes = client.await.unwrap();
        all.stale += outcomes.stale;
        all.unexpected.extend(outcomes.unexpected);
        for (key, writes) in outcomes.accepted {
            all.accepted.entry(key).or_default().extend(writes);
        }
    }
    assert_eq!(all.unexpected, Vec::<String>::new(), "every write applies or answers 412");
    let accepted: usize = all.accepted.values().map(Vec::len).sum();
    println!("concurrency: {accepted} writes applied, {} answered 412, 0 unexpected", all.stale);
    assert!(
        accepted > RATING_CLIENTS && all.stale > 0,
        "the clients did contend: {accepted} applied, {} stale",
        all.stale
    );

    for (key, writes) in &mut all.accepted {
        // Replay: ordered by the version each was based on, every write is based on the one the write before it
        // made; two accepted on the same version would be a lost update.
        writes.sort_by_key(|w| w.base);
        for pair in writes.windows(2) {
            assert_eq!(pair[1].base, pair[0].base + 1, "{key}: {pair:?} (a lost update, or a write not counted)");
        }
        let last = writes.last().unwrap();
        let made = last.base + 1;
        if let Some(item) = key.strip_prefix("rating:") {
            let held =
                json_of(r.app.get(&format!("/api/v1/tenants/{}/recommendations/{item}", r.tenant), &r.eng.token).await)
                    .await;
            let rating = &held["rating"];
            assert_eq!(rating["version"], made, "{key}");
            assert_eq!(
                format!(
                    "{}/{}",
                    rating["risk_reduction"].as_str().unwrap(),
                    rating["implementation_effort"].as_str().unwrap()
                ),
                last.wrote,
                "{key}"
            );
        } else if let Some(entry) = key.strip_prefix("entry:") {
            let held = r.entry(entry).await;
            assert_eq!(held["version"], made, "{key}");
            let steps: Vec<&str> =
                held["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).skip(1).collect();
            let replayed: Vec<&str> = writes.iter().map(|w| w.wrote.as_str()).collect();
            assert_eq!(steps, replayed, "{key}: the history is exactly the accepted steps, in order");
        }
    }
    for path in ["/api/v1/audit/verify".to_owned(), format!("/api/v1/tenants/{}/audit/verify", r.tenant)] {
        let report = json_of(r.app.get(&path, &r.app.admin_token).await).await;
        assert_eq!(report["intact"], true, "{path}: {report}");
    }
}

/// Reads an item, then writes a random rating based on the version read.
async fn rate_at_random(r: &Register, seed: u64) -> Outcomes {
    let mut rng = StdRng::seed_from_u64(seed);
    let token = [&r.eng.token, &r.itm.token, &r.ciso.token][seed as usize % 3].clone();
    let mut outcomes = Outcomes::default();
    for _ in 0..RATINGS_EACH {
        let item = &r.items[rng.gen_range(0..r.items.len())];
        let path = format!("/api/v1/tenants/{}/recommendations/{item}", r.tenant);
        let read = json_of(r.app.get(&path, &token).await).await;
        let base = read["rating"]["version"].as_i64().unwrap();
        let (risk, effort) = (LEVELS[rng.gen_range(0..3)], LEVELS[rng.gen_range(0..3)]);
        let body = json!({"risk_reduction": risk, "implementation_effort": effort, "version": base});
        let response = r.app.request(Method::PUT, &format!("{path}/rating"), &token).json(&body).send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        match status {
            StatusCode::OK => {
                let shown = serde_json::from_str::<Value>(&text).unwrap()["rating"]["version"].as_i64().unwrap();
                assert!(shown > base, "the answer shows version {shown}, not after {base}");
                let wrote = format!("{risk}/{effort}");
                outcomes.accepted.entry(format!("rating:{item}")).or_default().push(Accepted { base, wrote });
            }
            StatusCode::PRECONDITION_FAILED => outcomes.stale += 1,
            other => outcomes.unexpected.push(format!("rating {item}: {other} {text}")),
        }
    }
    outcomes
}

/// Reads an entry and the steps open to this client's role, then takes one of them on the version read.
async fn move_entries(r: &Register, entries: &[String], client: usize) -> Outcomes {
    let mut rng = StdRng::seed_from_u64(1000 + client as u64);
    let token = [&r.eng.token, &r.itm.token, &r.ciso.token][client % 3].clone();
    let mut outcomes = Outcomes::default();
    for _ in 0..REGISTER_STEPS_EACH {
        let entry = &entries[rng.gen_range(0..entries.len())];
        let read = r.entry(entry).await;
        let steps = json_of(r.app.get(&r.path(&format!("/{entry}/steps")), &token).await).await;
        let open: Vec<Action> = serde_json::from_value::<Vec<Action>>(steps["allowed"].clone())
            .unwrap()
            .into_iter()
            .filter(|a| matches!(a, Action::Submit | Action::Review | Action::Return | Action::Approve))
            .collect();
        if open.is_empty() {
            continue;
        }
        let action = open[rng.gen_range(0..open.len())];
        let base = read["version"].as_i64().unwrap();
        let response = r.step_at(&token, entry, action, json!(base)).await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        match status {
            StatusCode::OK => {
                let shown = serde_json::from_str::<Value>(&text).unwrap()["version"].as_i64().unwrap();
                assert!(shown > base, "the answer shows version {shown}, not after {base}");
                let wrote = action.as_str().to_owned();
                outcomes.accepted.entry(format!("entry:{entry}")).or_default().push(Accepted { base, wrote });
            }
            StatusCode::PRECONDITION_FAILED => outcomes.stale += 1,
            other => outcomes.unexpected.push(format!("{action:?} on {entry} at version {base}: {other} {text}")),
        }
    }
    outcomes
}
