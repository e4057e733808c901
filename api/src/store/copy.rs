//! Copying a whole deployment into another database (`scoregrc db copy`): a SQLite file into PostgreSQL, back,
//! or between two files. Every table is read from one snapshot of the source and written, parents before
//! children, in batches inside one transaction on the target; the row counts and the audit chains are checked in
//! that transaction before it commits, so a copy that fails anywhere leaves the target as empty as it was.
//!
//! Rows go through the entities, so each value takes the type its column has on the other backend (a uuid is 16
//! bytes on SQLite and a `uuid` on PostgreSQL, a time is text there and a `timestamptz` here). Sealed secrets
//! are copied as they are: the target needs the data key the source's were sealed with.

use futures_util::StreamExt;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, Iterable,
    PrimaryKeyToColumn, QueryOrder, Statement,
};
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

use super::audit::{self, ChainReport};
use super::{StoreError, begin_snapshot, begin_write};
use crate::entities::{
    alert, alert_channel, alert_delivery, api_token, api_token_tenant, audit_log, board_report, catalog_update,
    catalog_version, connector, default_mapping, download_token, evidence_blob, evidence_blob_chunk, evidence_item,
    external_identity, framework, framework_control, graph_write_back, import_run, item_note, item_ownership, job,
    lease, list_change, mapping_override, mapping_review, notification, rating, rating_change, recommendation,
    recommendation_source, risk_acceptance, risk_acceptance_event, risk_acceptance_item, roadmap, roadmap_dependency,
    roadmap_event, roadmap_item, score_snapshot, setting, sign_in_failure, soa_statement, sso_attempt, sso_code,
    status_change, tenant, tenant_membership, user, user_second_factor,
};

/// Rows per insert statement, unless the table's width or its own limit asks for fewer.
const ROWS_PER_INSERT: usize = 500;
/// Values bound in one statement at most: under SQLite's limit (32,766) and PostgreSQL's (65,535).
const MAX_BOUND_VALUES: usize = 30_000;
/// Evidence chunks are 1 MiB each: a few per statement keep one statement's size near 8 MiB.
const CHUNKS_PER_INSERT: usize = 8;
/// The migrator's own table: the target's is written by migrating it, never copied.
const MIGRATIONS_TABLE: &str = "seaql_migrations";

/// Why a copy stopped. Nothing was written to the target in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "the target is not empty: `{table}` holds {rows} row(s). Copy into a new database (an empty PostgreSQL \
         database, or a SQLite file that does not exist yet); nothing was written"
    )]
    TargetNotEmpty { table: String, rows: u64 },
    #[error("the database has a table `{0}` this scoregrc does not copy; nothing was written")]
    UnknownTable(String),
    #[error("the database has no table `{0}` although it is at this scoregrc's schema; nothing was written")]
    MissingTable(String),
    #[error("copying `{table}`: {error}; nothing was written")]
    Table { table: &'static str, error: DbErr },
    #[error("`{table}` has {in_source} row(s) in the source but {in_target} in the copy; nothing was written")]
    CountMismatch { table: &'static str, in_source: u64, in_target: u64 },
    #[error(
        "the audit chain {chain} breaks after row {rows_checked} in the source already: the trail was altered \
         there, and a copy would not be evidence; nothing was written"
    )]
    SourceChainBroken { chain: String, rows_checked: u64 },
    #[error(
        "the audit chain {chain} breaks after row {rows_checked} in the copy but not in the source: a value \
         changed on the way; nothing was written"
    )]
    CopyChainBroken { chain: String, rows_checked: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DbErr> for CopyError {
    fn from(e: DbErr) -> Self {
        Self::Store(e.into())
    }
}

/// How far the copy is, across every table.
#[derive(Debug, Clone, Copy)]
pub struct CopyProgress {
    /// The table being copied.
    pub table: &'static str,
    pub rows_copied: u64,
    pub rows_total: u64,
}

/// One table's rows on each side once the copy is written (the same number, or the copy fails).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRows {
    pub table: &'static str,
    pub in_source: u64,
    pub in_target: u64,
}

/// What a finished copy holds.
#[derive(Debug)]
pub struct Copied {
    /// Every table in the order it was copied.
    pub tables: Vec<TableRows>,
    /// Every audit chain, verified on the target.
    pub chains: Vec<ChainReport>,
}

/// Copies every row of `source` into `target`, both at this binary's schema; refuses a target that holds any
/// row. See the module's description for what is checked before the copy commits.
pub async fn copy_database(
    source: &DatabaseConnection,
    target: &DatabaseConnection,
    progress: &mut dyn FnMut(CopyProgress),
) -> Result<Copied, CopyError> {
    let tables = tables();
    check_schema(target, &tables).await?;
    let from = begin_snapshot(source).await?;
    let to = begin_write(target).await?;
    refuse_rows(&to, &tables).await?;
    let mut counts = Vec::with_capacity(tables.len());
    for table in &tables {
        counts.push(TableRows { table: table.name, in_source: count_rows(&from, table.name).await?, in_target: 0 });
    }
    let rows_total = counts.iter().map(|c| c.in_source).sum();
    let mut rows_copied = 0;
    for table in &tables {
        progress(CopyProgress { table: table.name, rows_copied, rows_total });
        let failed = |error| CopyError::Table { table: table.name, error };
        if table.replaces_trigger_rows {
            list_change::Entity::delete_many().exec(&to).await.map_err(failed)?;
        }
        let mut copied = |rows| {
            rows_copied += rows;
            progress(CopyProgress { table: table.name, rows_copied, rows_total });
        };
        (table.copy)(&from, &to, table.rows_per_insert, &mut copied).await.map_err(failed)?;
    }
    crate::db::after_rows_inserted_with_ids(&to).await?;
    for count in &mut counts {
        count.in_target = count_rows(&to, count.table).await?;
        if count.in_target != count.in_source {
            return Err(CopyError::CountMismatch {
                table: count.table,
                in_source: count.in_source,
                in_target: count.in_target,
            });
        }
    }
    let chains = audit::verify_every_chain(&to).await?;
    if let Some(broken) = chains.iter().find(|c| !c.intact) {
        let in_source = audit::verify_every_chain(&from).await?;
        let (chain, rows_checked) = (broken.chain.clone(), broken.rows_checked);
        return Err(if in_source.iter().any(|c| c.chain == chain && !c.intact) {
            CopyError::SourceChainBroken { chain, rows_checked }
        } else {
            CopyError::CopyChainBroken { chain, rows_checked }
        });
    }
    // The source's snapshot ends first: should that fail, the target is not committed either.
    from.rollback().await?;
    to.commit().await?;
    Ok(Copied { tables: counts, chains })
}

/// Refuses a target that holds any row, as [`copy_database`] does: for telling before other checks.
pub async fn check_target_is_empty(target: &DatabaseConnection) -> Result<(), CopyError> {
    refuse_rows(target, &tables()).await
}

async fn refuse_rows(conn: &impl ConnectionTrait, tables: &[Table]) -> Result<(), CopyError> {
    for table in tables {
        let rows = count_rows(conn, table.name).await?;
        if rows > 0 {
            return Err(CopyError::TargetNotEmpty { table: table.name.to_owned(), rows });
        }
    }
    Ok(())
}

/// The names of the tables a copy writes, in the order it writes them.
pub fn table_names() -> Vec<&'static str> {
    tables().iter().map(|t| t.name).collect()
}

/// Refuses a schema whose tables are not exactly the ones [`tables`] copies: a table added by a migration but
/// not to the list would otherwise be left behind without a word.
async fn check_schema(target: &DatabaseConnection, tables: &[Table]) -> Result<(), CopyError> {
    let known: BTreeSet<&str> = tables.iter().map(|t| t.name).collect();
    let present = crate::db::table_names(target).await?;
    let present: BTreeSet<&str> = present.iter().map(String::as_str).filter(|t| *t != MIGRATIONS_TABLE).collect();
    if let Some(unknown) = present.difference(&known).next() {
        return Err(CopyError::UnknownTable((*unknown).to_owned()));
    }
    match known.difference(&present).next() {
        Some(missing) => Err(CopyError::MissingTable((*missing).to_owned())),
        None => Ok(()),
    }
}

async fn count_rows(conn: &impl ConnectionTrait, table: &str) -> Result<u64, DbErr> {
    // `table` is a name from the entities, never input.
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await?;
    let count: i64 = row.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or(0);
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Copies one table's rows through its entity; answers the rows written.
type CopyRows = for<'a> fn(
    &'a DatabaseTransaction,
    &'a DatabaseTransaction,
    usize,
    &'a mut dyn FnMut(u64),
) -> Pin<Box<dyn Future<Output = Result<u64, DbErr>> + 'a>>;

/// A table the copy writes.
struct Table {
    name: &'static str,
    rows_per_insert: usize,
    /// The change log's triggers fill it while the other tables are written; the source's rows replace those.
    replaces_trigger_rows: bool,
    copy: CopyRows,
}

/// Every table of the schema, parents before children: the order the migrations create them in, which is the
/// order their foreign keys allow. A test checks the order against the schema's foreign keys, and
/// [`check_schema`] refuses to copy when a table is missing here.
fn tables() -> Vec<Table> {
    let mut tables = vec![
        table::<tenant::Entity>(),
        table::<user::Entity>(),
        table::<tenant_membership::Entity>(),
        table::<api_token::Entity>(),
        table::<api_token_tenant::Entity>(),
        table::<audit_log::Entity>(),
        table::<setting::Entity>(),
        table::<recommendation::Entity>(),
        table::<recommendation_source::Entity>(),
        table::<status_change::Entity>(),
        table::<score_snapshot::Entity>(),
        table::<import_run::Entity>(),
        table::<job::Entity>(),
        table::<connector::Entity>(),
        table::<framework::Entity>(),
        table::<framework_control::Entity>(),
        table::<default_mapping::Entity>(),
        table::<catalog_version::Entity>(),
        table::<rating::Entity>(),
        table::<rating_change::Entity>(),
        table::<mapping_override::Entity>(),
        table::<mapping_review::Entity>(),
        table::<item_ownership::Entity>(),
        table::<item_note::Entity>(),
        table::<graph_write_back::Entity>(),
        table::<catalog_update::Entity>(),
        table::<risk_acceptance::Entity>(),
        table::<risk_acceptance_item::Entity>(),
        table::<risk_acceptance_event::Entity>(),
        table::<notification::Entity>(),
        table::<roadmap::Entity>(),
        table::<roadmap_item::Entity>(),
        table::<roadmap_dependency::Entity>(),
        table::<roadmap_event::Entity>(),
        table::<board_report::Entity>(),
        table::<alert::Entity>(),
        table::<alert_channel::Entity>(),
        table::<alert_delivery::Entity>(),
        table::<evidence_blob::Entity>(),
        table_in_batches_of::<evidence_blob_chunk::Entity>(CHUNKS_PER_INSERT),
        table::<evidence_item::Entity>(),
        table::<soa_statement::Entity>(),
        table::<user_second_factor::Entity>(),
        table::<lease::Entity>(),
        table::<sign_in_failure::Entity>(),
        table::<download_token::Entity>(),
        table::<external_identity::Entity>(),
        table::<sso_attempt::Entity>(),
        table::<sso_code::Entity>(),
        // Last: the triggers write it while the tables above are copied.
        table::<list_change::Entity>(),
    ];
    if let Some(changes) = tables.last_mut() {
        changes.replaces_trigger_rows = true;
    }
    tables
}

fn table<E>() -> Table
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Send + Sync,
    E::ActiveModel: Send,
{
    table_in_batches_of::<E>(ROWS_PER_INSERT)
}

fn table_in_batches_of<E>(rows: usize) -> Table
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Send + Sync,
    E::ActiveModel: Send,
{
    let columns = E::Column::iter().count().max(1);
    Table {
        name: E::default().table_name(),
        rows_per_insert: rows.min(MAX_BOUND_VALUES / columns).max(1),
        replaces_trigger_rows: false,
        copy: |from, to, batch, copied| Box::pin(copy_rows::<E>(from, to, batch, copied)),
    }
}

/// Streams `E`'s rows from `from` in key order and inserts them into `to`, `batch` rows a statement.
async fn copy_rows<E>(
    from: &DatabaseTransaction,
    to: &DatabaseTransaction,
    batch: usize,
    copied: &mut dyn FnMut(u64),
) -> Result<u64, DbErr>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Send + Sync,
    E::ActiveModel: Send,
{
    let mut select = E::find();
    for key in E::PrimaryKey::iter() {
        select = select.order_by_asc(key.into_column());
    }
    let mut rows = select.stream(from).await?;
    let mut pending = Vec::with_capacity(batch);
    let mut written = 0;
    loop {
        let next = rows.next().await.transpose()?;
        let done = next.is_none();
        pending.extend(next.map(IntoActiveModel::into_active_model));
        if pending.len() >= batch || (done && !pending.is_empty()) {
            let n = pending.len() as u64;
            E::insert_many(pending.drain(..)).exec_without_returning(to).await?;
            written += n;
            copied(n);
        }
        if done {
            return Ok(written);
        }
    }
}
