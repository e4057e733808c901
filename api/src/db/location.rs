//! Where the database lives, as `--db` / `SCOREGRC_DATABASE_URL` names it.

use std::fmt;
use std::path::{Path, PathBuf};

/// The embedded SQLite file (the default) or a PostgreSQL server.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A file path; created and migrated on first start.
    Sqlite(PathBuf),
    /// A `postgres://` URL, kept whole (TLS and other options ride in its query string).
    Postgres(String),
}

/// A `--db` value that names no database scoregrc can open.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    #[error("`{0}` is an empty database location: give a file path, sqlite://path or postgres://…")]
    Empty(String),
    #[error("`{scheme}://` is not a database scoregrc runs on: give a file path, sqlite://path or postgres://…")]
    UnknownScheme { scheme: String },
}

impl Location {
    /// Reads a file path, `sqlite://path` (or `sqlite:path`, a query string ignored) or `postgres://…` /
    /// `postgresql://…`.
    pub fn parse(text: &str) -> Result<Self, LocationError> {
        let text = text.trim();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Self::Postgres(text.to_owned()));
        }
        let path = match text.strip_prefix("sqlite://").or_else(|| text.strip_prefix("sqlite:")) {
            Some(rest) => rest.split('?').next().unwrap_or_default(),
            None => {
                if let Some((scheme, _)) = text.split_once("://") {
                    return Err(LocationError::UnknownScheme { scheme: scheme.to_owned() });
                }
                text
            }
        };
        if path.is_empty() {
            return Err(LocationError::Empty(text.to_owned()));
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    /// The SQLite file, when the database is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Self::Sqlite(path) => Some(path),
            Self::Postgres(_) => None,
        }
    }

    /// The backend's name, for messages and the health report.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// The location exactly as given, password included: for handing to a child process, never for showing.
    pub fn to_argument(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => url.clone(),
        }
    }

    /// The location with any password replaced by `***`, safe for logs and error messages.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => redact_password(url),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`; the query string (which may hold a
/// `password=`) is dropped whole.
fn redact_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let rest = rest.split('?').next().unwrap_or_default();
    let shown = match rest.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{credentials}@{host}"),
        },
        None => rest.to_owned(),
    };
    format!("{scheme}://{shown}")
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Self {
        Self::Sqlite(path)
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Self {
        Self::Sqlite(path.clone())
    }
}

impl From<&Location> for Location {
    fn from(location: &Location) -> Self {
        location.clone()
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Self {
        Self::Sqlite(path.to_owned())
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

// Debug is redacted too: the configuration is logged with `{:?}`.
impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.backend(), self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_path_and_sqlite_urls_name_a_file() {
        assert_eq!(Location::parse("scoregrc.db").unwrap(), Location::Sqlite("scoregrc.db".into()));
        assert_eq!(Location::parse("/var/lib/s.db").unwrap(), Location::Sqlite("/var/lib/s.db".into()));
        assert_eq!(
            Location::parse("sqlite:///var/lib/s.db?mode=rwc").unwrap(),
            Location::Sqlite("/var/lib/s.db".into())
        );
        assert_eq!(Location::parse("sqlite://data/s.db").unwrap(), Location::Sqlite("data/s.db".into()));
        assert_eq!(Location::parse("sqlite:s.db").unwrap(), Location::Sqlite("s.db".into()));
    }

    #[test]
    fn postgres_urls_are_kept_whole() {
        let url = "postgresql://app:pw@db.internal:5432/scoregrc?sslmode=verify-full";
        assert_eq!(Location::parse(url).unwrap(), Location::Postgres(url.into()));
        assert_eq!(Location::parse(" postgres://h/db ").unwrap(), Location::Postgres("postgres://h/db".into()));
    }

    #[test]
    fn other_schemes_and_empty_values_are_refused() {
        assert!(
            matches!(Location::parse("mysql://h/db"), Err(LocationError::UnknownScheme { scheme }) if scheme == "mysql")
        );
        assert!(matches!(Location::parse(""), Err(LocationError::Empty(_))));
        assert!(matches!(Location::parse("sqlite://"), Err(LocationError::Empty(_))));
    }

    #[test]
    fn passwords_never_show() {
        let at = Location::Postgres("postgres://app:s3cret@db:5432/scoregrc?password=other&sslmode=require".into());
        assert_eq!(at.to_string(), "postgres://app:***@db:5432/scoregrc");
        assert!(!format!("{at:?}").contains("s3cret"));
        assert_eq!(Location::Postgres("postgres://app@db/x".into()).redacted(), "postgres://app@db/x");
        assert_eq!(Location::Postgres("postgres://db/x".into()).redacted(), "postgres://db/x");
        // A password holding '@' still hides: the host is after the last '@'.
        assert_eq!(Location::Postgres("postgres://u:p@ss@h/d".into()).redacted(), "postgres://u:***@h/d");
    }
}
