//! `scoregrc keys show` and `scoregrc verify-pack`: the evidence-pack signing key, and checking a pack offline.

use clap::Subcommand;
use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::evidence::pack::parse_public_key;
use crate::export::evidence_pack::verify::verify_pack;
use crate::signing::PackSigner;
use crate::store::settings;

/// The instance's keys.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print the public key that verifies evidence packs (created on first use).
    Show,
    /// Replace the key that signs session tokens. Tokens the old key signed keep working until they expire
    /// (the session lifetime); restart the service to sign with the new key.
    Rotate {
        /// How long sessions last (hours), so how long the old key must keep verifying: SCOREGRC_SESSION_HOURS.
        #[arg(long, env = "SCOREGRC_SESSION_HOURS", default_value_t = 12)]
        session_hours: u64,
    },
    /// Replace the data key that seals stored secrets: every sealed value is re-sealed in one transaction, then
    /// the file is scrubbed (secure_delete, checkpoint, vacuum) so no old ciphertext lingers. Stop the service
    /// first.
    RotateDataKey,
}

/// Re-seals every secret under a new data key. With a key file, the new key is written beside it first
/// (`.next`) and moved into place after the commit; the old one is kept as `.retired-<time>` for the backups it
/// opens. With `SCOREGRC_DATA_KEY`, the new key is printed before anything changes.
async fn rotate_data_key(config: &Config, clock: &dyn Clock) -> anyhow::Result<()> {
    let old = crate::app::data_key(config)?;
    let new = crate::secrets::DataKey::generate();
    let resealed = match config.database.sqlite_path() {
        Some(path) => rotate_in_file(config, path, &old, &new, clock).await?,
        // The server keeps no file to scrub; old row versions go with its next VACUUM.
        None => {
            println!(
                "new data key (stop every instance, then set SCOREGRC_DATA_KEY to it on each before they start): {}",
                new.to_base64()
            );
            let db = crate::db::open_and_migrate(&config.database).await?;
            let resealed = crate::store::data_key::reseal_all(&db, &old, &new, clock.now()).await?;
            db.close().await?;
            resealed
        }
    };
    println!(
        "data key rotated: {} -> {}; re-sealed {} values ({} settings, {} connectors, {} alert channels, {} second \
         factors)",
        old.key_id(),
        new.key_id(),
        resealed.total(),
        resealed.settings,
        resealed.connectors,
        resealed.channels,
        resealed.second_factors
    );
    Ok(())
}

/// Re-seals a SQLite file's secrets with its old content scrubbed, and moves the key file along.
async fn rotate_in_file(
    config: &Config,
    path: &std::path::Path,
    old: &crate::secrets::DataKey,
    new: &crate::secrets::DataKey,
    clock: &dyn Clock,
) -> anyhow::Result<crate::store::data_key::Resealed> {
    crate::db::open_and_migrate(&config.database).await?.close().await?;
    if crate::db::sqlite::in_use(path).await? {
        anyhow::bail!("{} is open in another process (a running service?); stop it first", path.display());
    }
    let key_file = config.data_key_path().filter(|_| config.data_key.is_none());
    match &key_file {
        None => println!("new data key (set SCOREGRC_DATA_KEY to it before the next start): {}", new.to_base64()),
        Some(key_file) => new.write_new_file(&key_file.with_extension("key.next"))?,
    }
    let db = crate::db::sqlite::open_secure_delete(path).await?;
    let resealed = crate::store::data_key::reseal_all(&db, old, new, clock.now()).await?;
    crate::db::sqlite::scrub(&db).await?;
    db.close().await?;
    if let Some(key_file) = key_file {
        let retired = key_file.with_extension(format!("key.retired-{}", clock.now().format("%Y%m%dT%H%M%SZ")));
        std::fs::rename(&key_file, &retired)?;
        std::fs::rename(key_file.with_extension("key.next"), &key_file)?;
        println!("the old key is kept as {}: move it to where the backups it opens are kept", retired.display());
    }
    Ok(resealed)
}

/// Prints the evidence-pack public key.
pub async fn run(config: Config, clock: Arc<SystemClock>, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Show => {
            let db = crate::db::open_and_migrate(&config.database).await?;
            let key = crate::app::data_key(&config)?;
            let signer = PackSigner::from_secret(&settings::pack_signing_key(&db, &key, clock.now()).await?);
            println!("evidence-pack signing key (Ed25519)");
            println!("key id:     {}", signer.key_id());
            println!("public key: {}", signer.public_key_base64());
            println!("check a pack with: scoregrc verify-pack <pack>.zip --key {}", signer.public_key_base64());
            Ok(())
        }
        KeysCommand::RotateDataKey => rotate_data_key(&config, clock.as_ref()).await,
        KeysCommand::Rotate { session_hours } => {
            let db = crate::db::open_and_migrate(&config.database).await?;
            let key = crate::app::data_key(&config)?;
            // At most ten years: the lifetime of any session this service issues is far shorter.
            let hours = i64::try_from(session_hours.clamp(1, 24 * 3660)).unwrap_or(12);
            let rotation =
                crate::store::session_keys::rotate(&db, &key, clock.now(), chrono::Duration::hours(hours)).await?;
            println!("session signing key rotated: {} -> {}", rotation.old_key_id, rotation.new_key_id);
            println!(
                "tokens signed by {} are accepted until {} ({} retired key(s) still accepted)",
                rotation.old_key_id, rotation.old_accepted_until, rotation.retired
            );
            println!("restart the service so it signs with the new key");
            Ok(())
        }
    }
}

/// Checks a pack offline; an error (exit status 1) when anything fails.
pub fn verify(pack: PathBuf, key: String) -> anyhow::Result<()> {
    let key = parse_public_key(&key).map_err(|e| anyhow::anyhow!("--key: {e}"))?;
    let report = verify_pack(&pack, &key);
    if let Some(m) = &report.manifest {
        println!(
            "pack of {} ({} to {}), generated {} by {}, key id {}",
            m.tenant_name,
            m.period_from,
            m.period_to,
            m.generated_at.to_rfc3339(),
            m.generated_by,
            m.signing_key.key_id
        );
    }
    println!(
        "signature: {}; files checked: {}; audit rows checked: {}",
        if report.signature_valid { "valid" } else { "NOT VALID" },
        report.files_checked,
        report.audit_rows_checked
    );
    if report.passed() {
        println!("OK: the pack is intact and was signed by this key");
        return Ok(());
    }
    for failure in &report.failures {
        println!("FAILED: {}", failure.meaning());
    }
    anyhow::bail!("{} check(s) failed: do not rely on this pack", report.failures.len())
}
