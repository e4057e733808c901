//! `scoregrc export`: the auditor workbook to a file, with a progress bar.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::audit::Actor;
use crate::export::auditor_workbook::{self, ExportRequest};
use crate::store::tenants;

/// What to export where.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The tenant, by id or exact name.
    #[arg(long)]
    tenant: String,
    /// Where to write the workbook (`.xlsx`); replaced when it exists.
    #[arg(long)]
    out: PathBuf,
}

/// Writes the auditor workbook, records the export in the audit trail and prints what was written.
pub async fn run(config: Config, clock: Arc<SystemClock>, args: ExportArgs) -> anyhow::Result<()> {
    let db = crate::db::open_and_migrate(&config.database_path).await?;
    let tenant = tenants::find_by_reference(&db, &args.tenant)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no tenant `{}` (give its id or exact name)", args.tenant))?;
    let actor = Actor::system("cli");
    let now = clock.now();
    let request = ExportRequest { tenant: tenant.id, generated_by: actor.name.clone(), now };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:<24} [{bar:32}] {pos}/{len} rows [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut report = |p: auditor_workbook::ExportProgress| {
        bar.set_length(p.rows_total);
        bar.set_position(p.rows_written);
        bar.set_message(p.sheet);
    };
    let written = auditor_workbook::write_and_record(&db, &request, &actor, &args.out, &mut report).await?;
    bar.finish_and_clear();
    println!(
        "wrote the auditor workbook for {} to {}: {} sheets, {} rows, {} bytes, sha256 {}",
        tenant.name,
        args.out.display(),
        written.summary.sheets.len(),
        written.summary.rows,
        written.bytes,
        written.sha256
    );
    Ok(())
}
