//! The shipped framework catalogs and default mappings (`seed-mappings/`), read into records the store applies.
//! Each file carries `# version: N`; the store applies a file only when its version is newer than the stored one.

use serde::Deserialize;

/// A framework control as shipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlRow {
    pub control_id: String,
    /// How people write it: `A.5.17`, `Art. 21(2)(j)`, `Art. 32(1)(b)`.
    pub display_id: String,
    pub title: String,
    pub theme: Option<String>,
    pub description: String,
}

/// One shipped framework catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkFile {
    /// `iso27001`, `nis2`, `gdpr`.
    pub key: &'static str,
    pub name: &'static str,
    pub version: i64,
    pub controls: Vec<ControlRow>,
}

/// One default mapping as shipped.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MappingRow {
    #[serde(rename = "control_id")]
    pub secure_score_control: String,
    pub framework: String,
    pub framework_control_id: String,
    pub rationale: String,
}

/// The shipped default mappings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingFile {
    pub version: i64,
    pub rows: Vec<MappingRow>,
}

/// Why a shipped file could not be read (a packaging error, caught by the tests).
#[derive(Debug, thiserror::Error)]
#[error("seed-mappings/{file}: {message}")]
pub struct CatalogFileError {
    pub file: &'static str,
    pub message: String,
}

const ISO: &str = include_str!("../../../seed-mappings/frameworks/iso27001-2022.csv");
const NIS2: &str = include_str!("../../../seed-mappings/frameworks/nis2-art21.csv");
const GDPR: &str = include_str!("../../../seed-mappings/frameworks/gdpr-art32.csv");
const MAPPINGS: &str = include_str!("../../../seed-mappings/secure-score-mappings.csv");

/// The `# version: N` of a file.
fn version_of(file: &'static str, text: &str) -> Result<i64, CatalogFileError> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.trim_start_matches('#').trim().strip_prefix("version:").and_then(|v| v.trim().parse().ok()))
        .ok_or(CatalogFileError { file, message: "has no `# version: N` line".into() })
}

fn records<T: for<'de> Deserialize<'de>>(file: &'static str, text: &str) -> Result<Vec<T>, CatalogFileError> {
    let body: String = text.lines().skip_while(|l| l.starts_with('#')).collect::<Vec<_>>().join("\n");
    csv::Reader::from_reader(body.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| CatalogFileError { file, message: e.to_string() })
}

/// `A.5.17` for ISO; `Art. 21(2)(j)` for `21.2.j`; `Art. 32(1)(b)` for `32.1.b`.
pub fn display_id(framework: &str, control_id: &str) -> String {
    if framework == "iso27001" {
        return format!("A.{control_id}");
    }
    let mut parts = control_id.split('.');
    let article = parts.next().unwrap_or_default();
    let rest: String = parts.map(|p| format!("({p})")).collect();
    format!("Art. {article}{rest}")
}

#[derive(Deserialize)]
struct RawControl {
    control_id: String,
    #[serde(default)]
    theme: Option<String>,
    title: String,
    description: String,
}

fn framework(
    file: &'static str,
    key: &'static str,
    name: &'static str,
    text: &str,
) -> Result<FrameworkFile, CatalogFileError> {
    let controls = records::<RawControl>(file, text)?
        .into_iter()
        .map(|c| ControlRow {
            display_id: display_id(key, &c.control_id),
            control_id: c.control_id,
            title: c.title,
            theme: c.theme.filter(|t| !t.is_empty()),
            description: c.description,
        })
        .collect();
    Ok(FrameworkFile { key, name, version: version_of(file, text)?, controls })
}

/// The three shipped framework catalogs.
pub fn shipped_frameworks() -> Result<Vec<FrameworkFile>, CatalogFileError> {
    Ok(vec![
        framework("frameworks/iso27001-2022.csv", "iso27001", "ISO/IEC 27001:2022 Annex A", ISO)?,
        framework("frameworks/nis2-art21.csv", "nis2", "NIS2 Directive (EU) 2022/2555, Art. 21", NIS2)?,
        framework("frameworks/gdpr-art32.csv", "gdpr", "GDPR (EU) 2016/679, Art. 32", GDPR)?,
    ])
}

/// The shipped default mappings.
pub fn shipped_mappings() -> Result<MappingFile, CatalogFileError> {
    let file = "secure-score-mappings.csv";
    Ok(MappingFile { version: version_of(file, MAPPINGS)?, rows: records(file, MAPPINGS)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_ids_read_as_people_write_them() {
        assert_eq!(display_id("iso27001", "5.17"), "A.5.17");
        assert_eq!(display_id("nis2", "21.2.j"), "Art. 21(2)(j)");
        assert_eq!(display_id("nis2", "21.1"), "Art. 21(1)");
        assert_eq!(display_id("gdpr", "32.1.b"), "Art. 32(1)(b)");
    }

    #[test]
    fn the_shipped_catalogs_parse_with_their_versions() {
        let frameworks = shipped_frameworks().unwrap_or_default();
        let counts: Vec<(&str, usize)> = frameworks.iter().map(|f| (f.key, f.controls.len())).collect();
        assert_eq!(counts, [("iso27001", 93), ("nis2", 11), ("gdpr", 4)]);
        assert!(frameworks.iter().all(|f| f.version >= 1));
    }

    #[test]
    fn every_shipped_mapping_points_at_a_shipped_control() {
        let frameworks = shipped_frameworks().unwrap_or_default();
        let mappings = shipped_mappings().map(|m| m.rows).unwrap_or_default();
        assert!(mappings.len() > 500);
        for row in &mappings {
            let known = frameworks
                .iter()
                .any(|f| f.key == row.framework && f.controls.iter().any(|c| c.control_id == row.framework_control_id));
            assert!(known, "{row:?}");
        }
    }

    #[test]
    fn the_seed_articles_three_examples_are_shipped() {
        let rows = shipped_mappings().map(|m| m.rows).unwrap_or_default();
        let has = |control: &str, framework: &str, id: &str| {
            rows.iter()
                .any(|r| r.secure_score_control == control && r.framework == framework && r.framework_control_id == id)
        };
        for control in ["aad_phishing_MFA_strength", "AdminMFAV2"] {
            assert!(has(control, "iso27001", "5.17") && has(control, "nis2", "21.2.j"), "{control}");
            assert!(has(control, "nis2", "21.2.i") && has(control, "gdpr", "32.1.b"), "{control}");
        }
        assert!(has("mip_search_auditlog", "iso27001", "8.15") && has("mip_search_auditlog", "nis2", "21.2.e"));
        assert!(has("aad_password_protection", "iso27001", "5.17"));
    }
}
