//! `scoregrc db copy`: moving a whole deployment into another database, so a team can go from the embedded SQLite
//! file to a PostgreSQL server (or back, or to another file). The copying itself is `store::copy`.

use anyhow::{Context, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::db::{self, Location};
use crate::secrets::DataKey;
use crate::store::copy::{self, Copied, CopyProgress};

/// The database itself.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy every row of a deployment into a new, empty database (a SQLite file into PostgreSQL, or back), in one
    /// transaction; then check every table's row count and every audit chain on the copy. Stop the service
    /// first: what it writes after the copy starts stays behind.
    Copy {
        /// The database to copy: a SQLite file path or sqlite://path, or postgres://user@host/db.
        #[arg(long, value_parser = Location::parse)]
        from: Location,
        /// The database to copy into: a SQLite file that does not exist yet, or an empty PostgreSQL database.
        #[arg(long, value_parser = Location::parse)]
        to: Location,
    },
}

/// Runs a `db` command.
pub async fn run(config: Config, command: DbCommand) -> anyhow::Result<()> {
    match command {
        DbCommand::Copy { from, to } => copy(&config, from, to).await,
    }
}

async fn copy(config: &Config, from: Location, to: Location) -> anyhow::Result<()> {
    if same_database(&from, &to) {
        bail!("--from and --to name the same database ({from}); copy into a new one");
    }
    if let Location::Sqlite(path) = &from {
        // Opening would create an empty file, and copying nothing would look like success.
        if !path.is_file() {
            bail!("there is no database at {} (--from): give the SQLite file to copy", path.display());
        }
    }
    let source = db::open_and_migrate(&from).await.with_context(|| format!("opening --from {from}"))?;
    let target = db::open_and_migrate(&to).await.with_context(|| format!("opening --to {to}"))?;
    // Said first, before anything about keys: the copy checks it again inside its transaction.
    copy::check_target_is_empty(&target).await?;
    let key = KeyPlan::new(config, &from, &to)?;
    eprintln!("copying {from} into {to}; stop the service first, or what it writes from now on stays behind");

    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:<24} [{bar:32}] {pos}/{len} rows [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut report = |p: CopyProgress| {
        bar.set_length(p.rows_total);
        bar.set_position(p.rows_copied);
        bar.set_message(p.table);
    };
    let copied = copy::copy_database(&source, &target, &mut report).await;
    bar.finish_and_clear();
    source.close().await?;
    target.close().await?;
    let copied = copied.with_context(|| format!("copying {from} into {to}"))?;

    print_counts(&copied);
    let rows: u64 = copied.chains.iter().map(|c| c.rows_checked).sum();
    let intact = copied.chains.iter().filter(|c| c.intact).count();
    println!("{intact} of {} audit chains intact, {rows} rows checked", copied.chains.len());
    println!("copied {from} into {to}");
    key.finish(&to)
}

/// Whether `from` and `to` are one database (the same file, however it is spelled, or the same URL).
fn same_database(from: &Location, to: &Location) -> bool {
    match (from, to) {
        (Location::Sqlite(a), Location::Sqlite(b)) => {
            a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
        }
        _ => from == to,
    }
}

/// The row counts, one line a table.
fn print_counts(copied: &Copied) {
    let width = copied.tables.iter().map(|t| t.table.len()).max().unwrap_or(5).max(5);
    println!("{:<width$}  {:>10}  {:>10}", "table", "source", "copy");
    for table in &copied.tables {
        println!("{:<width$}  {:>10}  {:>10}", table.table, table.in_source, table.in_target);
    }
    let sum = |f: fn(&copy::TableRows) -> u64| copied.tables.iter().map(f).sum::<u64>();
    println!("{:<width$}  {:>10}  {:>10}", "total", sum(|t| t.in_source), sum(|t| t.in_target));
}

/// The data key the copy's sealed secrets need, and what to tell (or, for a new SQLite file, do) about it. The
/// key itself is never printed: it is named by where it is and by its id.
enum KeyPlan {
    /// SCOREGRC_DATA_KEY (or --data-key) was given.
    Given(DataKey),
    /// The key file beside the source SQLite file; `write_to` is where the copy's key file goes when the target
    /// is a SQLite file that has none yet.
    File { path: PathBuf, key: DataKey, write_to: Option<PathBuf> },
    /// No key is known here (a PostgreSQL source without SCOREGRC_DATA_KEY, or a file without a key file).
    Unknown,
}

impl KeyPlan {
    /// Checked before anything is written: a key file beside a SQLite target must hold the source's key.
    fn new(config: &Config, from: &Location, to: &Location) -> anyhow::Result<Self> {
        if let Some(text) = &config.data_key {
            return Ok(Self::Given(DataKey::parse(text).context("SCOREGRC_DATA_KEY (--data-key)")?));
        }
        let Some(path) = Config::new(from.clone()).data_key_path().filter(|p| p.is_file()) else {
            return Ok(Self::Unknown);
        };
        let key = read_key_file(&path)?;
        let mut write_to = None;
        if let Some(target_key) = Config::new(to.clone()).data_key_path() {
            if !target_key.exists() {
                write_to = Some(target_key);
            } else if read_key_file(&target_key)?.key_id() != key.key_id() {
                bail!(
                    "{} holds another data key than {} (key id {}): the copy's secrets would not open; move it away \
                     first",
                    target_key.display(),
                    path.display(),
                    key.key_id()
                );
            }
        }
        Ok(Self::File { path, key, write_to })
    }

    /// Puts the key file beside a new SQLite copy, and says what the service on `to` needs.
    fn finish(self, to: &Location) -> anyhow::Result<()> {
        match (self, to) {
            (Self::Given(key), _) => println!(
                "the secrets stay sealed with the data key from SCOREGRC_DATA_KEY (key id {}): start every \
                 instance on {to} with the same SCOREGRC_DATA_KEY",
                key.key_id()
            ),
            (Self::File { path, key, write_to: Some(copy) }, _) => {
                key.write_new_file(&copy)?;
                println!(
                    "the secrets stay sealed with the data key in {} (key id {}): copied it to {} for the service \
                     on {to}",
                    path.display(),
                    key.key_id(),
                    copy.display()
                );
            }
            (Self::File { path, key, write_to: None }, Location::Postgres(_)) => println!(
                "the secrets stay sealed with the data key in {} (key id {}): every instance on {to} needs \
                 SCOREGRC_DATA_KEY set to that file's content, e.g. SCOREGRC_DATA_KEY=\"$(cat {})\"",
                path.display(),
                key.key_id(),
                path.display()
            ),
            (Self::File { path, key, write_to: None }, Location::Sqlite(_)) => println!(
                "the secrets stay sealed with the data key in {} (key id {}), the key file beside {to} already",
                path.display(),
                key.key_id()
            ),
            (Self::Unknown, _) => println!(
                "the secrets stay sealed with the source's data key: start the service on {to} with that key in \
                 SCOREGRC_DATA_KEY{}",
                match Config::new(to.clone()).data_key_path() {
                    Some(file) => format!(" (or in the key file {})", file.display()),
                    None => String::new(),
                }
            ),
        }
        Ok(())
    }
}

fn read_key_file(path: &Path) -> anyhow::Result<DataKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the data key {}", path.display()))?;
    DataKey::parse(&text).with_context(|| format!("the data key {}", path.display()))
}
