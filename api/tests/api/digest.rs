//! The weekly digest on the injected clock: off until a ciso or admin schedules it, written to the outbox once when
//! due (by the runner and by hand alike), caught up once after a long gap, never early; its payload's shape and its
//! chart, a PNG that decodes.

use base64::Engine;
use chrono::{TimeZone, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::time::Duration;

use crate::helpers::{TestApp, json_of, spawn_app_with};
use crate::register::export;
use scoregrc::clock::Clock;
use scoregrc::entities::notification;

struct Digest {
    app: TestApp,
    tenant: String,
    ciso: String,
    engineer: String,
}

/// A tenant with a week of imports behind it (the clock ends on Monday 23 November 2026, 09:00 UTC).
async fn digest_app() -> Digest {
    let app = spawn_app_with(|c| c.session_ttl = Duration::from_secs(400 * 24 * 3600)).await;
    let tenant = app.create_tenant("Contoso").await;
    let ciso = app.member_of(&tenant, "ciso", "ciso").await.token;
    let engineer = app.member_of(&tenant, "eng", "engineer").await.token;
    let start = app.clock.now();
    app.clock.set(start - chrono::TimeDelta::days(8));
    assert_eq!(app.upload(&tenant, &engineer, export(8, 2), "text/csv").await.status(), StatusCode::CREATED);
    app.clock.set(start);
    let mut csv = String::from_utf8(export(8, 2)).unwrap();
    csv = csv.replacen("0/2,To address", "2/2,Completed", 3);
    assert_eq!(app.upload(&tenant, &engineer, csv.into_bytes(), "text/csv").await.status(), StatusCode::CREATED);
    Digest { app, tenant, ciso, engineer }
}

impl Digest {
    fn path(&self) -> String {
        format!("/api/v1/tenants/{}/digest-schedule", self.tenant)
    }

    async fn schedule(&self, token: &str, body: Value) -> reqwest::Response {
        self.app.request(Method::PUT, &self.path(), token).json(&body).send().await.unwrap()
    }

    async fn digests(&self) -> Vec<notification::Model> {
        notification::Entity::find()
            .filter(notification::Column::Kind.eq("digest.weekly"))
            .order_by_asc(notification::Column::CreatedAt)
            .all(&self.app.db)
            .await
            .unwrap()
    }

    /// Writes due digests by hand, as the runner does on its tick.
    async fn write_due(&self) {
        scoregrc::export::digest::write_due(&self.app.db, self.app.clock.now()).await.unwrap();
    }

    /// Waits (on the runner's ticks, never on a timer) until `n` digests are in the outbox.
    async fn wait_for(&mut self, n: usize) -> Vec<notification::Model> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let rows = self.digests().await;
            if rows.len() >= n {
                return rows;
            }
            let tick = tokio::time::timeout_at(deadline, self.app.jobs_finished.changed()).await;
            assert!(tick.is_ok(), "the runner wrote {} digests, expected {n}", rows.len());
        }
    }
}

fn decode_png(base64: &str) -> (u32, u32) {
    let bytes = base64::engine::general_purpose::STANDARD.decode(base64).unwrap();
    png_size(&bytes)
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let mut reader = png::Decoder::new(bytes).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert!(pixels[..frame.buffer_size()].iter().any(|b| *b < 0x80), "something is drawn");
    (frame.width, frame.height)
}

#[tokio::test]
async fn the_schedule_is_off_until_a_ciso_or_admin_sets_it_and_checks_every_field() {
    let d = digest_app().await;
    let unset = json_of(d.app.get(&d.path(), &d.engineer).await).await;
    assert_eq!(
        (unset["enabled"].as_bool(), unset["version"].as_i64(), unset["next_digest_at"].is_null()),
        (Some(false), Some(0), true)
    );
    let monday = json!({"enabled": true, "day_of_week": "monday", "local_time": "09:00", "time_zone": "Europe/Amsterdam", "version": 0});
    assert_eq!(d.schedule(&d.engineer, monday.clone()).await.status(), StatusCode::FORBIDDEN);
    let bad = json!({"enabled": true, "day_of_week": "monday", "local_time": "9am", "time_zone": "Europe/Atlantis", "version": 0});
    let refused = d.schedule(&d.ciso, bad).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = json_of(refused).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["local_time", "time_zone"]);
    let set = d.schedule(&d.ciso, monday.clone()).await;
    assert_eq!(set.status(), StatusCode::OK);
    let set = json_of(set).await;
    // Set at 10:00 in Amsterdam on a Monday: today's 09:00 has passed, so the first digest is next Monday's.
    assert_eq!((set["version"].as_i64(), set["next_digest_at"].as_str()), (Some(1), Some("2026-11-30T08:00:00Z")));
    assert_eq!(set["active_since"], "2026-11-23T09:00:00Z");
    assert_eq!(d.schedule(&d.app.admin_token, monday).await.status(), StatusCode::PRECONDITION_FAILED);
    d.write_due().await;
    assert!(d.digests().await.is_empty(), "nothing is due before the first scheduled time");
}

#[tokio::test]
async fn the_digest_is_written_once_when_due_by_the_runner_and_a_manual_call_alike() {
    let mut d = digest_app().await;
    let monday =
        json!({"enabled": true, "day_of_week": "monday", "local_time": "09:00", "time_zone": "Europe/Amsterdam"});
    assert_eq!(d.schedule(&d.ciso, monday).await.status(), StatusCode::OK);

    d.app.clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 7, 59, 59).unwrap());
    d.write_due().await;
    assert!(d.digests().await.is_empty(), "a second before 09:00 in Amsterdam: not yet");

    d.app.clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap());
    let rows = d.wait_for(1).await;
    d.write_due().await;
    d.write_due().await;
    assert_eq!(d.digests().await.len(), 1, "the runner and two manual calls write it once");
    let row = &rows[0];
    assert_eq!(row.dedupe_key, format!("digest.weekly:{}:2026-W49", d.tenant));
    assert_eq!(row.tenant_id.map(|t| t.to_string()), Some(d.tenant.clone()));

    let payload: Value = serde_json::from_str(&row.payload).unwrap();
    let keys: Vec<&str> = payload.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 7, "{keys:?}");
    assert_eq!(payload["title"], "Weekly Secure Score digest: Contoso");
    assert_eq!((payload["severity"].as_str(), payload["link"].is_null()), (Some("info"), true));
    // Three of eight two-point rows completed on the 23rd (6 of 16 points), the newest import a week ago.
    let summary = payload["summary"].as_str().unwrap();
    assert!(summary.starts_with("Secure Score is 37.5 % (no newer import since 2026-11-23)."), "{summary}");
    let fact =
        |name: &str| payload["facts"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap()["value"].clone();
    assert_eq!(fact("Current score"), "37.5 % (6 of 16 points, 2026-11-23)");
    assert_eq!(fact("Open controls"), "5 (10 points available)");
    let items = payload["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(
        items[0],
        json!({"title": "Unrated · Synthetic recommendation 04", "detail": "2 points available · to address"})
    );
    let attachment = &payload["attachments"][0];
    assert_eq!(
        (attachment["file_name"].as_str(), attachment["content_type"].as_str()),
        (Some("score-trend.png"), Some("image/png"))
    );
    assert_eq!(decode_png(attachment["base64"].as_str().unwrap()), (1200, 520));

    // Later that week nothing more; the next Monday brings the next one.
    d.app.clock.set(Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap());
    d.write_due().await;
    assert_eq!(d.digests().await.len(), 1);
    d.app.clock.set(Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap());
    let rows = d.wait_for(2).await;
    assert_eq!(rows[1].dedupe_key, format!("digest.weekly:{}:2026-W50", d.tenant));
}

#[tokio::test]
async fn after_a_long_gap_the_digest_is_caught_up_once_not_once_per_missed_week() {
    let d = digest_app().await;
    let schedule = json!({"enabled": true, "day_of_week": "monday", "local_time": "10:00", "time_zone": "UTC"});
    assert_eq!(d.schedule(&d.ciso, schedule).await.status(), StatusCode::OK);
    d.app.clock.set(Utc.with_ymd_and_hms(2026, 11, 23, 9, 59, 0).unwrap());
    d.write_due().await;
    assert!(d.digests().await.is_empty(), "not before its time");

    // Down from before 10:00 until Christmas Eve: five Mondays missed, one digest, for the latest week.
    d.app.clock.set(Utc.with_ymd_and_hms(2026, 12, 24, 15, 0, 0).unwrap());
    d.write_due().await;
    d.write_due().await;
    let rows = d.digests().await;
    assert_eq!(rows.len(), 1, "{:?}", rows.iter().map(|r| &r.dedupe_key).collect::<Vec<_>>());
    assert_eq!(rows[0].dedupe_key, format!("digest.weekly:{}:2026-W52", d.tenant));

    // Turned off, nothing is written even when due.
    let off = json!({"enabled": false, "day_of_week": "monday", "local_time": "10:00", "time_zone": "UTC"});
    assert_eq!(d.schedule(&d.ciso, off).await.status(), StatusCode::OK);
    d.app.clock.set(Utc.with_ymd_and_hms(2026, 12, 28, 10, 0, 0).unwrap());
    d.write_due().await;
    assert_eq!(d.digests().await.len(), 1);
}

#[tokio::test]
async fn the_preview_composes_the_digest_without_writing_it_and_serves_its_chart() {
    let d = digest_app().await;
    let preview = d.app.get(&format!("/api/v1/tenants/{}/reviews/weekly/digest-preview", d.tenant), &d.engineer).await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview = json_of(preview).await;
    assert_eq!(preview["title"], "Weekly Secure Score digest: Contoso");
    assert_eq!(preview["items"].as_array().unwrap().len(), 5);
    assert!(d.digests().await.is_empty(), "a preview writes nothing");

    let png = d.app.get(&format!("/api/v1/tenants/{}/reviews/weekly/digest-preview.png", d.tenant), &d.engineer).await;
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.unwrap();
    assert_eq!(png_size(&bytes), (1200, 520));
    let attached = base64::engine::general_purpose::STANDARD.encode(&bytes);
    assert_eq!(preview["attachments"][0]["base64"], attached, "the preview attaches the same chart");
}
