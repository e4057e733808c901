//! `scoregrc export`: the auditor workbook, or `export evidence-pack`, to a file with a progress bar.

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::audit::Actor;
use crate::export::auditor_workbook::{self, ExportRequest};
use crate::export::evidence_pack::{self, PackProgress, PackRequest};
use crate::signing::PackSigner;
use crate::store::{settings, tenants};

/// What to export where: the auditor workbook by default, or a subcommand's file.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ExportArgs {
    #[command(subcommand)]
    command: Option<ExportCommand>,
    /// The tenant, by id or exact name.
    #[arg(long, required = true)]
    tenant: Option<String>,
    /// Where to write the workbook (`.xlsx`); replaced when it exists.
    #[arg(long, required = true)]
    out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// The signed evidence pack (.zip) of a period: workbook, evidence files, audit segment, manifest.
    EvidencePack {
        /// The tenant, by id or exact name.
        #[arg(long)]
        tenant: String,
        /// Where to write the zip; replaced when it exists.
        #[arg(long)]
        out: PathBuf,
        /// First day (UTC, YYYY-MM-DD) of the period, included; default: one year before `--to`.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day (UTC, YYYY-MM-DD) of the period, included; default: today.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
}

/// Runs the export asked for.
pub async fn run(config: Config, clock: Arc<SystemClock>, args: ExportArgs) -> anyhow::Result<()> {
    match args.command {
        Some(ExportCommand::EvidencePack { tenant, out, from, to }) => pack(config, clock, tenant, out, from, to).await,
        None => {
            let (Some(tenant), Some(out)) = (args.tenant, args.out) else {
                anyhow::bail!("give --tenant and --out (or a subcommand: evidence-pack)")
            };
            workbook(config, clock, tenant, out).await
        }
    }
}

fn bar(template: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> "),
    );
    bar
}

async fn workbook(config: Config, clock: Arc<SystemClock>, tenant: String, out: PathBuf) -> anyhow::Result<()> {
    let db = crate::db::open_and_migrate(&config.database).await?;
    let tenant = tenants::find_by_reference(&db, &tenant)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no tenant `{tenant}` (give its id or exact name)"))?;
    let actor = Actor::system("cli");
    let request = ExportRequest { tenant: tenant.id, generated_by: actor.name.clone(), now: clock.now() };
    let bar = bar("{msg:<24} [{bar:32}] {pos}/{len} rows [{elapsed}]");
    let mut report = |p: auditor_workbook::ExportProgress| {
        bar.set_length(p.rows_total);
        bar.set_position(p.rows_written);
        bar.set_message(p.sheet);
    };
    let written = auditor_workbook::write_and_record(&db, &request, &actor, &out, &mut report).await?;
    bar.finish_and_clear();
    println!(
        "wrote the auditor workbook for {} to {}: {} sheets, {} rows, {} bytes, sha256 {}",
        tenant.name,
        out.display(),
        written.summary.sheets.len(),
        written.summary.rows,
        written.bytes,
        written.sha256
    );
    Ok(())
}

async fn pack(
    config: Config,
    clock: Arc<SystemClock>,
    tenant: String,
    out: PathBuf,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> anyhow::Result<()> {
    let db = crate::db::open_and_migrate(&config.database).await?;
    let key = crate::app::data_key(&config)?;
    let now = clock.now();
    let signer = PackSigner::from_secret(&settings::pack_signing_key(&db, &key, now).await?);
    let tenant = tenants::find_by_reference(&db, &tenant)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no tenant `{tenant}` (give its id or exact name)"))?;
    let to = to.unwrap_or(now.date_naive());
    let from = from.unwrap_or_else(|| to.checked_sub_months(chrono::Months::new(12)).unwrap_or(to));
    let actor = Actor::system("cli");
    let request = PackRequest { tenant: tenant.id, from, to, generated_by: actor.name.clone(), now };
    let bar = bar("{msg:<10} [{bar:32}] {bytes}/{total_bytes} [{elapsed}]");
    let mut report = |p: PackProgress| {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_written);
        bar.set_message(p.stage);
    };
    let written = evidence_pack::write_and_record(&db, &signer, &request, &actor, &out, &mut report).await?;
    bar.finish_and_clear();
    let s = &written.summary;
    println!(
        "wrote the evidence pack for {} ({from} to {to}) to {}: {} files ({} evidence files, {} evidence bytes), {} links, \
         {} audit rows, {} bytes, sha256 {}, signed by key {}",
        tenant.name,
        out.display(),
        s.files,
        s.evidence_files,
        s.evidence_bytes,
        s.links,
        s.audit_rows,
        written.bytes,
        written.sha256,
        s.key_id
    );
    Ok(())
}
