//! Running `wrk` (Debian's package) against one URL and reading its summary, for the HTTP benchmark.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// What wrk measured for one endpoint.
pub struct Load {
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
    pub not_ok: u64,
}

/// `-H value`.
pub fn header(value: &str) -> Vec<String> {
    vec!["-H".into(), value.into()]
}

/// `-s path`.
pub fn script(path: &Path) -> Vec<String> {
    vec!["-s".into(), path.display().to_string()]
}

/// A wrk script that rates the given items in turn, alternating the effort so every write changes something.
pub fn rating_script(dir: &Path, tenant: uuid::Uuid, items: &[String]) -> PathBuf {
    let ids: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    let lua = format!(
        r#"local ids = {{{ids}}}
local n = 0
local headers = {{}}
for name, value in pairs(wrk.headers) do headers[name] = value end
headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local effort = (n % 2 == 0) and "low" or "medium"
  local body = '{{"risk_reduction":"high","implementation_effort":"' .. effort .. '"}}'
  local path = "/api/v1/tenants/{tenant}/recommendations/" .. ids[(n % #ids) + 1] .. "/rating"
  return wrk.format("PUT", path, headers, body)
end
"#,
        ids = ids.join(","),
    );
    let path = dir.join("rating.lua");
    std::fs::write(&path, lua).unwrap();
    path
}

/// Runs wrk against `url` and reads its summary.
pub fn wrk((threads, connections, seconds): (u32, u32, u64), url: &str, extra: &[String]) -> Load {
    let output = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", &format!("{seconds}s"), "--latency", "--timeout", "10s"])
        .args(extra)
        .arg(url)
        .output()
        .expect("wrk runs (apt-get install wrk; scripts/bench-http does)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "wrk failed: {text}{}", String::from_utf8_lossy(&output.stderr));
    std::thread::sleep(Duration::from_millis(500));
    let load = parse_wrk(&text);
    if load.requests_per_second < 1.0 || load.not_ok > 0 {
        eprintln!("wrk against {url} said:\n{text}");
    }
    load
}

fn parse_wrk(text: &str) -> Load {
    let field = |prefix: &str| -> Option<&str> {
        text.lines().map(str::trim).find_map(|l| l.strip_prefix(prefix)).map(str::trim)
    };
    let percentile = |p: &str| field(&format!("{p}%")).map(duration_ms).unwrap_or(f64::NAN);
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Load {
        requests_per_second: field("Requests/sec:").and_then(|v| v.parse().ok()).unwrap_or(0.0),
        p50_ms: percentile("50"),
        p99_ms: percentile("99"),
        requests,
        not_ok: field("Non-2xx or 3xx responses:").and_then(|v| v.parse().ok()).unwrap_or(0),
    }
}

/// wrk's durations: `812.00us`, `1.23ms`, `2.01s`.
fn duration_ms(value: &str) -> f64 {
    let split = value.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => f64::NAN,
    }
}
