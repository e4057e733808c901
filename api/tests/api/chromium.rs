//! Headless Chromium as a test tool: prints a page to PDF the way a person's browser would, so tests can check that
//! what scoregrc renders for printing really prints. `scripts/test` installs Debian's `chromium` when it is missing.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Where Debian's `chromium` package puts the browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Longer than a cold start on a busy 2-core machine (a few seconds); a print that takes this long has hung.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Prints the HTML file at `path` to PDF and returns the PDF's bytes. Panics with the reason when it cannot.
pub fn print_file_to_pdf(path: &Path) -> Vec<u8> {
    let path = path.canonicalize().unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()));
    let url = reqwest::Url::from_file_path(&path).unwrap_or_else(|()| panic!("{} has no file URL", path.display()));
    print_to_pdf(url.as_str())
}

/// Prints `url` (`file://…` or `http://…`) to PDF with a fresh browser profile and returns the PDF's bytes.
///
/// Panics — loudly, with Chromium's own output — when the browser is missing, exits unsuccessfully, runs past the
/// timeout (it is killed), writes no file, or writes something that is not a PDF.
pub fn print_to_pdf(url: &str) -> Vec<u8> {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run scripts/test, which installs it, or `apt-get install chromium` as root"
    );
    // A profile of its own per print: parallel tests never share a browser lock, and no earlier state leaks in.
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("out.pdf");
    let profile = dir.path().join("profile");
    let mut command = Command::new(CHROMIUM);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Otherwise Chromium stamps the date and the temporary file's path on every page.
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so a hung browser is killed together with its renderer and utility processes.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let started = Instant::now();
    let output = run_with_timeout(command, TIMEOUT);
    let log = format!(
        "chromium stdout:\n{}\nchromium stderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "chromium exited with {} after {:?}\n{log}", output.status, started.elapsed());
    let bytes =
        std::fs::read(&pdf).unwrap_or_else(|e| panic!("chromium wrote no PDF to {}: {e}\n{log}", pdf.display()));
    assert!(bytes.starts_with(b"%PDF-"), "{} is not a PDF ({} bytes)\n{log}", pdf.display(), bytes.len());
    bytes
}

/// Runs `command` to completion, or kills its process group once `timeout` has passed and panics.
fn run_with_timeout(mut command: Command, timeout: Duration) -> Output {
    let child = command.spawn().unwrap_or_else(|e| panic!("{CHROMIUM} does not start: {e}"));
    let pid = child.id();
    // The waiting happens on a thread so this one can stop waiting; reading both pipes there also keeps a chatty
    // browser from blocking on a full pipe.
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || sender.send(child.wait_with_output()));
    match receiver.recv_timeout(timeout) {
        Ok(result) => result.unwrap_or_else(|e| panic!("waiting for chromium failed: {e}")),
        Err(_) => {
            // The negative pid names the whole group.
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
            let output = receiver.recv_timeout(Duration::from_secs(10)).ok().and_then(Result::ok);
            let stderr = output.map(|o| String::from_utf8_lossy(&o.stderr).into_owned()).unwrap_or_default();
            panic!("chromium did not finish within {timeout:?} and was killed\nchromium stderr:\n{stderr}")
        }
    }
}
