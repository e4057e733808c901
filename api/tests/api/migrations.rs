//! The schema is created from an empty file, a second start changes nothing, and a newer database is refused.

use migrations::MigratorTrait;
use sea_orm::{ConnectionTrait, Statement};

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn migrations_run_from_an_empty_database_and_a_second_start_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    // The suite's backend: a new file, or a new database on the PostgreSQL server.
    let database = crate::helpers::fresh_database(&dir).await;
    let db = scoregrc::db::open_and_migrate(&database).await.unwrap();
    let first_tables = scoregrc::db::table_names(&db).await.unwrap();
    let first_migrations = count(&db, "SELECT count(*) FROM seaql_migrations").await;
    assert!(first_tables.len() >= 40, "tables: {first_tables:?}");
    assert_eq!(first_migrations as usize, migrations::Migrator::migrations().len());
    db.close().await.unwrap();
    let again = scoregrc::db::open_and_migrate(&database).await.unwrap();
    assert_eq!(scoregrc::db::table_names(&again).await.unwrap(), first_tables);
    assert_eq!(count(&again, "SELECT count(*) FROM seaql_migrations").await, first_migrations);
}

#[tokio::test]
async fn the_database_is_opened_in_wal_mode_with_foreign_keys_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = scoregrc::db::open_and_migrate(&dir.path().join("pragmas.db").into()).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), "PRAGMA journal_mode"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "wal");
    assert_eq!(count(&db, "PRAGMA foreign_keys").await, 1);
    assert!(count(&db, "PRAGMA busy_timeout").await >= 1000);
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_binary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let database = crate::helpers::fresh_database(&dir).await;
    let db = scoregrc::db::open_and_migrate(&database).await.unwrap();
    db.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20990101_000001_from_the_future', 0)",
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let err = scoregrc::db::open_and_migrate(&database).await.expect_err("refused");
    assert!(err.to_string().contains("newer scoregrc"), "{err}");
}

#[tokio::test]
async fn frameworks_stored_before_custom_frameworks_upgrade_in_place_as_version_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("older.db");
    let db = scoregrc::db::sqlite::open(&path).await.unwrap();
    // The schema as it was before `m20261123_000022`, with a shipped framework in it.
    let before =
        migrations::Migrator::migrations().iter().position(|m| m.name().starts_with("m20261123_000022")).unwrap()
            as u32;
    migrations::Migrator::up(&db, Some(before)).await.unwrap();
    db.execute_unprepared(
        "INSERT INTO frameworks (id, key, owner, name, shipped, created_at) \
         VALUES ('01900000-0000-7000-8000-000000000001', 'iso27001', '', 'ISO', 1, '2026-11-23T09:00:00Z')",
    )
    .await
    .unwrap();
    drop(db);
    let db = scoregrc::db::open_and_migrate(&path.clone().into()).await.unwrap();
    assert_eq!(count(&db, "SELECT version FROM frameworks WHERE key = 'iso27001'").await, 1);
    assert_eq!(
        count(&db, "SELECT count(*) FROM frameworks WHERE description IS NULL AND archived_at IS NULL").await,
        1
    );
    assert_eq!(count(&db, "SELECT count(*) FROM catalog_updates").await, 0);
}
