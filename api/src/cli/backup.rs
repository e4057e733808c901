//! `scoregrc backup` and `scoregrc restore`: a consistent online copy of the database, and putting one back.
//!
//! A restore checks the copy before anything is replaced (SQLite's integrity check, every audit chain intact),
//! refuses while a service has the database open, keeps the file it replaces, and verifies the result again
//! once it is in place and migrated.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, sqlite};
use crate::store::audit::{self, ChainReport};

/// Writes a consistent copy of the live database to `out` while the service may keep writing.
pub async fn backup(config: Config, out: PathBuf) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{} already exists; choose a new file", out.display());
    }
    sqlite_file(&config, "backup")?;
    let db = db::open_and_migrate(&config.database).await?;
    sqlite::backup_into(&db, &out).await?;
    db.close().await?;
    let copy = sqlite::open_read_only(&out).await?;
    let reports = audit::verify_every_chain(&copy).await?;
    copy.close().await?;
    println!("wrote {}: {}", out.display(), summary(&reports));
    println!("keep the data key ({}) with it: the sealed secrets need it", key_hint(&config));
    Ok(())
}

/// Replaces the database with the backup at `from`; an existing database is kept beside it unless there is none.
pub async fn restore(config: Config, clock: &dyn Clock, from: PathBuf, force: bool) -> anyhow::Result<()> {
    let target = sqlite_file(&config, "restore")?.to_owned();
    let checked = check_backup(&from).await?;
    println!("{} is sound: {}", from.display(), summary(&checked));
    if target.exists() {
        if !force {
            bail!("{} exists; pass --force to replace it (it is kept as a .replaced file)", target.display());
        }
        if sqlite::in_use(&target).await? {
            bail!("{} is open in another process (a running service?); stop it first", target.display());
        }
    }
    let staging = sibling(&target, ".restoring");
    std::fs::copy(&from, &staging).with_context(|| format!("copying {} to {}", from.display(), staging.display()))?;
    std::fs::File::open(&staging)?.sync_all()?;
    if target.exists() {
        let kept = sibling(&target, &format!(".replaced-{}", clock.now().format("%Y%m%dT%H%M%SZ")));
        std::fs::rename(&target, &kept)?;
        println!("kept the replaced database as {}", kept.display());
    }
    // The old write-ahead log belongs to the replaced file: replayed over the copy it would corrupt it.
    for suffix in ["-wal", "-shm"] {
        let stale = sibling(&target, suffix);
        if stale.exists() {
            std::fs::remove_file(&stale)?;
        }
    }
    std::fs::rename(&staging, &target)?;
    let restored = db::open_and_migrate(&db::Location::Sqlite(target.clone())).await?;
    let reports = audit::verify_every_chain(&restored).await?;
    restored.close().await?;
    if let Some(broken) = reports.iter().find(|r| !r.intact) {
        bail!("after the restore, the audit chain {} does not verify", broken.chain);
    }
    println!("restored {} into {}: {}", from.display(), target.display(), summary(&reports));
    println!("start the service with the data key ({}) the backup was made with", key_hint(&config));
    Ok(())
}

/// The backup's integrity check and chain reports; an error when either fails.
async fn check_backup(from: &Path) -> anyhow::Result<Vec<ChainReport>> {
    if !from.is_file() {
        bail!("{} is not a file", from.display());
    }
    let copy = sqlite::open_read_only(from).await.with_context(|| format!("{} is not a database", from.display()))?;
    let integrity = sqlite::integrity_check(&copy).await.with_context(|| format!("checking {}", from.display()))?;
    if integrity != ["ok"] {
        bail!("{} fails SQLite's integrity check: {}", from.display(), integrity.join("; "));
    }
    let reports = audit::verify_every_chain(&copy)
        .await
        .with_context(|| format!("{} is not a scoregrc database", from.display()))?;
    copy.close().await?;
    if let Some(broken) = reports.iter().find(|r| !r.intact) {
        bail!(
            "{}: the audit chain {} breaks after row {}; this copy is not evidence, nothing was restored",
            from.display(),
            broken.chain,
            broken.rows_checked
        );
    }
    Ok(reports)
}

fn summary(reports: &[ChainReport]) -> String {
    let rows: u64 = reports.iter().map(|r| r.rows_checked).sum();
    let intact = reports.iter().filter(|r| r.intact).count();
    format!("{intact} of {} audit chains intact, {rows} rows checked", reports.len())
}

fn key_hint(config: &Config) -> String {
    match config.data_key {
        Some(_) => "SCOREGRC_DATA_KEY".to_owned(),
        None => config.data_key_path().map(|p| p.display().to_string()).unwrap_or_default(),
    }
}

/// The SQLite file `command` works on; a PostgreSQL deployment is backed up by the server's own tools.
pub fn sqlite_file<'a>(config: &'a Config, command: &str) -> anyhow::Result<&'a Path> {
    config.database.sqlite_path().ok_or_else(|| {
        anyhow::anyhow!(
            "`scoregrc {command}` works on a SQLite file; back up a PostgreSQL database with pg_dump and \
             pg_restore, or copy it into a SQLite file with `scoregrc db copy --from <postgres url> --to <file>`"
        )
    })
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}
