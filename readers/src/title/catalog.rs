//! The title catalog: known titles of each Secure Score control, in the format of
//! `seed-mappings/secure-score-titles.csv`.

use std::collections::HashMap;

use super::match_key;
use crate::error::{ReadError, ReadErrorKind};

/// One known title of a control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The Graph `secureScoreControlProfile.id`.
    pub control_id: String,
    /// The title as published.
    pub title: String,
    /// Language code of the title (`en`, `de`, `fr`).
    pub language: String,
    /// Where the title was found.
    pub source: String,
}

/// Known titles by normalised key, answering "which control is this portal title?".
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
    by_key: HashMap<String, KeyedId>,
}

/// A key names one control, or several (then it cannot be used to match).
#[derive(Debug, Clone)]
enum KeyedId {
    One(usize),
    Ambiguous,
}

const COLUMNS: [&str; 4] = ["control_id", "title", "language", "source"];

impl Catalog {
    /// Reads the catalog CSV (`control_id,title,language,source`, UTF-8); lines starting with `#` are comments.
    pub fn from_csv(bytes: &[u8]) -> Result<Catalog, ReadError> {
        let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).flexible(true).from_reader(bytes);
        let headers = reader.headers().map_err(|error| csv_error(&error))?.clone();
        let positions: Vec<Option<usize>> =
            COLUMNS.iter().map(|name| headers.iter().position(|header| header.trim() == *name)).collect();
        let missing: Vec<&str> =
            COLUMNS.iter().zip(&positions).filter(|(_, at)| at.is_none()).map(|(name, _)| *name).collect();
        if !missing.is_empty() {
            return Err(ReadError::new(
                ReadErrorKind::MissingColumns,
                format!("the title catalog lacks the column(s) {}", missing.join(", ")),
            ));
        }
        let mut catalog = Catalog::default();
        for record in reader.records() {
            let record = record.map_err(|error| csv_error(&error))?;
            let line = record.position().map_or(0, csv::Position::line);
            let cell = |column: usize| {
                positions[column].and_then(|at| record.get(at)).map(str::trim).unwrap_or_default().to_owned()
            };
            let entry = CatalogEntry { control_id: cell(0), title: cell(1), language: cell(2), source: cell(3) };
            if entry.control_id.is_empty() || entry.title.is_empty() {
                return Err(ReadError::new(
                    ReadErrorKind::BadValue,
                    format!("line {line} of the title catalog has no control_id or no title"),
                )
                .at_row(line));
            }
            catalog.insert(entry);
        }
        Ok(catalog)
    }

    fn insert(&mut self, entry: CatalogEntry) {
        let key = match_key(&entry.title);
        let index = self.entries.len();
        match self.by_key.get(&key) {
            None => {
                self.by_key.insert(key, KeyedId::One(index));
            }
            Some(KeyedId::One(existing)) if self.entries[*existing].control_id != entry.control_id => {
                self.by_key.insert(key, KeyedId::Ambiguous);
            }
            Some(_) => {}
        }
        self.entries.push(entry);
    }

    /// The control id whose known title has the same [`match_key`] as `title`; `None` when no title matches
    /// or when the key belongs to more than one control (generic titles such as "Enable multi-factor
    /// authentication (MFA)" are shared by several SaaS controls).
    pub fn control_id(&self, title: &str) -> Option<&str> {
        self.control_id_by_key(&match_key(title))
    }

    /// Like [`Catalog::control_id`], for a title already reduced with [`match_key`] (saves recomputing it).
    pub fn control_id_by_key(&self, key: &str) -> Option<&str> {
        match self.by_key.get(key)? {
            KeyedId::One(index) => self.entries.get(*index).map(|entry| entry.control_id.as_str()),
            KeyedId::Ambiguous => None,
        }
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }

    /// The known titles of one control.
    pub fn titles_of<'a>(&'a self, control_id: &'a str) -> impl Iterator<Item = &'a CatalogEntry> + 'a {
        self.entries.iter().filter(move |entry| entry.control_id == control_id)
    }
}

fn csv_error(error: &csv::Error) -> ReadError {
    ReadError::new(ReadErrorKind::BadValue, format!("the title catalog is not valid CSV: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &[u8] = b"# comment line\n# another\ncontrol_id,title,language,source\n\
        AdminMFAV2,Ensure multifactor authentication is enabled for all users in administrative roles,en,x\n\
        AdminMFAV2,Require multifactor authentication (MFA) for administrative roles,en,y\n\
        MDA_Zoom_MFA,Enable multi-factor authentication,en,z\n\
        MDA_Okta_MFA,Enable multi-factor authentication,en,z\n\
        mdo_connectionfilter,\"Don't add allowed IP addresses in the connection filter policy \",en,z\n";

    #[test]
    fn finds_a_control_by_any_of_its_titles() {
        let catalog = Catalog::from_csv(SMALL).unwrap();
        assert_eq!(
            catalog.control_id("Require multifactor authentication (MFA) for administrative roles."),
            Some("AdminMFAV2")
        );
        assert_eq!(
            catalog.control_id("ensure multifactor authentication is enabled for all users in administrative roles"),
            Some("AdminMFAV2")
        );
        assert_eq!(
            catalog.control_id("Don’t add allowed IP addresses in the connection filter policy"),
            Some("mdo_connectionfilter")
        );
    }

    #[test]
    fn a_title_shared_by_two_controls_matches_neither() {
        let catalog = Catalog::from_csv(SMALL).unwrap();
        assert_eq!(catalog.control_id("Enable multi-factor authentication"), None);
    }

    #[test]
    fn unknown_titles_match_nothing() {
        assert_eq!(Catalog::from_csv(SMALL).unwrap().control_id("Something else"), None);
    }

    #[test]
    fn comment_lines_are_skipped_and_entries_kept_in_order() {
        let catalog = Catalog::from_csv(SMALL).unwrap();
        assert_eq!(catalog.entries().len(), 5);
        assert_eq!(catalog.titles_of("AdminMFAV2").count(), 2);
        assert_eq!(catalog.entries()[4].title, "Don't add allowed IP addresses in the connection filter policy");
    }

    #[test]
    fn a_row_without_title_is_refused_with_its_line() {
        let error = Catalog::from_csv(b"control_id,title,language,source\nA,x,en,s\nB,,en,s\n").unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::BadValue);
        assert_eq!(error.row, Some(3));
    }

    #[test]
    fn missing_columns_are_named() {
        let error = Catalog::from_csv(b"id,title\nA,x\n").unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::MissingColumns);
        assert!(error.message.contains("control_id") && error.message.contains("source"), "{}", error.message);
    }
}
