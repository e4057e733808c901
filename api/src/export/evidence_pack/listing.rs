//! The pack's human-readable parts: `manifest.csv` (the manifest's list for a spreadsheet, every text cell made
//! safe from formula injection) and `README.txt` (what is where, and how to check it).

use super::super::cells::formula_safe;
use crate::domain::evidence::pack::{
    CHAIN_HEAD_PATH, MANIFEST_CSV, MANIFEST_JSON, MANIFEST_SIGNATURE, PackFile, PackLink, SEGMENT_PATH, WORKBOOK_PATH,
};

/// `manifest.csv`: one row per file, then one per link.
pub fn manifest_csv(files: &[PackFile], links: &[PackLink]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "path",
        "url",
        "sha256",
        "size",
        "role",
        "kind",
        "target",
        "proves",
        "who",
        "when",
        "evidence_id",
        "supersedes",
        "superseded_by",
    ])?;
    let id = |v: Option<uuid::Uuid>| v.map(|v| v.to_string()).unwrap_or_default();
    for f in files {
        let role = serde_json::to_value(f.role).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        let kind = f.evidence_kind.map(|k| k.as_str()).unwrap_or_default();
        out.write_record([
            formula_safe(&f.path).as_ref(),
            "",
            &f.sha256,
            &f.size.to_string(),
            &role,
            kind,
            formula_safe(f.target.as_deref().unwrap_or_default()).as_ref(),
            formula_safe(&f.proves).as_ref(),
            formula_safe(&f.who).as_ref(),
            &f.when.to_rfc3339(),
            &id(f.evidence_id),
            &id(f.supersedes),
            &id(f.superseded_by),
        ])?;
    }
    for l in links {
        out.write_record([
            "",
            formula_safe(&l.url).as_ref(),
            &l.sha256,
            "0",
            "link",
            "link",
            formula_safe(&l.target).as_ref(),
            formula_safe(&format!("{}: {}", l.title, l.proves)).as_ref(),
            formula_safe(&l.who).as_ref(),
            &l.when.to_rfc3339(),
            &l.evidence_id.to_string(),
            &id(l.supersedes),
            &id(l.superseded_by),
        ])?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// `README.txt` for the person who opens the pack.
pub fn readme(tenant: &str, period: &str, key_id: &str, public_key: &str) -> String {
    format!(
        "scoregrc evidence pack\n\
         ======================\n\n\
         Tenant: {tenant}\n\
         Period: {period}\n\n\
         What is here\n\
         - {WORKBOOK_PATH}: the auditor workbook (summary, prioritised actions, roadmap, risk-acceptance register,\n  \
           framework coverage, Statement of Applicability, score history, audit trail).\n\
         - evidence/: every evidence file added in the period, by what it proves:\n  \
           recommendations/<control>/, roadmap/<quarter control>/, risk-acceptances/<reference>/,\n  \
           statement-of-applicability/<control>/. Each file is named <date>_<title>_<id>.\n\
         - {SEGMENT_PATH}: the tenant's audit log rows of the period, one JSON row per line, with the hash\n  \
           each row points at and its own hash: a contiguous segment of the tenant's hash chain.\n\
         - {CHAIN_HEAD_PATH}: the chain's last row when the pack was made.\n\
         - {MANIFEST_JSON}: every file with its SHA-256, size, what it proves, who added it and when; links with\n  \
           their addresses. {MANIFEST_CSV} is the same list for a spreadsheet.\n\
         - {MANIFEST_SIGNATURE}: the Ed25519 signature over the exact bytes of {MANIFEST_JSON}.\n\n\
         How to check it\n\
         Hashes alone prove nothing: anyone who changes a file can recompute them. The signature can only be made\n\
         with the scoregrc instance's private key. Get the instance's public key from a trusted place (the\n\
         administrator, `scoregrc keys show`, or GET /api/v1/signing-key) and compare it with this one:\n\n  \
           key id {key_id}\n  \
           public key {public_key}\n\n\
         Then run, offline:\n\n  \
           scoregrc verify-pack <this file>.zip --key <public key>\n\n\
         It checks the signature, every file's hash and size, that no file was added, and that the audit rows\n\
         chain from the signed first row to the signed last row. Each failure is reported with what it means.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evidence::pack::FileRole;

    #[test]
    fn manifest_csv_cells_cannot_become_formulas() {
        let file = PackFile {
            path: "evidence/a.png".into(),
            sha256: "ab".repeat(32),
            size: 12,
            role: FileRole::Evidence,
            proves: "=HYPERLINK(\"http://evil\")".into(),
            who: "+alice".into(),
            when: chrono::DateTime::default(),
            evidence_id: None,
            evidence_kind: None,
            target: Some("@target".into()),
            supersedes: None,
            superseded_by: None,
        };
        let bytes = manifest_csv(&[file], &[]).unwrap_or_default();
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert!(text.contains("'=HYPERLINK"));
        assert!(text.contains("'+alice"));
        assert!(text.contains("'@target"));
        assert!(text.starts_with("path,url,sha256"));
    }
}
