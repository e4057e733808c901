#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The import benchmark: N synthetic portal-export rows (default 100 000) imported as CSV and as xlsx through
//! the real upload path (read, identity resolution, change list, run record, audit row, one write transaction),
//! each into a fresh tenant in a fresh SQLite file, plus an idempotent CSV re-import, against a ceiling: a
//! rusqlite prepared `INSERT` of the same rows into the same `recommendations` table in one transaction.
//!
//! `cargo bench -p scoregrc --bench import` (100 000 rows) or `… --bench import -- 20000` for a quick run.
//! Prints rows, seconds, rows/s, percent of the ceiling (best of three runs) and the peak RSS (VmHWM, reset per
//! phase).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use scoregrc::clock::{Clock, SharedClock, SystemClock};
use scoregrc::config::Config;
use scoregrc::domain::audit::Actor;
use scoregrc::domain::ids::TenantId;
use scoregrc::import::run::{Importer, Upload};
use scoregrc::secrets::DataKey;

const DEFAULT_ROWS: usize = 100_000;
const CEILING_RUNS: usize = 3;
const HEADER: [&str; 7] =
    ["Rank", "Recommended action", "Score impact", "Points achieved", "Status", "Category", "Product"];
const STATUSES: [&str; 6] = [
    "To address",
    "Planned",
    "Risk accepted",
    "Resolved through third party",
    "Resolved through alternate mitigation",
    "Completed",
];
const CATEGORIES: [&str; 5] = ["Identity", "Data", "Device", "Apps", "Infrastructure"];
const PRODUCTS: [&str; 6] =
    ["Entra", "Exchange Online", "SharePoint Online", "Microsoft Teams", "Defender for Endpoint", "Intune"];
const VERBS: [&str; 6] = ["enforce", "enable", "require", "block", "audit", "restrict"];
const OBJECTS: [&str; 7] = [
    "multifactor authentication for administrative roles",
    "legacy authentication protocols",
    "external sharing of sites, files and folders",
    "automatic email forwarding to external domains",
    "device compliance before granting access",
    "sign-in risk policies for all users",
    "audit log search across workloads",
];
const MAXES: [u32; 8] = [1, 2, 3, 5, 6, 8, 9, 10];

/// One synthetic portal row.
struct Row {
    rank: u32,
    title: String,
    impact: String,
    achieved: f64,
    max: f64,
    status: &'static str,
    category: &'static str,
    product: &'static str,
}

impl Row {
    fn points(&self) -> String {
        format!("{}/{}", self.achieved, self.max)
    }
}

fn generate(n: usize) -> Vec<Row> {
    (0..n)
        .map(|i| {
            // A cheap deterministic scramble, so neighbouring rows differ.
            let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
            let max = MAXES[(h % 8) as usize];
            let status = STATUSES[((h >> 3) % 6) as usize];
            let achieved = match status {
                "Completed" | "Resolved through third party" | "Resolved through alternate mitigation" => {
                    f64::from(max)
                }
                "Risk accepted" => 0.0,
                _ => f64::from(max) * f64::from(((h >> 6) % 3) as u32) / 2.0,
            };
            Row {
                rank: i as u32 + 1,
                title: format!(
                    "Synthetic control {i:06}: {} {}",
                    VERBS[((h >> 9) % 6) as usize],
                    OBJECTS[((h >> 12) % 7) as usize]
                ),
                impact: format!("+{:.2} %", f64::from(max) * 0.91),
                achieved,
                max: f64::from(max),
                status,
                category: CATEGORIES[((h >> 15) % 5) as usize],
                product: PRODUCTS[((h >> 18) % 6) as usize],
            }
        })
        .collect()
}

fn to_csv(rows: &[Row]) -> Vec<u8> {
    let mut out = String::with_capacity(rows.len() * 140);
    out.push_str(&HEADER.join(","));
    out.push_str("\r\n");
    for r in rows {
        let line = format!(
            "{},\"{}\",{},{},{},{},{}\r\n",
            r.rank,
            r.title.replace('"', "\"\""),
            r.impact,
            r.points(),
            r.status,
            r.category,
            r.product
        );
        out.push_str(&line);
    }
    out.into_bytes()
}

fn to_xlsx(rows: &[Row]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Recommended actions").unwrap();
    for (col, name) in HEADER.iter().enumerate() {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        let at = i as u32 + 1;
        sheet.write_number(at, 0, f64::from(r.rank)).unwrap();
        sheet.write_string(at, 1, &r.title).unwrap();
        sheet.write_string(at, 2, &r.impact).unwrap();
        sheet.write_string(at, 3, r.points()).unwrap();
        sheet.write_string(at, 4, r.status).unwrap();
        sheet.write_string(at, 5, r.category).unwrap();
        sheet.write_string(at, 6, r.product).unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

/// A memory figure of /proc/self/status in MiB (`VmHWM`: peak RSS since the last [`reset_peak`]; `VmRSS`: now);
/// `None` where /proc does not tell.
fn status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Resets the RSS high-water mark to the current RSS (Linux ≥ 4.0); false when that is not possible.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// One measured phase.
struct Figure {
    name: &'static str,
    rows: usize,
    took: Duration,
    /// RSS when the phase started and its high-water mark during the phase, MiB.
    memory: Option<(f64, f64)>,
}

impl Figure {
    fn rate(&self) -> f64 {
        self.rows as f64 / self.took.as_secs_f64()
    }
}

async fn measured<T, F: std::future::Future<Output = T>>(name: &'static str, rows: usize, work: F) -> (Figure, T) {
    let start = if reset_peak() { status_mib("VmRSS:") } else { None };
    let started = Instant::now();
    let out = work.await;
    let took = started.elapsed();
    let memory = start.zip(status_mib("VmHWM:"));
    (Figure { name, rows, took, memory }, out)
}

/// A fresh migrated database with one tenant, and an importer over it built as `app::prepare` builds it.
async fn fresh(dir: &Path, file: &str) -> (Importer, TenantId) {
    let config = Config::new(dir.join(file));
    let db = scoregrc::db::open_and_migrate(&config.database).await.unwrap();
    let clock: SharedClock = Arc::new(SystemClock);
    let importer = scoregrc::app::importer(&db, &clock, Arc::new(DataKey::generate()), &config).unwrap();
    let tenant =
        scoregrc::store::tenants::create(&db, &Actor::system("bench"), clock.now(), "Bench".into()).await.unwrap();
    (importer, tenant.id)
}

async fn import(importer: &Importer, tenant: TenantId, name: &str, bytes: Vec<u8>, expect_new: u64) {
    let upload = Upload { file_name: Some(name.to_owned()), bytes, sheet: None };
    let run = importer.import_file(tenant, &Actor::system("bench"), upload).await.unwrap();
    assert_eq!(run.counts.new, expect_new, "{name}: {:?}", run.counts);
}

/// The ceiling: the same rows into the same table (migrated schema: its indexes and foreign key), one prepared
/// statement, one transaction, the app's pragmas. The fastest of `CEILING_RUNS`, each into a fresh file, so a
/// noisy machine does not lower the bar.
async fn ceiling(dir: &Path, rows: &[Row]) -> Figure {
    let mut best: Option<Figure> = None;
    for run in 0..CEILING_RUNS {
        let path = dir.join(format!("ceiling-{run}.db"));
        let db = scoregrc::db::open_and_migrate(&path.clone().into()).await.unwrap();
        let now = SystemClock.now();
        let tenant = scoregrc::store::tenants::create(&db, &Actor::system("bench"), now, "Bench".into()).await.unwrap();
        db.close().await.unwrap();
        let name = "ceiling (rusqlite)";
        let (figure, ()) = measured(name, rows.len(), async { rusqlite_insert(&path, tenant.id.0, rows) }).await;
        if best.as_ref().is_none_or(|b| figure.took < b.took) {
            best = Some(figure);
        }
    }
    best.unwrap()
}

fn rusqlite_insert(path: &Path, tenant: uuid::Uuid, rows: &[Row]) {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    let now = rfc3339(SystemClock.now());
    let tx = conn.transaction().unwrap();
    {
        let placeholders = (1..=39).map(|i| format!("?{i}")).collect::<Vec<_>>().join(",");
        let mut insert = tx
            .prepare(&format!(
                "INSERT INTO recommendations (id, tenant_id, product, control_key, match_key, unmatched, title, \
                 category, service, max_score, achieved, score_impact, rank, implementation_cost, user_impact, tier, \
                 threats, remediation, remediation_impact, action_type, action_url, deprecated, ms_state, \
                 implementation_status, healthy_count, unhealthy_count, not_applicable_count, status, \
                 status_confirmed, unmanaged_acceptance, regressed, regressed_at, last_synced, first_seen, last_seen, \
                 removed_at, created_at, updated_at, version) VALUES ({placeholders})"
            ))
            .unwrap();
        let null = rusqlite::types::Null;
        for r in rows {
            let id = uuid::Uuid::now_v7();
            let status = if r.status == "Completed" { "completed" } else { "to_address" };
            insert
                .execute(rusqlite::params![
                    &id.as_bytes()[..],
                    &tenant.as_bytes()[..],
                    "m365",
                    null,
                    readers::title::match_key(&r.title),
                    true,
                    r.title,
                    r.category,
                    r.product,
                    r.max,
                    r.achieved,
                    r.max * 0.91,
                    r.rank,
                    "unknown",
                    "unknown",
                    null,
                    "[]",
                    null,
                    null,
                    null,
                    null,
                    false,
                    r.status,
                    null,
                    null,
                    null,
                    null,
                    status,
                    false,
                    false,
                    false,
                    null,
                    null,
                    now,
                    now,
                    null,
                    now,
                    now,
                    1i64,
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn print(figures: &[Figure], ceiling: f64) {
    let header = ("phase", "rows", "seconds", "rows/s", "% ceiling", "peak RSS (+ over start)");
    println!("{:<22} {:>8} {:>9} {:>11} {:>10} {:>24}", header.0, header.1, header.2, header.3, header.4, header.5);
    for f in figures {
        let peak = f.memory.map_or_else(
            || "n/a".to_owned(),
            |(start, peak)| format!("{peak:.0} MiB (+{:.0} MiB)", (peak - start).max(0.0)),
        );
        let percent = 100.0 * f.rate() / ceiling;
        let (rows, secs, rate) = (f.rows, f.took.as_secs_f64(), f.rate());
        println!("{:<22} {rows:>8} {secs:>9.3} {rate:>11.0} {percent:>9.1}% {peak:>24}", f.name);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; the first plain number is the row count.
    let n = std::env::args().skip(1).find_map(|a| a.replace('_', "").parse::<usize>().ok()).unwrap_or(DEFAULT_ROWS);
    let rows = generate(n);
    let csv = to_csv(&rows);
    let xlsx = to_xlsx(&rows);
    println!("import benchmark: {n} rows; CSV {} KiB, xlsx {} KiB", csv.len() / 1024, xlsx.len() / 1024);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let figures = runtime.block_on(async {
        let ceiling = ceiling(dir.path(), &rows).await;
        drop(rows);

        let (importer, tenant) = fresh(dir.path(), "csv.db").await;
        let bytes = csv.clone();
        let (csv_first, ()) = measured("CSV", n, import(&importer, tenant, "bench.csv", bytes, n as u64)).await;
        let bytes = csv.clone();
        let (csv_again, ()) = measured("CSV re-import", n, import(&importer, tenant, "bench.csv", bytes, 0)).await;
        importer.db.close().await.unwrap();

        let (importer, tenant) = fresh(dir.path(), "xlsx.db").await;
        let bytes = xlsx.clone();
        let (xlsx, ()) = measured("xlsx", n, import(&importer, tenant, "bench.xlsx", bytes, n as u64)).await;
        importer.db.close().await.unwrap();
        vec![ceiling, csv_first, csv_again, xlsx]
    });
    print(&figures, figures[0].rate());
}
