//! `scoregrc import`: a file or a connector import from the command line, with a progress spinner and a printed
//! summary of what changed.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::audit::Actor;
use crate::domain::change::ItemChange;
use crate::import::run::Upload;
use crate::store::connectors::ConnectorKind;
use crate::store::import_runs::{ImportRun, RunOutcome};
use crate::store::tenants;

/// What to import.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["file", "graph", "defender"])))]
pub struct ImportArgs {
    /// The tenant, by id or exact name.
    #[arg(long)]
    tenant: String,
    /// A portal export (CSV or xlsx).
    #[arg(long)]
    file: Option<PathBuf>,
    /// For an xlsx: the sheet to read (default: the first).
    #[arg(long, requires = "file")]
    sheet: Option<String>,
    /// Import through the tenant's Microsoft Graph connector.
    #[arg(long)]
    graph: bool,
    /// Import through the tenant's Defender for Cloud connector.
    #[arg(long)]
    defender: bool,
}

/// Runs the import and prints its summary; fails when the import fails.
pub async fn run(config: Config, clock: Arc<SystemClock>, args: ImportArgs) -> anyhow::Result<()> {
    let db = crate::db::open_and_migrate(&config.database).await?;
    let key = Arc::new(crate::app::data_key(&config)?);
    let shared_clock: crate::clock::SharedClock = clock.clone();
    let importer = crate::app::importer(&db, &shared_clock, key, &config)?;
    let tenant = tenants::find_by_reference(&db, &args.tenant)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no tenant `{}` (give its id or exact name)", args.tenant))?;
    let actor = Actor::system("cli");
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.enable_steady_tick(Duration::from_millis(120));
    let result = if let Some(path) = &args.file {
        spinner.set_message(format!("importing {}", path.display()));
        let bytes = std::fs::read(path)?;
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        importer.import_file(tenant.id, &actor, Upload { file_name, bytes, sheet: args.sheet.clone() }).await
    } else {
        let kind = if args.defender { ConnectorKind::Defender } else { ConnectorKind::Graph };
        spinner.set_message(format!("importing through the {} connector", kind.as_str()));
        let run_id = importer.queue_connector(tenant.id, &actor, kind, false).await?.id;
        let bar = spinner.clone();
        let observe = move |pages: u32| bar.set_message(format!("fetched {pages} page(s) from Microsoft"));
        importer.run_connector(tenant.id, run_id, kind, &observe).await
    };
    spinner.finish_and_clear();
    let run = result?;
    print_summary(&tenant.name, &run, clock.now());
    match run.outcome {
        Some(RunOutcome::Succeeded) => Ok(()),
        _ => anyhow::bail!(
            "the import failed: {}",
            run.errors.first().map(|e| e.message.as_str()).unwrap_or("unknown reason")
        ),
    }
}

/// `scoregrc sync --tenant T`: every configured connector's import, now, each with its progress spinner.
pub async fn sync(config: Config, clock: Arc<SystemClock>, tenant_reference: String) -> anyhow::Result<()> {
    let db = crate::db::open_and_migrate(&config.database).await?;
    let tenant = tenants::find_by_reference(&db, &tenant_reference)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no tenant `{tenant_reference}` (give its id or exact name)"))?;
    let mut kinds = Vec::new();
    for kind in [ConnectorKind::Graph, ConnectorKind::Defender] {
        if crate::store::connectors::settings_of(&db, tenant.id, kind).await?.is_some() {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        anyhow::bail!("{} has no connector configured: nothing to sync", tenant.name);
    }
    let mut failed = 0;
    for kind in kinds {
        let args = ImportArgs {
            tenant: tenant.id.to_string(),
            file: None,
            sheet: None,
            graph: kind == ConnectorKind::Graph,
            defender: kind == ConnectorKind::Defender,
        };
        if let Err(e) = run(config.clone(), clock.clone(), args).await {
            eprintln!("{} sync failed: {e}", kind.as_str());
            failed += 1;
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} connector sync(s) failed");
    }
    Ok(())
}

fn print_summary(tenant: &str, run: &ImportRun, now: chrono::DateTime<chrono::Utc>) {
    let c = &run.counts;
    println!("Imported into {tenant} ({} run {}, {})", run.source, run.id, now.format("%Y-%m-%d %H:%M UTC"));
    println!(
        "  read {}  new {}  updated {}  unchanged {}  removed {}  regressions {}  completions {}  merges {}  unmatched {}",
        c.read, c.new, c.updated, c.unchanged, c.removed, c.regressions, c.completions, c.merges, c.unmatched
    );
    let notable: Vec<&ItemChange> = run
        .changes
        .iter()
        .flatten()
        .filter(|ch| {
            matches!(ch, ItemChange::Regressed { .. } | ItemChange::Unmatched { .. } | ItemChange::Removed { .. })
        })
        .collect();
    for change in notable.iter().take(20) {
        match change {
            ItemChange::Regressed { item, achieved_from, achieved_to, max } => println!(
                "  regressed  {} ({:?} → {:?} of {max})",
                item.title,
                achieved_from.unwrap_or_default(),
                achieved_to.unwrap_or_default()
            ),
            ItemChange::Unmatched { item, row } => {
                println!(
                    "  unmatched  row {}: {} (link it with PUT …/external-id)",
                    row.unwrap_or_default(),
                    item.title
                )
            }
            ItemChange::Removed { item } => println!("  removed    {}", item.title),
            _ => {}
        }
    }
    if notable.len() > 20 {
        println!("  … and {} more (see GET /api/v1/tenants/{}/imports/{})", notable.len() - 20, run.tenant_id, run.id);
    }
}
