#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The export benchmark: the auditor workbook of a tenant with 10 000 and 100 000 rated items, written end to end
//! by `scoregrc export` as its own process (open the database, place every item, read and write every sheet, zip
//! the file), with that process's peak memory (`/usr/bin/time`'s maximum resident set size). In the same run, openpyxl's write_only mode
//! writes the same cells (read from the produced workbook beforehand, not timed) to compare the writer alone.
//!
//! The writer alone is timed the same way on both sides: the cells are read back first (calamine; openpyxl in
//! read-only mode), then rust_xlsxwriter's constant-memory mode through scoregrc's cell writer, and openpyxl's
//! write_only mode, each write them to a new file.
//!
//! `cargo bench -p scoregrc --bench export` (10 000 and 100 000) or `… --bench export -- 5000 20000`.
//! Needs the Python with openpyxl that `./scripts/test` installs in `target/test-python`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Writes every sheet of the workbook at argv[1] again with openpyxl's write_only mode into argv[2], and prints
/// the seconds the writing took (loading the cells first is not timed) and how many cells it wrote.
const OPENPYXL_WRITE_ONLY: &str = r#"
import sys, time, openpyxl
source = openpyxl.load_workbook(sys.argv[1], read_only=True)
sheets = [(ws.title, [list(row) for row in ws.iter_rows(values_only=True)]) for ws in source.worksheets]
cells = sum(len(r) for _, rows in sheets for r in rows)
started = time.perf_counter()
out = openpyxl.Workbook(write_only=True)
for title, rows in sheets:
    ws = out.create_sheet(title)
    for row in rows:
        ws.append(row)
out.save(sys.argv[2])
print(f"{time.perf_counter() - started:.3f} {cells}")
"#;

fn python() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-python/bin/python");
    assert!(path.exists(), "{} is missing: ./scripts/test installs openpyxl there", path.display());
    path
}

/// Runs `program` with `args` under `/usr/bin/time` (Debian's `time`, which reads the child's rusage from wait4);
/// answers the seconds it took and its peak resident memory in MiB.
fn measured(program: &Path, args: &[&std::ffi::OsStr]) -> (f64, f64) {
    let time = Path::new("/usr/bin/time");
    assert!(time.exists(), "/usr/bin/time is missing: apt-get install time");
    let started = Instant::now();
    let output = Command::new(time)
        .args(["-f", "peak-kib %M"])
        .arg(program)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let took = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the export failed: {stderr}");
    let kib: f64 = stderr.lines().find_map(|l| l.strip_prefix("peak-kib ")).unwrap().trim().parse().unwrap();
    (took, kib / 1024.0)
}

/// Writes every sheet of the workbook at `source` again into `target` with scoregrc's cell writer in
/// constant-memory mode; answers the seconds the writing took (reading the cells first is not timed).
fn rust_xlsxwriter_alone(source: &Path, target: &Path) -> f64 {
    use calamine::{Data, Reader};
    use scoregrc::export::xlsx::{Cells, Styles};
    let mut book = calamine::open_workbook_auto(source).unwrap();
    let sheets: Vec<(String, calamine::Range<Data>)> =
        book.sheet_names().into_iter().map(|name| (name.clone(), book.worksheet_range(&name).unwrap())).collect();
    let started = Instant::now();
    let styles = Styles::default();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for (name, range) in &sheets {
        let sheet = workbook.add_worksheet_with_constant_memory().unwrap();
        sheet.set_name(name).unwrap();
        let mut cells = Cells { sheet, styles: &styles };
        for (r, row) in range.rows().enumerate() {
            for (c, value) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match value {
                    Data::String(text) => cells.text(r, c, text).unwrap(),
                    Data::Float(number) => cells.number(r, c, *number).unwrap(),
                    Data::Int(number) => cells.integer(r, c, *number).unwrap(),
                    Data::Bool(flag) => cells.yes_no(r, c, *flag).unwrap(),
                    Data::DateTime(at) => cells.date_time(r, c, at.as_datetime().unwrap().and_utc()).unwrap(),
                    _ => {}
                }
            }
        }
    }
    workbook.save(target).unwrap();
    started.elapsed().as_secs_f64()
}

async fn run(n: usize, dir: &Path) {
    let db_path = dir.join(format!("export-{n}.db"));
    let bench = common::rated_tenant(&db_path, n).await;
    bench.db.close().await.unwrap();
    let out = dir.join(format!("auditor-{n}.xlsx"));
    let program = Path::new(env!("CARGO_BIN_EXE_scoregrc"));
    let args: Vec<&std::ffi::OsStr> = ["--db".as_ref(), db_path.as_os_str(), "export".as_ref(), "--tenant".as_ref()]
        .into_iter()
        .chain(["Bench".as_ref(), "--out".as_ref(), out.as_os_str()])
        .collect();
    let (seconds, peak_mib) = measured(program, &args);
    let bytes = std::fs::metadata(&out).unwrap().len();
    let copy = dir.join(format!("openpyxl-{n}.xlsx"));
    let printed = Command::new(python()).arg("-c").arg(OPENPYXL_WRITE_ONLY).arg(&out).arg(&copy).output().unwrap();
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let printed = String::from_utf8(printed.stdout).unwrap();
    let (openpyxl, cells) = printed.trim().split_once(' ').unwrap();
    let openpyxl: f64 = openpyxl.parse().unwrap();
    let writer = rust_xlsxwriter_alone(&out, &dir.join(format!("rewritten-{n}.xlsx")));
    println!(
        "auditor workbook {n:>7} items  end to end (scoregrc export) {seconds:>7.3} s  peak {peak_mib:>6.1} MiB  \
         {:>5.1} MB file  openpyxl write_only, writing only {openpyxl:>7.3} s ({:.1}x of end to end)",
        bytes as f64 / 1e6,
        openpyxl / seconds
    );
    println!(
        "                 {n:>7} items  writer alone, same {cells} cells: rust_xlsxwriter {writer:>7.3} s  \
         openpyxl {openpyxl:>7.3} s ({:.1}x)",
        openpyxl / writer
    );
}

#[tokio::main]
async fn main() {
    let mut sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    let dir = tempfile::tempdir().unwrap();
    for n in sizes {
        run(n, dir.path()).await;
    }
}
