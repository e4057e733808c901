//! `scoregrc roadmap suggest` and `scoregrc report board`: the quarterly planning meeting's two commands.

use clap::Subcommand;
use std::path::PathBuf;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::audit::Actor;
use crate::domain::quarter::Quarter;
use crate::store::tenants;

/// Roadmap commands.
#[derive(Debug, Subcommand)]
pub enum RoadmapCommand {
    /// Fill a quarter's plan with P1 then P2 items by points still available (up to 15), and print it.
    Suggest {
        /// The tenant, by id or exact name.
        #[arg(long)]
        tenant: String,
        /// The quarter, e.g. 2027-Q1.
        #[arg(long)]
        quarter: Quarter,
    },
}

/// Report commands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Write a quarter's board report as a printable HTML page.
    Board {
        /// The tenant, by id or exact name.
        #[arg(long)]
        tenant: String,
        /// The quarter, e.g. 2026-Q4.
        #[arg(long)]
        quarter: Quarter,
        /// Where to write the page.
        #[arg(long)]
        out: PathBuf,
    },
}

async fn open(config: &Config, reference: &str) -> anyhow::Result<(sea_orm::DatabaseConnection, tenants::Tenant)> {
    let db = crate::db::open_and_migrate(&config.database).await?;
    let tenant = tenants::find_by_reference(&db, reference)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no tenant `{reference}` (give its id or exact name)"))?;
    Ok((db, tenant))
}

/// Suggests and prints the plan.
pub async fn roadmap(config: Config, command: RoadmapCommand) -> anyhow::Result<()> {
    let RoadmapCommand::Suggest { tenant, quarter } = command;
    let (db, tenant) = open(&config, &tenant).await?;
    let now = SystemClock.now();
    let added = crate::store::roadmap::suggest(&db, &Actor::system("cli"), now, tenant.id, quarter).await?;
    let plan = crate::store::roadmap::get(&db, tenant.id, quarter, now).await?;
    println!("{quarter} plan for {}: {added} item(s) suggested, {} on the plan", tenant.name, plan.items.len());
    for item in &plan.items {
        let mark = if item.suggested { "suggested" } else { "placed" };
        println!(
            "{:>3}. {:?} {:>6.2} pts  {}  [{mark}, {}]",
            item.position,
            item.bucket,
            item.points_available,
            item.title,
            item.phase.phase.as_str()
        );
    }
    let p = &plan.projection;
    println!(
        "score today {:.2} % → {:.2} % if every item lands (+{:.2} points)",
        p.today_percent, p.projected_percent, p.points_gained
    );
    for warning in &plan.warnings {
        println!("warning: {}", warning.message);
    }
    Ok(())
}

/// Writes the board report page.
pub async fn report(config: Config, command: ReportCommand) -> anyhow::Result<()> {
    let ReportCommand::Board { tenant, quarter, out } = command;
    let (db, tenant) = open(&config, &tenant).await?;
    let html = crate::store::board::html(&db, tenant.id, quarter, SystemClock.now()).await?;
    std::fs::write(&out, html)?;
    println!("wrote the {quarter} board report for {} to {}", tenant.name, out.display());
    Ok(())
}
