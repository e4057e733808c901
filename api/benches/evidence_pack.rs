#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The evidence-pack benchmark: a tenant with many megabytes of evidence files, packed end to end by
//! `scoregrc export evidence-pack` as its own process (one read transaction, the auditor workbook, every file
//! copied from its 1 MiB chunks into the zip, the audit segment, the signed manifest), then checked by
//! `scoregrc verify-pack`; each with its peak memory (`/usr/bin/time`'s maximum resident set size). Memory should
//! stay flat as the pack grows: the figures for a small and a large pack show whether it does.
//!
//! `cargo bench -p scoregrc --bench evidence_pack` (50 and 400 files of 2 MiB) or `… -- 10 100` (files).

mod common;

use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use scoregrc::domain::audit::Actor;
use scoregrc::domain::evidence::TargetKind;
use scoregrc::domain::evidence::file_type::FileType;
use scoregrc::store::evidence::write::{Content, NewEvidence, add};

const FILE_BYTES: usize = 2 * 1024 * 1024;

/// Runs `scoregrc args` under `/usr/bin/time`; answers seconds, peak MiB and what it printed.
fn measured(args: &[&std::ffi::OsStr]) -> (f64, f64, String) {
    let started = Instant::now();
    let output = Command::new("/usr/bin/time")
        .args(["-f", "peak-kib %M"])
        .arg(env!("CARGO_BIN_EXE_scoregrc"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let took = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "scoregrc failed: {stderr}");
    let kib: f64 = stderr.lines().find_map(|l| l.strip_prefix("peak-kib ")).unwrap().trim().parse().unwrap();
    (took, kib / 1024.0, String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A PNG-signed file of pseudo-random (incompressible) bytes, different for every `seed`.
fn screenshot(seed: u64, path: &Path) -> (String, u64) {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while bytes.len() < FILE_BYTES {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    std::fs::write(path, &bytes).unwrap();
    (hex::encode(Sha256::digest(&bytes)), bytes.len() as u64)
}

async fn run(files: usize, dir: &Path) {
    let db_path = dir.join(format!("pack-{files}.db"));
    let bench = common::rated_tenant(&db_path, 300).await;
    let items = scoregrc::store::priority_order::ranked_items(&bench.db, bench.tenant).await.unwrap();
    let actor = Actor::system("bench");
    let spool = dir.join("spool.png");
    let filled = Instant::now();
    for i in 0..files {
        let (sha256, size) = screenshot(i as u64, &spool);
        let target = items[i % items.len()].id.to_string();
        let new = NewEvidence {
            target: Some((TargetKind::Recommendation, target)),
            title: format!("Portal screenshot {i}"),
            proves: Some("the setting as the portal showed it".into()),
            supersedes: None,
        };
        let content = Content::File {
            path: &spool,
            file_name: Some(format!("shot-{i}.png")),
            file_type: FileType::Png,
            sha256,
            size,
        };
        add(&bench.db, &actor, bench.clock.now(), bench.tenant, u64::MAX, new, content).await.unwrap();
    }
    let fill_seconds = filled.elapsed().as_secs_f64();
    bench.db.close().await.unwrap();
    let out = dir.join(format!("pack-{files}.zip"));
    let args: Vec<&std::ffi::OsStr> =
        ["--db".as_ref(), db_path.as_os_str(), "export".as_ref(), "evidence-pack".as_ref(), "--tenant".as_ref()]
            .into_iter()
            .chain(["Bench".as_ref(), "--out".as_ref(), out.as_os_str()])
            .collect();
    let (seconds, peak, _) = measured(&args);
    let bytes = std::fs::metadata(&out).unwrap().len();
    let key_args: Vec<&std::ffi::OsStr> = vec!["--db".as_ref(), db_path.as_os_str(), "keys".as_ref(), "show".as_ref()];
    let (_, _, shown) = measured(&key_args);
    let key = shown.lines().find_map(|l| l.strip_prefix("public key: ")).unwrap().trim().to_owned();
    let verify_args: Vec<&std::ffi::OsStr> =
        vec!["verify-pack".as_ref(), out.as_os_str(), "--key".as_ref(), key.as_ref()];
    let (verify_seconds, verify_peak, printed) = measured(&verify_args);
    assert!(printed.contains("OK: the pack is intact"), "{printed}");
    let mib = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "evidence pack {files:>5} files x 2 MiB  {mib:>7.1} MiB zip  export {seconds:>6.2} s ({:>6.1} MiB/s) peak {peak:>6.1} MiB  \
         verify-pack {verify_seconds:>6.2} s peak {verify_peak:>6.1} MiB  (storing the files: {fill_seconds:.1} s)",
        mib / seconds
    );
}

#[tokio::main]
async fn main() {
    let mut sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![50, 400];
    }
    let dir = tempfile::tempdir().unwrap();
    for files in sizes {
        run(files, dir.path()).await;
    }
}
