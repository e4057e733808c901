//! Python with openpyxl: a spreadsheet reader and writer scoregrc did not write. `./scripts/test` installs it in
//! `target/test-python`.

use std::path::PathBuf;
use std::process::Command;

/// The interpreter that has openpyxl.
pub fn interpreter() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-python/bin/python");
    assert!(path.exists(), "{} is missing: ./scripts/test installs openpyxl there", path.display());
    path
}

/// Runs `script` with `args` (in `sys.argv[1:]`) and answers what it printed; panics with its stderr on failure.
pub fn run(script: &str, args: &[&str]) -> String {
    let output = Command::new(interpreter()).arg("-c").arg(script).args(args).output().expect("python starts");
    assert!(
        output.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("python prints UTF-8")
}
