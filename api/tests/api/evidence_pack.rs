//! The evidence pack: unpacked by Python's `zipfile` and checked against its manifest, verified offline by
//! `scoregrc verify-pack`, and refused by it once a byte is altered or the manifest is re-hashed to match.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

use crate::evidence::{png, upload};
use crate::helpers::RunCommand;
use crate::register::{Register, register};

/// Checks every manifest entry against the zip's bytes with Python's own zip and hash code; prints a summary.
const PYTHON_CHECK: &str = r#"
import csv, hashlib, io, json, sys, zipfile, openpyxl
with zipfile.ZipFile(sys.argv[1]) as z:
    manifest = json.loads(z.read("manifest.json"))
    names = set(z.namelist())
    for f in manifest["files"]:
        data = z.read(f["path"])
        assert hashlib.sha256(data).hexdigest() == f["sha256"], f["path"]
        assert len(data) == f["size"], f["path"]
    assert names == {f["path"] for f in manifest["files"]} | {"manifest.json", "manifest.json.sig"}, names
    rows = list(csv.DictReader(io.StringIO(z.read("manifest.csv").decode())))
    segment = z.read("audit/audit-log-segment.jsonl").decode().splitlines()
    seqs = [json.loads(line)["seq"] for line in segment]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "contiguous"
    evidence = sorted(f["path"] for f in manifest["files"] if f["role"] == "evidence")
    sheet = openpyxl.load_workbook(io.BytesIO(z.read("auditor-workbook.xlsx")), read_only=True)["Evidence"]
    kinds = sorted(row[3] for row in sheet.iter_rows(min_row=2, values_only=True))
    print(len(manifest["files"]), len(manifest["links"]), len(rows), len(segment), manifest["audit_segment"]["rows"])
    print(" ".join(kinds))
    for path in evidence:
        print(path)
"#;

/// Rewrites the zip with one byte of `target` flipped; with `rehash`, also puts the altered file's new hash and
/// size into manifest.json (what someone covering their tracks would do).
const PYTHON_TAMPER: &str = r#"
import hashlib, json, sys, zipfile
source, out, target, rehash = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "yes"
with zipfile.ZipFile(source) as z:
    entries = {i.filename: z.read(i.filename) for i in z.infolist()}
data = bytearray(entries[target])
data[len(data) // 2] ^= 0x01
entries[target] = bytes(data)
if rehash:
    manifest = json.loads(entries["manifest.json"])
    for f in manifest["files"]:
        if f["path"] == target:
            f["sha256"] = hashlib.sha256(entries[target]).hexdigest()
            f["size"] = len(entries[target])
    entries["manifest.json"] = json.dumps(manifest, indent=2).encode()
with zipfile.ZipFile(out, "w") as z:
    for name, data in entries.items():
        z.writestr(name, data)
"#;

fn scoregrc() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scoregrc"));
    command.env_remove("SCOREGRC_DATA_KEY").env("RUST_LOG", "warn");
    command
}

async fn verify(pack: &Path, key: &str) -> (bool, String) {
    let mut command = scoregrc();
    command.arg("verify-pack").arg(pack).args(["--key", key]);
    let output = command.run().await;
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A tenant with a screenshot, a correction, a link, a completion and an approval.
async fn with_evidence() -> Register {
    let r = register(3, 2).await;
    let fields = [
        ("title", "MFA: admins"),
        ("proves", "=HYPERLINK(\"x\") CA001 on"),
        ("target_kind", "recommendation"),
        ("target_id", r.items[0].as_str()),
    ];
    let first = upload(&r.app, &r.tenant, &r.eng.token, png("first"), "image/png", "shot.png", &fields).await;
    let first: Value = first.json().await.unwrap();
    let fix = [("title", "MFA: admins, corrected"), ("supersedes", first["id"].as_str().unwrap())];
    let fixed = upload(&r.app, &r.tenant, &r.eng.token, png("second"), "image/png", "shot.png", &fix).await;
    assert_eq!(fixed.status(), StatusCode::CREATED);
    let policy = [("title", "CA policy export"), ("target_kind", "soa_control"), ("target_id", "A.5.17")];
    let json_file = upload(
        &r.app,
        &r.tenant,
        &r.eng.token,
        b"{\"policy\": \"CA001\"}".to_vec(),
        "application/json",
        "ca.json",
        &policy,
    )
    .await;
    assert_eq!(json_file.status(), StatusCode::CREATED);
    let link = json!({"target_kind": "recommendation", "target_id": r.items[1], "title": "CHG-1042", "url": "https://servicedesk.example.com/CHG-1042"});
    assert_eq!(
        r.app.post(&format!("/api/v1/tenants/{}/evidence/links", r.tenant), &r.eng.token, &link).await.status(),
        StatusCode::CREATED
    );
    let status = json!({"status": "completed"});
    let put = r.app.request(
        reqwest::Method::PUT,
        &format!("/api/v1/tenants/{}/recommendations/{}/status", r.tenant, r.items[1]),
        &r.eng.token,
    );
    assert_eq!(put.json(&status).send().await.unwrap().status(), StatusCode::OK);
    let entry = r.propose(&r.eng.token, &[&r.items[2]], "risk_acceptance", "low").await;
    let id = entry["id"].as_str().unwrap();
    use scoregrc::domain::register::workflow::Action;
    r.ok(&r.eng.token, id, Action::Submit).await;
    r.ok(&r.itm.token, id, Action::Review).await;
    r.ok(&r.ciso.token, id, Action::Approve).await;
    r
}

/// Downloads the pack to `out` when it is answered; answers the status and headers.
async fn download(r: &Register, token: &str, query: &str, out: &Path) -> (StatusCode, reqwest::header::HeaderMap) {
    let response = r.app.get(&format!("/api/v1/tenants/{}/exports/evidence-pack.zip{query}", r.tenant), token).await;
    let (status, headers) = (response.status(), response.headers().clone());
    if status == StatusCode::OK {
        std::fs::write(out, response.bytes().await.unwrap()).unwrap();
        assert_eq!(headers["content-type"], "application/zip");
        assert!(headers["content-disposition"].to_str().unwrap().contains("scoregrc-evidence-contoso-"));
    }
    (status, headers)
}

#[tokio::test]
async fn the_pack_matches_its_manifest_in_python_and_verifies_offline_with_the_published_key() {
    let r = with_evidence().await;
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack.zip");
    assert_eq!(download(&r, &r.eng.token, "", &pack).await.0, StatusCode::FORBIDDEN);
    let bad_period = download(&r, &r.auditor.token, "?from=2026-12-01&to=2026-11-01", &pack).await;
    assert_eq!(bad_period.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, headers) = download(&r, &r.auditor.token, "?from=2026-11-01&to=2026-11-30", &pack).await;
    assert_eq!(status, StatusCode::OK);

    let printed = crate::python::run(PYTHON_CHECK, &[pack.to_str().unwrap()]);
    let mut lines = printed.lines();
    let counts: Vec<u64> = lines.next().unwrap().split(' ').map(|n| n.parse().unwrap()).collect();
    // README, workbook, 5 evidence files (2 screenshots, the JSON export, the completion and approval
    // snapshots), the audit segment, the chain head and the CSV; one link; CSV rows = other files + the link.
    assert_eq!(counts[..3], [10, 1, 10], "{printed}");
    assert_eq!(counts[3], counts[4], "segment lines = the signed row count");
    assert_eq!(
        lines.next().unwrap(),
        "approval_snapshot completion_snapshot file file file link",
        "the workbook's evidence sheet lists every piece"
    );
    let evidence: Vec<&str> = lines.collect();
    assert_eq!(evidence.len(), 5, "{printed}");
    assert!(
        evidence
            .iter()
            .any(|p| p.starts_with("evidence/statement-of-applicability/A.5.17/2026-11-23_CA-policy-export_")
                && p.ends_with(".json")),
        "{printed}"
    );
    assert!(
        evidence
            .iter()
            .any(|p| p.starts_with("evidence/risk-acceptances/RA-0001/") && p.contains("Approval-of-RA-0001")),
        "{printed}"
    );
    assert_eq!(evidence.iter().filter(|p| p.starts_with("evidence/recommendations/")).count(), 3, "{printed}");

    let key: Value = r.app.get("/api/v1/signing-key", "").await.json().await.unwrap();
    let public_key = key["public_key"].as_str().unwrap();
    let (ok, out) = verify(&pack, public_key).await;
    assert!(ok, "{out}");
    assert!(out.contains("signature: valid") && out.contains("files checked: 10"), "{out}");
    // The CLI shows the same key from the database.
    let mut keys = crate::helpers::scoregrc(&r.app.database);
    keys.args(["keys", "show"]);
    let shown = keys.run().await;
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains(public_key) && shown.contains(key["key_id"].as_str().unwrap()), "{shown}");
    // Another instance's key does not verify it.
    let other = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]).verifying_key().to_bytes();
    let (ok, out) = verify(&pack, &hex::encode(other)).await;
    assert!(!ok && out.contains("signature does not match"), "{out}");

    let trail: Value = r
        .app
        .get(&format!("/api/v1/tenants/{}/audit?entity=export", r.tenant), &r.auditor.token)
        .await
        .json()
        .await
        .unwrap();
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&pack).unwrap()));
    assert_eq!(trail["items"][0]["entity_id"], "evidence_pack");
    assert_eq!(trail["items"][0]["after"]["sha256"], sha256.as_str());
    assert_eq!(headers["x-content-sha256"].to_str().unwrap(), sha256);
}

#[tokio::test]
async fn one_altered_byte_or_a_rehashed_manifest_fails_verify_pack_with_what_it_means() {
    let r = with_evidence().await;
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack.zip");
    assert_eq!(download(&r, &r.auditor.token, "", &pack).await.0, StatusCode::OK);
    let key: Value = r.app.get("/api/v1/signing-key", "").await.json().await.unwrap();
    let key = key["public_key"].as_str().unwrap();
    assert!(verify(&pack, key).await.0);
    let listing = crate::python::run(
        "import sys, zipfile\nprint('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        &[pack.to_str().unwrap()],
    );
    let screenshot = listing.lines().find(|p| p.ends_with(".png")).unwrap().to_owned();

    let altered = dir.path().join("altered.zip");
    crate::python::run(PYTHON_TAMPER, &[pack.to_str().unwrap(), altered.to_str().unwrap(), &screenshot, "no"]);
    let (ok, out) = verify(&altered, key).await;
    assert!(!ok, "{out}");
    assert!(out.contains(&format!("FAILED: {screenshot} differs from the hash and size signed")), "{out}");
    assert!(out.contains("signature: valid"), "only the file was touched: {out}");

    let rehashed = dir.path().join("rehashed.zip");
    crate::python::run(PYTHON_TAMPER, &[pack.to_str().unwrap(), rehashed.to_str().unwrap(), &screenshot, "yes"]);
    let (ok, out) = verify(&rehashed, key).await;
    assert!(!ok, "{out}");
    assert!(out.contains("signature: NOT VALID") && out.contains("re-hashed"), "{out}");

    let segment = dir.path().join("segment.zip");
    crate::python::run(
        PYTHON_TAMPER,
        &[pack.to_str().unwrap(), segment.to_str().unwrap(), "audit/audit-log-segment.jsonl", "no"],
    );
    let (ok, out) = verify(&segment, key).await;
    assert!(!ok && out.contains("audit/audit-log-segment.jsonl differs"), "{out}");
}

#[tokio::test]
async fn export_evidence_pack_writes_a_verifiable_pack_from_the_command_line() {
    let r = with_evidence().await;
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("cli-pack.zip");
    let mut export = crate::helpers::scoregrc(&r.app.database);
    export
        .args(["export", "evidence-pack", "--tenant", "Contoso", "--from", "2026-11-01", "--to", "2026-11-30", "--out"])
        .arg(&pack);
    let written = export.run().await;
    let stdout = String::from_utf8_lossy(&written.stdout);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    assert!(stdout.contains("wrote the evidence pack for Contoso (2026-11-01 to 2026-11-30)"), "{stdout}");
    assert!(stdout.contains("5 evidence files") && stdout.contains("1 links"), "{stdout}");
    let key: Value = r.app.get("/api/v1/signing-key", "").await.json().await.unwrap();
    let (ok, out) = verify(&pack, key["public_key"].as_str().unwrap()).await;
    assert!(ok, "{out}");
    // An empty period: no evidence, no audit rows, still signed and verifiable.
    let empty = dir.path().join("empty.zip");
    let mut export = crate::helpers::scoregrc(&r.app.database);
    export
        .args(["export", "evidence-pack", "--tenant", "Contoso", "--from", "2025-01-01", "--to", "2025-01-31", "--out"])
        .arg(&empty);
    let written = export.run().await;
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    assert!(String::from_utf8_lossy(&written.stdout).contains("0 evidence files"));
    assert!(verify(&empty, key["public_key"].as_str().unwrap()).await.0);
}
