//! The export's columns, their names in each portal language, and matching a header row against them.

use std::collections::BTreeSet;

use super::HeaderLanguage;
use crate::error::{ReadError, ReadErrorKind};

/// A column of the portal export that this crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Column {
    Rank,
    RecommendedAction,
    ScoreImpact,
    PointsAchieved,
    Status,
    Regressed,
    HaveLicense,
    Category,
    Product,
    LastSynced,
    MicrosoftUpdate,
    Notes,
}

/// Columns a file must have: without a title there is nothing to join, without points nothing to score.
const REQUIRED: [Column; 2] = [Column::RecommendedAction, Column::PointsAchieved];

use Column as C;
use HeaderLanguage::{De, En, Fr};

/// Header names by language, already in [`header_key`] form.
///
/// English: the third-party evidence in formats.md §2.2. German: the same source's alias table
/// (`Rang, Empfohlene Maßnahme, Bewertungsauswirkung, Erzielte Punkte, Status, Kategorie, Produkt,
/// Verschlechtert, Letzte Synchronisierung`). French: UNCONFIRMED — our own translation of the English
/// headers in the portal's usual wording; no French export has been seen.
const ALIASES: &[(Column, &str, HeaderLanguage)] = &[
    (C::Rank, "rank", En),
    (C::RecommendedAction, "recommended action", En),
    (C::ScoreImpact, "score impact", En),
    (C::PointsAchieved, "points achieved", En),
    (C::Status, "status", En),
    (C::Regressed, "regressed", En),
    (C::HaveLicense, "have license?", En),
    (C::HaveLicense, "have license", En),
    (C::Category, "category", En),
    (C::Product, "product", En),
    (C::LastSynced, "last synced", En),
    (C::MicrosoftUpdate, "microsoft update", En),
    (C::Notes, "notes", En),
    (C::Rank, "rang", De),
    (C::RecommendedAction, "empfohlene maßnahme", De),
    (C::ScoreImpact, "bewertungsauswirkung", De),
    (C::PointsAchieved, "erzielte punkte", De),
    (C::Status, "status", De),
    (C::Regressed, "verschlechtert", De),
    (C::Category, "kategorie", De),
    (C::Product, "produkt", De),
    (C::LastSynced, "letzte synchronisierung", De),
    (C::Rank, "rang", Fr),
    (C::RecommendedAction, "action recommandée", Fr),
    (C::ScoreImpact, "impact sur le score", Fr),
    (C::PointsAchieved, "points obtenus", Fr),
    (C::Status, "statut", Fr),
    (C::Regressed, "régressé", Fr),
    (C::Category, "catégorie", Fr),
    (C::Product, "produit", Fr),
    (C::LastSynced, "dernière synchronisation", Fr),
];

impl Column {
    /// The English header, used in messages about a column the file does not have.
    pub(crate) fn english(self) -> &'static str {
        match self {
            C::Rank => "Rank",
            C::RecommendedAction => "Recommended action",
            C::ScoreImpact => "Score impact",
            C::PointsAchieved => "Points achieved",
            C::Status => "Status",
            C::Regressed => "Regressed",
            C::HaveLicense => "Have license?",
            C::Category => "Category",
            C::Product => "Product",
            C::LastSynced => "Last synced",
            C::MicrosoftUpdate => "Microsoft update",
            C::Notes => "Notes",
        }
    }
}

/// A header cell normalised for matching: BOM stripped, trimmed, inner whitespace collapsed, lowercased.
pub(crate) fn header_key(header: &str) -> String {
    header.trim_start_matches('\u{FEFF}').split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// What each position of the header row holds.
#[derive(Debug, Clone)]
pub(crate) struct HeaderMap {
    /// Per position: the known column, or `None` for a column kept in `extra`.
    pub(crate) columns: Vec<Option<Column>>,
    /// Headers as found (BOM stripped), one per position.
    pub(crate) headers: Vec<String>,
    pub(crate) language: HeaderLanguage,
}

impl HeaderMap {
    /// Matches a header row. Order does not matter; the first of two equal headers wins and the second is
    /// kept as an extra column.
    pub(crate) fn match_headers(raw: &[String]) -> Result<HeaderMap, ReadError> {
        let headers: Vec<String> = raw.iter().map(|header| header.trim_start_matches('\u{FEFF}').to_owned()).collect();
        let mut columns = Vec::with_capacity(headers.len());
        let mut seen = BTreeSet::new();
        let mut languages: Vec<BTreeSet<HeaderLanguage>> = Vec::new();
        let mut title_languages = BTreeSet::new();
        for header in &headers {
            let key = header_key(header);
            let matches: Vec<&(Column, &str, HeaderLanguage)> =
                ALIASES.iter().filter(|(_, alias, _)| *alias == key).collect();
            let column = matches.first().map(|(column, _, _)| *column).filter(|column| seen.insert(*column));
            if let Some(column) = column {
                let these: BTreeSet<HeaderLanguage> = matches.iter().map(|(_, _, language)| *language).collect();
                if column == C::RecommendedAction {
                    title_languages.clone_from(&these);
                }
                languages.push(these);
            }
            columns.push(column);
        }
        let missing: Vec<Column> = REQUIRED.into_iter().filter(|column| !seen.contains(column)).collect();
        if !missing.is_empty() {
            return Err(missing_columns(&missing, &headers));
        }
        let language = common_language(&languages, &title_languages);
        Ok(HeaderMap { columns, headers, language })
    }
}

/// The one language every matched header is valid in; `Mixed` when there is none.
fn common_language(
    languages: &[BTreeSet<HeaderLanguage>],
    title_languages: &BTreeSet<HeaderLanguage>,
) -> HeaderLanguage {
    let mut common = title_languages.clone();
    for these in languages {
        common.retain(|language| these.contains(language));
    }
    common.first().copied().unwrap_or(HeaderLanguage::Mixed)
}

fn missing_columns(missing: &[Column], headers: &[String]) -> ReadError {
    let named: Vec<String> = missing
        .iter()
        .map(|column| {
            let others: Vec<String> = ALIASES
                .iter()
                .filter(|(aliased, alias, language)| {
                    aliased == column && *language != En && *alias != header_key(column.english())
                })
                .map(|(_, alias, _)| format!("`{alias}`"))
                .collect();
            format!("`{}` (also accepted: {})", column.english(), others.join(", "))
        })
        .collect();
    let found: Vec<String> =
        headers.iter().map(|header| header.trim()).filter(|h| !h.is_empty()).map(|h| format!("`{h}`")).collect();
    let found = if found.is_empty() { "none".to_owned() } else { found.join(", ") };
    let message = format!(
        "the file has no {} column; columns found: {found}. Upload the export from Secure Score → Recommended \
         actions → Export without renaming its columns",
        named.join(" and no ")
    );
    let error = ReadError::new(ReadErrorKind::MissingColumns, message).at_row(1);
    match missing {
        [only] => error.in_column(only.english()),
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(headers: &[&str]) -> Result<HeaderMap, ReadError> {
        HeaderMap::match_headers(&headers.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn english_headers_match_in_any_order_and_case() {
        let map = map(&["POINTS  ACHIEVED", " recommended action ", "Last synced ", "Rank", "Whatever"]).unwrap();
        assert_eq!(
            map.columns,
            [Some(C::PointsAchieved), Some(C::RecommendedAction), Some(C::LastSynced), Some(C::Rank), None]
        );
        assert_eq!(map.language, En);
        assert_eq!(map.headers[2], "Last synced ");
    }

    #[test]
    fn a_bom_on_the_first_header_is_ignored() {
        let map = map(&["\u{FEFF}Rank", "Recommended action", "Points achieved"]).unwrap();
        assert_eq!(map.columns[0], Some(C::Rank));
        assert_eq!(map.headers[0], "Rank");
    }

    #[test]
    fn german_and_french_headers_set_the_language() {
        assert_eq!(map(&["Rang", "Empfohlene Maßnahme", "Erzielte Punkte", "Status"]).unwrap().language, De);
        assert_eq!(map(&["Rang", "Action recommandée", "Points obtenus", "Statut"]).unwrap().language, Fr);
    }

    #[test]
    fn headers_from_two_languages_are_mixed() {
        assert_eq!(map(&["Recommended action", "Erzielte Punkte"]).unwrap().language, HeaderLanguage::Mixed);
    }

    #[test]
    fn a_duplicate_header_is_kept_as_an_extra_column() {
        let map = map(&["Recommended action", "Points achieved", "Status", "status"]).unwrap();
        assert_eq!(map.columns[3], None);
    }

    #[test]
    fn missing_required_columns_are_each_named_with_the_headers_found() {
        let error = map(&["Rank", "Status", "Foo"]).unwrap_err();
        assert_eq!(error.kind, ReadErrorKind::MissingColumns);
        assert!(error.message.contains("`Recommended action`"), "{}", error.message);
        assert!(error.message.contains("`Points achieved`"), "{}", error.message);
        assert!(error.message.contains("`Rank`, `Status`, `Foo`"), "{}", error.message);
        assert_eq!(error.column, None);
        let one = map(&["Recommended action"]).unwrap_err();
        assert_eq!(one.column.as_deref(), Some("Points achieved"));
        assert!(one.message.contains("`erzielte punkte`"), "{}", one.message);
    }
}
