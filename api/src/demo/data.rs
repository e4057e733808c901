//! The demo tenant's data: a few hundred recommendations built from real Secure Score control ids (the shipped
//! `seed-mappings/secure-score-controls.csv`), a 90-day score history with a visible trend, some items completed,
//! some regressed, some accepted in Microsoft's portal, and one Defender for Cloud subscription. Deterministic,
//! so every newcomer sees the same picture.

use chrono::{DateTime, Duration, Utc};

use crate::domain::audit::Actor;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{Channel, MicrosoftState, Product};
use crate::domain::score::{ItemPoints, round2, summarise};
use crate::import::error::ImportError;
use crate::import::run::Importer;
use crate::import::{ImportBatch, IncomingItem, IncomingSnapshot};

const CONTROLS_CSV: &str = include_str!("../../../seed-mappings/secure-score-controls.csv");
/// The demo Defender for Cloud subscription.
pub const DEMO_SUBSCRIPTION: &str = "20ff7fc3-e762-44dd-bd96-b71116dcdc23";

/// A stable pseudo-random number per text (FNV-1a), so the demo looks the same on every machine.
fn dice(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn level(raw: &str) -> Option<String> {
    let lower = raw.trim().to_lowercase();
    Some(
        match lower.as_str() {
            "low" => "low",
            "moderate" | "medium" => "moderate",
            "high" => "high",
            _ => "unknown",
        }
        .to_owned(),
    )
}

fn csv_cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let (mut cell, mut quoted) = (String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// The demo's Microsoft 365 items; `regressing` ones are at max (to be lowered by the second import).
fn m365_items(regressing_at_max: bool) -> Vec<IncomingItem> {
    CONTROLS_CSV
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(csv_cells)
        .filter(|cells| cells.len() >= 8)
        .enumerate()
        .map(|(rank, cells)| {
            let id = cells[0].clone();
            let max: f64 = cells[3].parse().unwrap_or(1.0);
            let roll = dice(&id) % 100;
            let regressing = roll < 3;
            let achieved = match roll {
                _ if regressing => Some(if regressing_at_max { max } else { round2(max / 3.0) }),
                3..=37 => Some(max),
                38..=62 => Some(0.0),
                63..=82 => Some(round2(max * ((roll % 4) as f64 + 1.0) / 5.0)),
                _ => None,
            };
            let title = if cells[1].trim().is_empty() { id.clone() } else { cells[1].trim().to_owned() };
            let mut item = IncomingItem::new(Product::M365, Some(id.clone()), title, max, achieved);
            item.category = Some(cells[2].clone()).filter(|c| !c.is_empty());
            item.rank = Some(if id == "AdminMFAV2" { 1 } else { 10 + rank as i32 });
            item.implementation_cost = level(&cells[4]);
            item.user_impact = level(&cells[5]);
            item.tier = Some(cells[6].clone()).filter(|t| !t.is_empty());
            item.service = Some(cells[7].clone()).filter(|s| !s.is_empty());
            item.threats = Some(vec!["Data Exfiltration".to_owned()]);
            item.deprecated = Some(false);
            let (state, text) = match dice(&format!("{id}/state")) % 20 {
                0 if achieved != Some(max) => (MicrosoftState::RiskAccepted, "Ignored"),
                1 => (MicrosoftState::ThirdParty, "ThirdParty"),
                2 if achieved != Some(max) => (MicrosoftState::Planned, "Planned"),
                _ => (MicrosoftState::Default, "Default"),
            };
            item.ms_state = state;
            item.ms_state_text = Some(text.to_owned());
            item
        })
        .collect()
}

/// 90 days of history rising towards today's score.
fn history(items: &[IncomingItem], now: DateTime<Utc>) -> Vec<IncomingSnapshot> {
    let today = summarise(items.iter().map(|i| ItemPoints {
        category: i.category.as_deref(),
        achieved: i.achieved,
        max: i.max,
        scored: true,
    }));
    (0..90)
        .map(|days_ago| {
            // Flat for a month, then a steady climb, with a small dip a fortnight ago.
            let progress = if days_ago > 60 { 0.0 } else { (60 - days_ago) as f64 / 60.0 };
            let dip = if (12..=15).contains(&days_ago) { 0.04 } else { 0.0 };
            let factor = (0.62 + 0.38 * progress - dip).min(1.0);
            let categories = today
                .categories
                .iter()
                .map(|c| crate::domain::score::CategoryScore {
                    category: c.category.clone(),
                    achieved: round2(c.achieved * factor),
                    max: c.max,
                })
                .collect();
            IncomingSnapshot {
                day: (now - Duration::days(days_ago)).date_naive(),
                product: Product::M365,
                scope: String::new(),
                current: round2(today.current * factor),
                max: today.max,
                categories,
                averages: serde_json::json!([{ "basis": "AllTenants", "average_score": 52.86 }]),
            }
        })
        .collect()
}

fn defender_batch(now: DateTime<Utc>) -> ImportBatch {
    let controls = [
        ("Enable MFA", 10.0, 10.0, 4, 0),
        ("Secure management ports", 8.0, 4.0, 2, 2),
        ("Remediate vulnerabilities", 6.0, 1.5, 3, 9),
        ("Apply system updates", 6.0, 3.0, 5, 5),
        ("Enable encryption at rest", 4.0, 4.0, 7, 0),
        ("Encrypt data in transit", 4.0, 2.0, 3, 3),
        ("Restrict unauthorized network access", 4.0, 1.0, 1, 3),
        ("Manage access and permissions", 4.0, 2.4, 6, 4),
        ("Enable endpoint protection", 2.0, 2.0, 4, 0),
        ("Enable auditing and logging", 1.0, 0.2, 1, 4),
        ("Protect applications against DDoS attacks", 2.0, 2.0, 1, 0),
        ("Implement security best practices", 0.0, 0.0, 2, 6),
    ];
    let items: Vec<IncomingItem> = controls
        .iter()
        .map(|(name, max, current, healthy, unhealthy)| {
            let key = format!("{DEMO_SUBSCRIPTION}/{:016x}", dice(name));
            let mut item =
                IncomingItem::new(Product::DefenderCloud, Some(key), (*name).to_owned(), *max, Some(*current));
            item.category = Some("Defender for Cloud".to_owned());
            item.service = Some(DEMO_SUBSCRIPTION.to_owned());
            item.healthy_count = Some(*healthy);
            item.unhealthy_count = Some(*unhealthy);
            item.not_applicable_count = Some(0);
            item
        })
        .collect();
    let current: f64 = controls.iter().map(|c| c.2).sum();
    let max: f64 = controls.iter().map(|c| c.1).sum();
    let snapshot = IncomingSnapshot {
        day: now.date_naive(),
        product: Product::DefenderCloud,
        scope: DEMO_SUBSCRIPTION.to_owned(),
        current: round2(current),
        max,
        categories: Vec::new(),
        averages: serde_json::json!({ "initiative": "ascScore", "percentage": round2(current / max * 10_000.0) / 10_000.0, "weight": 67 }),
    };
    ImportBatch {
        channel: Channel::Defender,
        product: Product::DefenderCloud,
        items,
        snapshots: vec![snapshot],
        complete_catalog: Some(vec![format!("{DEMO_SUBSCRIPTION}/")]),
    }
}

/// Loads the demo data into `tenant`: an import where a few items are at max, then today's import where they
/// have regressed, then Defender for Cloud.
pub async fn load(importer: &Importer, tenant: TenantId, now: DateTime<Utc>) -> Result<(), ImportError> {
    let actor = Actor::system("demo");
    let yesterday = m365_items(true);
    let mut first = ImportBatch {
        channel: Channel::Graph,
        product: Product::M365,
        items: yesterday,
        snapshots: Vec::new(),
        complete_catalog: Some(Vec::new()),
    };
    importer.apply_batch(tenant, &actor, &first).await?;
    first.items = m365_items(false);
    first.snapshots = history(&first.items, now);
    importer.apply_batch(tenant, &actor, &first).await?;
    importer.apply_batch(tenant, &actor, &defender_batch(now)).await?;
    Ok(())
}
