//! Opening the database and bringing its schema up to date.

pub mod sqlite;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, DbErr};
use std::collections::HashSet;
use std::path::Path;

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("could not open the database at {path}: {source}")]
    Open { path: String, source: DbErr },
    #[error("could not migrate the database: {0}")]
    Migrate(DbErr),
    #[error(
        "the database was migrated by a newer scoregrc (it has migrations this binary does not know: {0}); \
         run the newer binary or restore a backup"
    )]
    NewerThanBinary(String),
}

/// Opens (creating when missing) the database at `path` and runs every pending migration.
pub async fn open_and_migrate(path: &Path) -> Result<DatabaseConnection, DbSetupError> {
    let db =
        sqlite::open(path).await.map_err(|source| DbSetupError::Open { path: path.display().to_string(), source })?;
    migrate(&db).await?;
    Ok(db)
}

/// Runs pending migrations; refuses a database that a newer binary has migrated.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbSetupError> {
    let known: HashSet<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let applied = Migrator::get_migration_models(db).await.map_err(DbSetupError::Migrate)?;
    let unknown: Vec<String> = applied.into_iter().map(|m| m.version).filter(|v| !known.contains(v)).collect();
    if !unknown.is_empty() {
        return Err(DbSetupError::NewerThanBinary(unknown.join(", ")));
    }
    Migrator::up(db, None).await.map_err(DbSetupError::Migrate)
}
