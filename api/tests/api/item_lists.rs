//! The item list is held in memory and kept current by the database's change log: whatever changes an item,
//! through the API, another connection (the CLI, a second process) or the calendar alone, shows on the next read,
//! and every listed item equals the item read on its own from the database.

use chrono::{TimeZone, Utc};
use reqwest::Method;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::json_of;
use crate::register::{Register, register};
use scoregrc::domain::register::workflow::Action;

/// Every item of the tenant as the list shows it, read page by page (`limit` a page).
async fn listed(r: &Register, query: &str, limit: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = r.path_items(&format!("?limit={limit}&{query}"));
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = json_of(r.app.get(&path, &r.auditor.token).await).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => {
                assert_eq!(page["total"].as_u64(), Some(items.len() as u64), "the total counts every page");
                return items;
            }
        }
    }
}

/// The item as `GET …/recommendations/{id}` reads it from the database.
async fn read_alone(r: &Register, id: &str) -> Value {
    json_of(r.app.get(&r.path_items(&format!("/{id}")), &r.auditor.token).await).await
}

async fn assert_list_matches_items(r: &Register) {
    let items = listed(r, "include_removed=true", 7).await;
    assert_eq!(items.len(), r.items.len());
    for item in items {
        let alone = read_alone(r, item["id"].as_str().unwrap()).await;
        assert_eq!(item, alone, "the listed item equals the item read on its own");
    }
}

impl Register {
    fn path_items(&self, rest: &str) -> String {
        format!("/api/v1/tenants/{}/recommendations{rest}", self.tenant)
    }

    async fn send(&self, method: Method, rest: &str, token: &str, body: Value) -> Value {
        let response = self.app.request(method, &self.path_items(rest), token).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{rest}: {}", response.status());
        json_of(response).await
    }
}

#[tokio::test]
async fn every_kind_of_change_shows_in_the_list_exactly_as_the_item_reads_alone() {
    let r = register(12, 3).await;
    assert_list_matches_items(&r).await;
    let eng = r.eng.token.clone();
    let rating = json!({ "risk_reduction": "high", "implementation_effort": "low" });
    r.send(Method::PUT, &format!("/{}/rating", r.items[0]), &eng, rating).await;
    let status = json!({ "status": "in_progress", "note": "rolling out" });
    r.send(Method::PUT, &format!("/{}/status", r.items[1]), &eng, status).await;
    let ownership = json!({ "owner_team": "Identity", "tags": ["q1"] });
    r.send(Method::PUT, &format!("/{}/ownership", r.items[2]), &eng, ownership).await;
    let entry = r.propose(&eng, &[&r.items[3]], "risk_acceptance", "low").await;
    let id = entry["id"].as_str().unwrap().to_owned();
    r.ok(&eng, &id, Action::Submit).await;
    r.ok(&r.itm.token, &id, Action::Review).await;
    r.ok(&r.ciso.token, &id, Action::Approve).await;
    assert_list_matches_items(&r).await;

    let held = listed(&r, "status=risk_accepted", 50).await;
    assert_eq!(held.len(), 1, "the approval moved the item's status");
    assert_eq!(held[0]["register_entry"]["state"], "approved");
    let team = listed(&r, "owner=Identity&tag=q1", 50).await;
    assert_eq!(team.iter().map(|i| i["id"].clone()).collect::<Vec<_>>(), [json!(r.items[2])]);
    let rated = listed(&r, "sort=bucket", 50).await;
    assert_eq!(rated[0]["id"], json!(r.items[0]), "the one rated item sorts first by bucket");
    assert_eq!(rated[0]["rating"]["risk_reduction"], "high");
}

#[tokio::test]
async fn a_write_through_another_connection_shows_on_the_next_read() {
    let r = register(5, 2).await;
    let before = listed(&r, "sort=title", 50).await;
    assert_eq!(before[0]["title"], "Synthetic recommendation 01");
    // Another process on the same file (the CLI, a second instance): its own connection, no call into this one.
    let other = scoregrc::db::open(&r.app.database, 1).await.unwrap();
    let id = uuid::Uuid::parse_str(&r.items[0]).unwrap();
    let rename = scoregrc::entities::recommendation::Entity::update_many()
        .col_expr(scoregrc::entities::recommendation::Column::Title, Expr::value("AAA renamed elsewhere"))
        .col_expr(scoregrc::entities::recommendation::Column::Regressed, Expr::value(true))
        .filter(scoregrc::entities::recommendation::Column::Id.eq(id));
    rename.exec(&other).await.unwrap();
    other.close().await.unwrap();

    let after = listed(&r, "sort=title", 50).await;
    assert_eq!(after[0]["title"], "AAA renamed elsewhere");
    assert_eq!(after[0]["id"], json!(r.items[0]));
    assert_eq!(listed(&r, "regressed=true", 50).await.len(), 1);
    assert_list_matches_items(&r).await;
}

#[tokio::test]
async fn an_entry_lapsing_on_the_calendar_shows_with_no_write_at_all() {
    let r = register(3, 2).await;
    let entry = r.propose(&r.eng.token, &[&r.items[0]], "risk_acceptance", "low").await;
    let id = entry["id"].as_str().unwrap().to_owned();
    r.ok(&r.eng.token, &id, Action::Submit).await;
    r.ok(&r.itm.token, &id, Action::Review).await;
    r.ok(&r.ciso.token, &id, Action::Approve).await;
    let item = |items: Vec<Value>| items.into_iter().find(|i| i["id"] == json!(r.items[0])).unwrap();
    assert_eq!(item(listed(&r, "", 50).await)["register_entry"]["state"], "approved");

    // A year and the grace period later the entry has lapsed: nothing was written, only the date moved.
    r.app.clock.set(Utc.with_ymd_and_hms(2028, 2, 1, 9, 0, 0).unwrap());
    let lapsed = item(listed(&r, "", 50).await);
    assert_eq!(lapsed, read_alone(&r, &r.items[0]).await, "the list reads the date as the item does");
    assert_ne!(lapsed["register_entry"]["state"], "approved");
}

#[tokio::test]
async fn a_new_rule_table_places_every_listed_item_again() {
    let r = register(6, 2).await;
    for item in &r.items {
        let rating = json!({ "risk_reduction": "high", "implementation_effort": "low" });
        r.send(Method::PUT, &format!("/{item}/rating"), &r.eng.token, rating).await;
    }
    // Synthetic items map to nothing, so DESIGN.md's quick-win rule (aligned only) leaves them in the backlog.
    assert_eq!(listed(&r, "bucket=P4", 50).await.len(), 6);
    let rules_path = format!("/api/v1/tenants/{}/priority-rules", r.tenant);
    let mut rules = json_of(r.app.get(&rules_path, &r.ciso.token).await).await;
    rules["rules"][0]["aligned"] = Value::Null;
    let response = r.app.request(Method::PUT, &rules_path, &r.ciso.token).json(&rules).send().await.unwrap();
    assert!(response.status().is_success());
    let p1 = listed(&r, "bucket=P1", 50).await;
    assert_eq!(p1.len(), 6, "every item moved on the next read");
    assert!(p1.iter().all(|i| i["bucket_rule"] == "quick-win" && i["quick_win"] == true));
    let summary =
        json_of(r.app.get(&format!("/api/v1/tenants/{}/priorities/summary", r.tenant), &r.auditor.token).await).await;
    assert_eq!(summary[0], json!({ "bucket": "P1", "items": 6, "points_available": 12.0 }));
    assert_list_matches_items(&r).await;
}

#[tokio::test]
async fn under_concurrent_reads_a_read_begun_after_a_write_always_sees_it() {
    let r = register(10, 2).await;
    let app = std::sync::Arc::new(r);
    // Background readers keep the list's look at the change log busy, so reads queue behind one another.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut background = Vec::new();
    for _ in 0..4 {
        let (app, stop) = (app.clone(), stop.clone());
        background.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                listed(&app, "bucket=P4", 50).await;
            }
        }));
    }
    for (n, item) in app.items.iter().enumerate() {
        let rating = json!({ "risk_reduction": "low", "implementation_effort": "high" });
        app.send(Method::PUT, &format!("/{item}/rating"), &app.eng.token, rating).await;
        let reads = (0..6).map(|_| listed(&app, "bucket=P4", 50));
        for rated in futures_util::future::join_all(reads).await {
            assert_eq!(rated.len(), n + 1, "every read begun after the rating of item {n} sees it");
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in background {
        task.await.unwrap();
    }
}
