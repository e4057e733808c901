//! Frameworks: the shipped catalogs (global, read-only) and a tenant's own frameworks, with the rules a custom
//! framework's key, name and controls follow. The store checks what needs the database (a key already taken).

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::user::check_name;
use super::{ValidationError, Violations};

/// Longest framework key.
pub const MAX_KEY: usize = 40;
/// Longest framework name.
pub const MAX_NAME: usize = 200;
/// Longest framework description.
pub const MAX_DESCRIPTION: usize = 2000;
/// Most controls one framework holds, retired ones included (they are kept for history).
pub const MAX_CONTROLS: usize = 500;
/// Longest control id (`5.17`, `AC-2.a`).
pub const MAX_CONTROL_ID: usize = 50;
/// Longest control id as shown (`A.5.17`).
pub const MAX_DISPLAY_ID: usize = 50;
/// Longest control title.
pub const MAX_TITLE: usize = 300;
/// Longest control theme.
pub const MAX_THEME: usize = 50;
/// Longest control description.
pub const MAX_CONTROL_DESCRIPTION: usize = 5000;
/// Most frameworks of its own a tenant holds, archived ones included.
pub const MAX_CUSTOM_FRAMEWORKS: u64 = 50;

/// Where a framework comes from. Closed vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FrameworkKind {
    /// Shipped with scoregrc (`seed-mappings/`): every tenant sees it, nobody edits it.
    Shipped,
    /// A tenant's own: only that tenant sees it; a CISO or admin edits it.
    Custom,
}

/// A framework key: 2–40 characters, lowercase letters, digits and single hyphens, starting with a letter.
/// Keys name frameworks in paths (`/coverage/{framework}`), audit scopes and history, so they never change.
pub fn check_key(field: &str, raw: &str) -> Result<String, ValidationError> {
    let key = raw.trim();
    let shape = key.len() >= 2
        && key.len() <= MAX_KEY
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && !key.ends_with('-')
        && !key.contains("--")
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !shape {
        return Err(ValidationError::field(
            field,
            format!(
                "must be 2–{MAX_KEY} characters: lowercase letters, digits and single hyphens, starting with a \
                 letter (e.g. `acme-policy`)"
            ),
        ));
    }
    Ok(key.to_owned())
}

/// A control id: 1–50 characters of letters, digits, `.`, `-` and `_`, starting with a letter or digit. It
/// appears in paths (`/mappings/{framework}/{control_id}`), so it holds nothing a URL would escape.
pub fn check_control_id(field: &str, raw: &str) -> Result<String, ValidationError> {
    let id = raw.trim();
    let shape = !id.is_empty()
        && id.len() <= MAX_CONTROL_ID
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !shape {
        return Err(ValidationError::field(
            field,
            format!(
                "must be 1–{MAX_CONTROL_ID} characters: letters, digits, `.`, `-` or `_`, starting with a letter or \
                 digit (e.g. `AC-2.a`)"
            ),
        ));
    }
    Ok(id.to_owned())
}

/// An optional text: blank means none.
fn optional(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, ValidationError> {
    match raw.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => check_name(field, text, max).map(Some),
    }
}

/// A free text that may span lines: at most `max` characters, no control characters other than line breaks
/// and tabs.
fn long_text(field: &str, raw: &str, max: usize) -> Result<String, ValidationError> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(ValidationError::field(field, format!("must be at most {max} characters long")));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(ValidationError::field(field, "must not contain control characters"));
    }
    Ok(text.to_owned())
}

/// A control as a person sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"control_id": "AC-2", "display_id": "AC-2", "title": "Account management",
    "theme": "Access", "description": "Accounts are requested, approved and reviewed quarterly."}))]
pub struct ControlDraft {
    /// The id mappings name; never changes once created.
    #[schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 50)]
    pub control_id: String,
    /// How people write it; the control id when left out.
    pub display_id: Option<String>,
    /// Holds something besides spaces, and no control characters.
    #[schema(max_length = 300, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$")]
    pub title: String,
    pub theme: Option<String>,
    pub description: Option<String>,
}

/// A checked control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    pub control_id: String,
    pub display_id: String,
    pub title: String,
    pub theme: Option<String>,
    pub description: String,
}

impl ControlDraft {
    /// Checks every field, naming each as `{prefix}control_id` and so on (`prefix` is `` or `controls[3].`).
    pub fn check(&self, prefix: &str) -> Result<Control, ValidationError> {
        let mut v = Violations::default();
        let control_id = v.check(check_control_id(&format!("{prefix}control_id"), &self.control_id));
        let display_id = match self.display_id.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => v.check(check_name(&format!("{prefix}display_id"), d, MAX_DISPLAY_ID)),
            None => control_id.clone(),
        };
        let title = v.check(check_name(&format!("{prefix}title"), &self.title, MAX_TITLE));
        let theme = v.check(optional(&format!("{prefix}theme"), self.theme.as_deref(), MAX_THEME));
        let description = v.check(long_text(
            &format!("{prefix}description"),
            self.description.as_deref().unwrap_or_default(),
            MAX_CONTROL_DESCRIPTION,
        ));
        v.finish()?;
        match (control_id, display_id, title, theme, description) {
            (Some(control_id), Some(display_id), Some(title), Some(theme), Some(description)) => {
                Ok(Control { control_id, display_id, title, theme, description })
            }
            // Unreachable: `finish` refused any missing field above.
            _ => Err(ValidationError::field(format!("{prefix}control_id"), "is invalid")),
        }
    }
}

/// Checks a whole control list: each control, at most [`MAX_CONTROLS`], and no control id twice (ignoring case,
/// so `ac-2` and `AC-2` cannot both exist and confuse people).
pub fn check_controls(drafts: &[ControlDraft]) -> Result<Vec<Control>, ValidationError> {
    if drafts.len() > MAX_CONTROLS {
        let message = format!("holds {} controls; a framework holds at most {MAX_CONTROLS}", drafts.len());
        return Err(ValidationError::field("controls", message));
    }
    let mut v = Violations::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut controls = Vec::with_capacity(drafts.len());
    for (i, draft) in drafts.iter().enumerate() {
        let Some(control) = v.check(draft.check(&format!("controls[{i}]."))) else { continue };
        if let Some(first) = seen.insert(control.control_id.to_ascii_lowercase(), i) {
            v.add(
                format!("controls[{i}].control_id"),
                format!("`{}` is already the id of controls[{first}]", control.control_id),
            );
        }
        controls.push(control);
    }
    v.finish()?;
    Ok(controls)
}

/// A new framework as a person sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"key": "acme-policy", "name": "ACME information security policy",
    "description": "Our own control set, reviewed yearly.",
    "controls": [{"control_id": "AC-2", "title": "Account management", "theme": "Access"}]}))]
pub struct FrameworkDraft {
    /// Lowercase slug, unique among the frameworks the tenant sees (shipped ones included); never changes.
    #[schema(pattern = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", min_length = 2, max_length = 40)]
    pub key: String,
    /// Holds something besides spaces, and no control characters.
    #[schema(max_length = 200, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$")]
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub controls: Vec<ControlDraft>,
}

/// A checked new framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFramework {
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub controls: Vec<Control>,
}

impl FrameworkDraft {
    /// Checks every field and every control, reporting all problems at once.
    pub fn check(&self) -> Result<NewFramework, ValidationError> {
        let mut v = Violations::default();
        let key = v.check(check_key("key", &self.key));
        let name = v.check(check_name("name", &self.name, MAX_NAME));
        let description = v.check(check_description(self.description.as_deref()));
        let controls = v.check(check_controls(&self.controls));
        v.finish()?;
        match (key, name, description, controls) {
            (Some(key), Some(name), Some(description), Some(controls)) => {
                Ok(NewFramework { key, name, description, controls })
            }
            // Unreachable: `finish` refused any missing field above.
            _ => Err(ValidationError::field("body", "is invalid")),
        }
    }
}

/// A framework description: optional, blank means none.
pub fn check_description(raw: Option<&str>) -> Result<Option<String>, ValidationError> {
    let text = long_text("description", raw.unwrap_or_default(), MAX_DESCRIPTION)?;
    Ok(Some(text).filter(|t| !t.is_empty()))
}

/// A change to a framework: any of the fields. Its key never changes (mappings, audit scopes and history name it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct FrameworkEditDraft {
    pub name: Option<String>,
    /// Blank clears it.
    pub description: Option<String>,
    /// `true` archives the framework (readable, but not for new mappings or the audit scope), `false` restores it.
    pub archived: Option<bool>,
}

/// A checked change to a framework; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrameworkEdit {
    pub name: Option<String>,
    /// `Some(None)` clears the description.
    pub description: Option<Option<String>>,
    /// `true` archives, `false` restores.
    pub archived: Option<bool>,
}

impl FrameworkEditDraft {
    /// Checks the fields given; at least one must be.
    pub fn check(&self) -> Result<FrameworkEdit, ValidationError> {
        let mut v = Violations::default();
        if self.name.is_none() && self.description.is_none() && self.archived.is_none() {
            v.add("body", "names nothing to change: send name, description or archived");
        }
        let name = self.name.as_deref().and_then(|n| v.check(check_name("name", n, MAX_NAME)));
        let description = self.description.as_deref().and_then(|d| v.check(check_description(Some(d))));
        v.finish()?;
        Ok(FrameworkEdit { name, description, archived: self.archived })
    }
}

/// A change to a control: any of the fields. The control id never changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct ControlEditDraft {
    pub display_id: Option<String>,
    pub title: Option<String>,
    /// Blank clears it.
    pub theme: Option<String>,
    pub description: Option<String>,
    /// `true` retires the control (kept, since mappings and history name it; left out of coverage), `false`
    /// brings it back.
    pub retired: Option<bool>,
}

/// A checked change to a control; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlEdit {
    pub display_id: Option<String>,
    pub title: Option<String>,
    /// `Some(None)` clears the theme.
    pub theme: Option<Option<String>>,
    pub description: Option<String>,
    pub retired: Option<bool>,
}

impl ControlEditDraft {
    /// Checks the fields given; at least one must be.
    pub fn check(&self) -> Result<ControlEdit, ValidationError> {
        let mut v = Violations::default();
        let nothing = self.display_id.is_none()
            && self.title.is_none()
            && self.theme.is_none()
            && self.description.is_none()
            && self.retired.is_none();
        if nothing {
            v.add("body", "names nothing to change: send display_id, title, theme, description or retired");
        }
        let display_id = self.display_id.as_deref().and_then(|d| v.check(check_name("display_id", d, MAX_DISPLAY_ID)));
        let title = self.title.as_deref().and_then(|t| v.check(check_name("title", t, MAX_TITLE)));
        let theme = self.theme.as_deref().and_then(|t| v.check(optional("theme", Some(t), MAX_THEME)));
        let description =
            self.description.as_deref().and_then(|d| v.check(long_text("description", d, MAX_CONTROL_DESCRIPTION)));
        v.finish()?;
        Ok(ControlEdit { display_id, title, theme, description, retired: self.retired })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(id: &str) -> ControlDraft {
        ControlDraft { control_id: id.into(), title: format!("Control {id}"), ..Default::default() }
    }

    fn fields(err: ValidationError) -> Vec<String> {
        err.errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn keys_are_lowercase_slugs() {
        assert_eq!(check_key("key", " acme-policy ").ok().as_deref(), Some("acme-policy"));
        assert!(check_key("key", "iso27001").is_ok());
        for bad in ["", "a", "Acme", "1policy", "acme_policy", "acme policy", "acme-", "ac--me", &"a".repeat(41)] {
            assert!(check_key("key", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn control_ids_are_safe_in_a_path() {
        for good in ["5.17", "21.2.j", "AC-2", "ac_2.a"] {
            assert!(check_control_id("control_id", good).is_ok(), "{good} refused");
        }
        for bad in ["", ".5", "5/17", "a b", "é", &"1".repeat(51)] {
            assert!(check_control_id("control_id", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_control_without_display_id_shows_its_id_and_blank_theme_is_none() {
        let control = ControlDraft { theme: Some("  ".into()), ..draft("AC-2") }.check("").unwrap();
        assert_eq!((control.display_id.as_str(), control.theme, control.description.as_str()), ("AC-2", None, ""));
    }

    #[test]
    fn every_bad_control_field_is_named_with_its_position() {
        let controls =
            vec![draft("AC-1"), draft("AC-2"), draft("AC-3"), ControlDraft { title: " ".into(), ..draft("a b") }];
        let err = check_controls(&controls).unwrap_err();
        assert_eq!(fields(err), ["controls[3].control_id", "controls[3].title"]);
    }

    #[test]
    fn duplicate_control_ids_are_refused_ignoring_case() {
        let err = check_controls(&[draft("AC-1"), draft("AC-2"), draft("ac-1")]).unwrap_err();
        assert_eq!(fields(err.clone()), ["controls[2].control_id"]);
        assert!(err.errors[0].message.contains("controls[0]"));
    }

    #[test]
    fn a_framework_holds_at_most_500_controls() {
        let many: Vec<ControlDraft> = (0..=MAX_CONTROLS).map(|i| draft(&i.to_string())).collect();
        assert_eq!(fields(check_controls(&many).unwrap_err()), ["controls"]);
        assert!(check_controls(&many[..MAX_CONTROLS]).is_ok());
    }

    #[test]
    fn a_framework_draft_reports_every_problem_at_once() {
        let bad = FrameworkDraft {
            key: "ISO".into(),
            name: "x".repeat(MAX_NAME + 1),
            description: Some("ok".into()),
            controls: vec![ControlDraft { title: "t".repeat(MAX_TITLE + 1), ..draft("1") }],
        };
        assert_eq!(fields(bad.check().unwrap_err()), ["key", "name", "controls[0].title"]);
        let good = FrameworkDraft { key: "acme".into(), name: " ACME ".into(), description: None, controls: vec![] };
        assert_eq!(good.check().map(|f| f.name).ok().as_deref(), Some("ACME"));
    }

    #[test]
    fn descriptions_keep_line_breaks_and_refuse_other_control_characters() {
        assert_eq!(check_description(Some("line one\nline two")).unwrap().as_deref(), Some("line one\nline two"));
        assert_eq!(check_description(Some("   ")).unwrap(), None);
        assert!(check_description(Some("bell\u{7}")).is_err());
    }

    #[test]
    fn a_framework_edit_names_something_and_blank_description_clears_it() {
        let clear = FrameworkEditDraft { description: Some(" ".into()), ..Default::default() };
        assert_eq!(clear.check().unwrap(), FrameworkEdit { description: Some(None), ..Default::default() });
        assert_eq!(fields(FrameworkEditDraft::default().check().unwrap_err()), ["body"]);
        let long = FrameworkEditDraft { name: Some("n".repeat(MAX_NAME + 1)), ..Default::default() };
        assert_eq!(fields(long.check().unwrap_err()), ["name"]);
    }

    #[test]
    fn an_edit_checks_only_the_fields_given_and_blank_theme_clears_it() {
        let edit = ControlEditDraft { theme: Some(String::new()), retired: Some(true), ..Default::default() };
        assert_eq!(edit.check().unwrap(), ControlEdit { theme: Some(None), retired: Some(true), ..Default::default() });
        let bad = ControlEditDraft { title: Some(String::new()), ..Default::default() };
        assert_eq!(fields(bad.check().unwrap_err()), ["title"]);
        let empty = ControlEditDraft::default();
        assert_eq!(fields(empty.check().unwrap_err()), ["body"]);
    }
}
