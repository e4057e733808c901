//! Cursor pagination: one request shape and one envelope for every list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::domain::ValidationError;

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: u64 = 50;
/// The most items one page may hold.
pub const MAX_LIMIT: u64 = 500;

/// `?limit` and `?cursor` as sent.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A checked page request: how many, and after which sort key.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<String>,
}

impl PageParams {
    /// Checks the limit and decodes the cursor.
    pub fn parse(&self) -> Result<PageRequest, ValidationError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ValidationError::field("limit", format!("must be between 1 and {MAX_LIMIT}")));
        }
        let after = match &self.cursor {
            None => None,
            Some(c) => {
                Some(URL_SAFE_NO_PAD.decode(c).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad_cursor)?)
            }
        };
        Ok(PageRequest { limit, after })
    }
}

impl PageRequest {
    /// The cursor as the id of the last item seen.
    pub fn after_uuid(&self) -> Result<Option<uuid::Uuid>, ValidationError> {
        self.after.as_deref().map(|a| uuid::Uuid::parse_str(a).map_err(|_| bad_cursor())).transpose()
    }

    /// The cursor as an offset into a sorted list (for lists sorted by something other than the id).
    pub fn after_offset(&self) -> Result<u64, ValidationError> {
        self.after
            .as_deref()
            .map_or(Ok(0), |a| a.strip_prefix("o:").and_then(|n| n.parse().ok()).ok_or_else(bad_cursor))
    }

    /// The cursor as the sequence number of the last item seen.
    pub fn after_i64(&self) -> Result<Option<i64>, ValidationError> {
        self.after.as_deref().map(|a| a.parse().map_err(|_| bad_cursor())).transpose()
    }
}

fn bad_cursor() -> ValidationError {
    ValidationError::field("cursor", "is not a cursor this service issued")
}

/// The list envelope every list answers with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items match the filters, over all pages.
    pub total: u64,
    /// Pass as `?cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows: the extra row only tells that more exist.
    pub fn from_rows(mut rows: Vec<T>, limit: u64, total: u64, key: impl Fn(&T) -> String) -> Self {
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(|r| URL_SAFE_NO_PAD.encode(key(r))) } else { None };
        Self { items: rows, total, next_cursor }
    }

    /// Builds a page of an offset-paged list from up to `limit + 1` rows fetched at `offset`.
    pub fn from_offset(mut rows: Vec<T>, limit: u64, total: u64, offset: u64) -> Self {
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more.then(|| URL_SAFE_NO_PAD.encode(format!("o:{}", offset + limit)));
        Self { items: rows, total, next_cursor }
    }

    /// Converts every item, keeping the paging.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), total: self.total, next_cursor: self.next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_to_fifty_and_caps_at_five_hundred() {
        assert_eq!(PageParams::default().parse().map(|p| p.limit).ok(), Some(50));
        assert!(PageParams { limit: Some(501), cursor: None }.parse().is_err());
        assert!(PageParams { limit: Some(0), cursor: None }.parse().is_err());
    }

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let page = Page::from_rows(vec![1, 2, 3], 2, 3, |n| n.to_string());
        assert_eq!(page.items, vec![1, 2]);
        let cursor = page.next_cursor.clone();
        let parsed = PageParams { limit: None, cursor }.parse().ok().and_then(|p| p.after);
        assert_eq!(parsed.as_deref(), Some("2"));
        assert!(PageParams { limit: None, cursor: Some("%%%".into()) }.parse().is_err());
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        let page = Page::from_rows(vec![1, 2], 2, 2, |n| n.to_string());
        assert_eq!(page.next_cursor, None);
    }
}
