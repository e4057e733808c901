use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What changed since a reader last looked: the item lists held in memory (`store::item_list`) ask this table on
/// every read and reload only what it names. Triggers fill it in the writing transaction itself, so no write path
/// (a new one, a background job, another process on the same file) can forget to say what it changed.
///
/// One row per key, its `seq` moved forward on every change, so the table never holds more than one row per
/// item and needs no pruning:
/// - `item`: the key is a recommendation id; its row or something linked to it changed.
/// - `context`: the key is a tenant id (or [`EVERY_TENANT`] with a NULL tenant); rules, audit scope, register policy or a
///   connector changed, so every item is placed again.
/// - `catalog`: the key is the nil id; frameworks, controls or shipped mappings changed, so lists reload.
#[derive(DeriveIden)]
enum ListChanges {
    Table,
    Key,
    Kind,
    TenantId,
    Seq,
}

const SEQ_INDEX: &str = "idx_list_changes_seq";
/// The key of the one `catalog` row.
const NIL: &str = "X'00000000000000000000000000000000'";
/// The key of the `context` row that stands for every tenant.
const EVERY_TENANT: &str = "X'00000000000000000000000000000001'";

/// `(table, trigger events, kind, key, tenant)` for each trigger. `ROW` stands for `NEW` or `OLD` as the event
/// gives: inserts and updates name the new row, deletes the old one.
const TRIGGERS: &[(&str, &[&str], &str, &str, &str)] = &[
    ("recommendations", &["INSERT", "UPDATE", "DELETE"], "item", "ROW.id", "ROW.tenant_id"),
    ("ratings", &["INSERT", "UPDATE", "DELETE"], "item", "ROW.recommendation_id", "ROW.tenant_id"),
    ("item_ownership", &["INSERT", "UPDATE", "DELETE"], "item", "ROW.recommendation_id", "ROW.tenant_id"),
    ("mapping_overrides", &["INSERT", "UPDATE", "DELETE"], "item", "ROW.recommendation_id", "ROW.tenant_id"),
    ("mapping_reviews", &["INSERT", "UPDATE", "DELETE"], "item", "ROW.recommendation_id", "ROW.tenant_id"),
    ("status_changes", &["INSERT", "UPDATE", "DELETE"], "item", "ROW.recommendation_id", "ROW.tenant_id"),
    ("graph_write_backs", &["INSERT", "UPDATE", "DELETE"], "item", "ROW.recommendation_id", "ROW.tenant_id"),
    ("risk_acceptance_items", &["INSERT", "UPDATE", "DELETE"], "item", "ROW.recommendation_id", "ROW.tenant_id"),
    (
        "recommendation_sources",
        &["INSERT", "UPDATE", "DELETE"],
        "item",
        "ROW.recommendation_id",
        "(SELECT tenant_id FROM recommendations WHERE id = ROW.recommendation_id)",
    ),
    ("connectors", &["INSERT", "UPDATE", "DELETE"], "context", "ROW.tenant_id", "ROW.tenant_id"),
    ("frameworks", &["INSERT", "UPDATE", "DELETE"], "catalog", NIL, "NULL"),
    ("framework_controls", &["INSERT", "UPDATE", "DELETE"], "catalog", NIL, "NULL"),
    ("default_mappings", &["INSERT", "UPDATE", "DELETE"], "catalog", NIL, "NULL"),
];

/// A change of a register entry's state changes how every item it holds shows.
const ENTRY_ITEMS: &str = "INSERT INTO list_changes (key, kind, tenant_id, seq) \
     SELECT recommendation_id, 'item', tenant_id, \
            (SELECT IFNULL(MAX(seq), 0) FROM list_changes) + ROW_NUMBER() OVER (ORDER BY recommendation_id) \
     FROM risk_acceptance_items WHERE entry_id = NEW.id \
     ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, tenant_id = excluded.tenant_id, seq = excluded.seq;";

/// The settings documents that place items; scopes are tenant ids as text, so they touch every tenant's context.
const PLACING_SETTINGS: &str = "('priority_rules', 'audit_scope', 'register_policy')";

fn upsert(kind: &str, key: &str, tenant: &str) -> String {
    format!(
        "INSERT INTO list_changes (key, kind, tenant_id, seq) \
         VALUES ({key}, '{kind}', {tenant}, (SELECT IFNULL(MAX(seq), 0) + 1 FROM list_changes)) \
         ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, tenant_id = excluded.tenant_id, seq = excluded.seq;"
    )
}

fn trigger_name(table: &str, event: &str) -> String {
    format!("list_changes_{}_{}", table, event.to_lowercase())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ListChanges::Table)
                    .col(ColumnDef::new(ListChanges::Key).uuid().not_null().primary_key())
                    .col(ColumnDef::new(ListChanges::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(ListChanges::TenantId).uuid().null())
                    .col(ColumnDef::new(ListChanges::Seq).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name(SEQ_INDEX).table(ListChanges::Table).col(ListChanges::Seq).unique().to_owned(),
            )
            .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => create_postgres_triggers(manager.get_connection()).await,
            _ => create_sqlite_triggers(manager.get_connection()).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let mut triggers: Vec<(String, &str)> = Vec::new();
        for (table, events, ..) in TRIGGERS {
            triggers.extend(events.iter().map(|e| (trigger_name(table, e), *table)));
        }
        triggers.push((trigger_name("risk_acceptances", "UPDATE"), "risk_acceptances"));
        triggers.extend(["INSERT", "UPDATE", "DELETE"].map(|e| (trigger_name("settings", e), "settings")));
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for (name, table) in triggers {
            if postgres {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name} ON {table}")).await?;
                db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {name}()")).await?;
            } else {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}")).await?;
            }
        }
        manager.drop_table(Table::drop().table(ListChanges::Table).to_owned()).await
    }
}

/// SQLite's triggers: a statement list each. SQLite runs one writer at a time, so `MAX(seq) + 1` is never taken
/// twice.
async fn create_sqlite_triggers(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    for (table, events, kind, key, tenant) in TRIGGERS {
        for event in *events {
            let row = if *event == "DELETE" { "OLD" } else { "NEW" };
            let body =
                upsert(kind, &key.replace("ROW.", &format!("{row}.")), &tenant.replace("ROW.", &format!("{row}.")));
            let name = trigger_name(table, event);
            db.execute_unprepared(&format!("CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body} END")).await?;
        }
    }
    db.execute_unprepared(&format!(
        "CREATE TRIGGER {} AFTER UPDATE ON risk_acceptances BEGIN {ENTRY_ITEMS} END",
        trigger_name("risk_acceptances", "UPDATE")
    ))
    .await?;
    for (event, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
        db.execute_unprepared(&format!(
            "CREATE TRIGGER {} AFTER {event} ON settings WHEN {row}.key IN {PLACING_SETTINGS} BEGIN {} END",
            trigger_name("settings", event),
            upsert("context", EVERY_TENANT, "NULL")
        ))
        .await?;
    }
    Ok(())
}

/// PostgreSQL's triggers: a function each, run per row. Writers on PostgreSQL run at once, so each function first
/// takes the writers' advisory lock ([`crate::WRITER_LOCK_KEY`], held to commit): sequence numbers are then taken
/// and committed in order, and a reader that has seen `seq` N has seen every change below it.
async fn create_postgres_triggers(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    let lock = format!("PERFORM pg_advisory_xact_lock({});", crate::WRITER_LOCK_KEY);
    let create = async |table: &str, event: &str, when: &str, body: &str| -> Result<(), DbErr> {
        let name = trigger_name(table, event);
        let body = postgres_sql(body);
        db.execute_unprepared(&format!(
            "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {lock} {body} RETURN NULL; END $$"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when} EXECUTE FUNCTION {name}()"
        ))
        .await
        .map(|_| ())
    };
    for (table, events, kind, key, tenant) in TRIGGERS {
        for event in *events {
            let row = if *event == "DELETE" { "OLD" } else { "NEW" };
            let body =
                upsert(kind, &key.replace("ROW.", &format!("{row}.")), &tenant.replace("ROW.", &format!("{row}.")));
            create(table, event, "", &body).await?;
        }
    }
    create("risk_acceptances", "UPDATE", "", ENTRY_ITEMS).await?;
    for (event, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
        let when = format!("WHEN ({row}.key IN {PLACING_SETTINGS})");
        create("settings", event, &when, &upsert("context", EVERY_TENANT, "NULL")).await?;
    }
    Ok(())
}

/// The trigger SQL in PostgreSQL's words: `COALESCE` for `IFNULL`, and the fixed keys as `uuid` literals (SQLite
/// stores a uuid as 16 bytes).
fn postgres_sql(sql: &str) -> String {
    sql.replace("IFNULL(", "COALESCE(")
        .replace(NIL, "'00000000-0000-0000-0000-000000000000'::uuid")
        .replace(EVERY_TENANT, "'00000000-0000-0000-0000-000000000001'::uuid")
}
