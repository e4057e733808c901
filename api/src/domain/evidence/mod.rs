//! Audit evidence: what it may be attached to, what kinds there are, what a person must say about it, and where
//! each file sits in an evidence pack. Evidence is immutable; a correction supersedes, it never edits.

pub mod file_type;
pub mod pack;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ValidationError, Violations};

/// What a piece of evidence is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// A recommendation (Secure Score improvement action), by id.
    Recommendation,
    /// An item of a quarterly roadmap, by id.
    RoadmapItem,
    /// A risk-acceptance register entry, by id.
    RiskAcceptance,
    /// A row of the Statement of Applicability, by ISO/IEC 27001:2022 Annex A control id (`5.17`).
    SoaControl,
}

impl TargetKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Recommendation => "recommendation",
            TargetKind::RoadmapItem => "roadmap_item",
            TargetKind::RiskAcceptance => "risk_acceptance",
            TargetKind::SoaControl => "soa_control",
        }
    }

    /// Reads the stored text.
    pub fn parse(text: &str) -> Option<TargetKind> {
        [TargetKind::Recommendation, TargetKind::RoadmapItem, TargetKind::RiskAcceptance, TargetKind::SoaControl]
            .into_iter()
            .find(|k| k.as_str() == text)
    }

    /// The top folder of an evidence pack for this kind of target.
    pub fn pack_folder(self) -> &'static str {
        match self {
            TargetKind::Recommendation => "recommendations",
            TargetKind::RoadmapItem => "roadmap",
            TargetKind::RiskAcceptance => "risk-acceptances",
            TargetKind::SoaControl => "statement-of-applicability",
        }
    }
}

/// What a piece of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A file a person uploaded: screenshot, PDF, policy export, CSV.
    File,
    /// A link to where the proof lives (a ticket, a portal page, a document store).
    Link,
    /// Recorded by scoregrc when an item was marked completed: the item's Microsoft state and score then.
    CompletionSnapshot,
    /// Recorded by scoregrc when a register entry was approved or renewed: the entry with its approval trail.
    ApprovalSnapshot,
}

impl EvidenceKind {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::File => "file",
            EvidenceKind::Link => "link",
            EvidenceKind::CompletionSnapshot => "completion_snapshot",
            EvidenceKind::ApprovalSnapshot => "approval_snapshot",
        }
    }

    /// Reads the stored text.
    pub fn parse(text: &str) -> Option<EvidenceKind> {
        [EvidenceKind::File, EvidenceKind::Link, EvidenceKind::CompletionSnapshot, EvidenceKind::ApprovalSnapshot]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

const TITLE_MAX: usize = 300;
const PROVES_MAX: usize = 4000;
const URL_MAX: usize = 2000;

/// What a person says about a piece of evidence, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub title: String,
    pub proves: String,
}

/// Checks the title (required) and what the evidence proves (optional, bounded).
pub fn describe(title: &str, proves: Option<&str>, violations: &mut Violations) -> Description {
    let title = title.trim();
    if title.is_empty() {
        violations.add("title", "is required: say what the evidence is");
    } else if title.chars().count() > TITLE_MAX {
        violations.add("title", format!("is longer than {TITLE_MAX} characters"));
    }
    let proves = proves.unwrap_or_default().trim();
    if proves.chars().count() > PROVES_MAX {
        violations.add("proves", format!("is longer than {PROVES_MAX} characters"));
    }
    Description { title: title.to_owned(), proves: proves.to_owned() }
}

/// Checks a link: absolute `http` or `https`, bounded, so nothing else (a `javascript:` URL, a file path) is ever
/// offered to an auditor as a link.
pub fn check_link(url: &str) -> Result<String, ValidationError> {
    let url = url.trim();
    if url.len() > URL_MAX {
        return Err(ValidationError::field("url", format!("is longer than {URL_MAX} characters")));
    }
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => Ok(parsed.to_string()),
        Ok(_) => Err(ValidationError::field("url", "must be an http or https address")),
        Err(e) => Err(ValidationError::field("url", format!("is not an address: {e}"))),
    }
}

/// A file name safe on every system and in a zip: letters, digits, `-`, `_` and `.`, at most `max` characters,
/// never hidden, never a path.
pub fn safe_name(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let keep = if c.is_ascii_alphanumeric() || c == '.' || c == '_' { c } else { '-' };
        if keep == '-' && out.ends_with('-') {
            continue;
        }
        out.push(keep);
    }
    let trimmed: String = out.trim_matches(|c| c == '-' || c == '.').chars().take(max).collect();
    let trimmed = trimmed.trim_end_matches(['-', '.']).to_owned();
    if trimmed.is_empty() { "untitled".to_owned() } else { trimmed }
}

/// Where one evidence file sits in a pack: `evidence/<kind folder>/<target>/<date>_<title>_<id>.<ext>`, readable by
/// a person and unique by the evidence id.
pub fn pack_path(
    target: TargetKind,
    target_label: &str,
    created_at: DateTime<Utc>,
    title: &str,
    id: uuid::Uuid,
    extension: &str,
) -> String {
    // The tail of the id: a v7 id begins with its timestamp, which evidence added the same month shares.
    let simple = id.simple().to_string();
    let short_id = &simple[simple.len() - 12..];
    format!(
        "evidence/{}/{}/{}_{}_{}.{}",
        target.pack_folder(),
        safe_name(target_label, 60),
        created_at.format("%Y-%m-%d"),
        safe_name(title, 60),
        short_id,
        safe_name(extension, 8)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn kinds_and_targets_round_trip_their_stored_text() {
        for kind in
            [TargetKind::Recommendation, TargetKind::RoadmapItem, TargetKind::RiskAcceptance, TargetKind::SoaControl]
        {
            assert_eq!(TargetKind::parse(kind.as_str()), Some(kind));
        }
        for kind in
            [EvidenceKind::File, EvidenceKind::Link, EvidenceKind::CompletionSnapshot, EvidenceKind::ApprovalSnapshot]
        {
            assert_eq!(EvidenceKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(TargetKind::parse("tenant"), None);
    }

    #[test]
    fn a_title_is_required_and_texts_are_bounded() {
        let mut v = Violations::default();
        let d = describe("  MFA policy screenshot ", Some(" shows CA001 on "), &mut v);
        assert!(v.finish().is_ok());
        assert_eq!(d, Description { title: "MFA policy screenshot".into(), proves: "shows CA001 on".into() });
        let mut v = Violations::default();
        describe("   ", Some(&"x".repeat(PROVES_MAX + 1)), &mut v);
        let fields: Vec<String> =
            v.finish().err().map(|e| e.errors.into_iter().map(|e| e.field).collect()).unwrap_or_default();
        assert_eq!(fields, ["title", "proves"]);
    }

    #[test]
    fn links_must_be_http_or_https() {
        assert_eq!(
            check_link(" https://contoso.sharepoint.com/x?y=1 ").ok().as_deref(),
            Some("https://contoso.sharepoint.com/x?y=1")
        );
        assert!(check_link("javascript:alert(1)").is_err());
        assert!(check_link("file:///etc/passwd").is_err());
        assert!(check_link("not a url").is_err());
        assert!(check_link(&format!("https://a.example/{}", "x".repeat(URL_MAX))).is_err());
    }

    #[test]
    fn safe_names_cannot_escape_or_hide() {
        assert_eq!(safe_name("../../etc/passwd", 60), "etc-passwd");
        assert_eq!(safe_name(".hidden", 60), "hidden");
        assert_eq!(safe_name("Conditional Access: MFA (all users)", 60), "Conditional-Access-MFA-all-users");
        assert_eq!(safe_name("////", 60), "untitled");
        assert_eq!(safe_name(&"a".repeat(100), 10), "aaaaaaaaaa");
    }

    #[test]
    fn pack_paths_are_readable_and_unique_by_id() {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).single().unwrap_or_default();
        let id = uuid::Uuid::from_u128(0x01a20944_0000_7000_8000_abcdef123456);
        assert_eq!(
            pack_path(TargetKind::Recommendation, "AdminMFAV2", at, "MFA for admins: portal", id, "png"),
            "evidence/recommendations/AdminMFAV2/2026-11-23_MFA-for-admins-portal_abcdef123456.png"
        );
        assert_eq!(
            pack_path(TargetKind::SoaControl, "A.5.17", at, "Password policy", id, "pdf"),
            "evidence/statement-of-applicability/A.5.17/2026-11-23_Password-policy_abcdef123456.pdf"
        );
    }
}
