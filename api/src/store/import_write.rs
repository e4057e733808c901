//! The writes of an applied import, batched: new items with multi-row inserts as large as the bound-value limit
//! allows (each built while the previous one executes), unchanged items with one `last_seen` update per chunk of
//! ids, changed items row by row. Batching keeps a 100k-row import fast.

use futures_util::future::join;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, Insert, IntoActiveModel,
    QueryFilter, Set,
};

use super::StoreError;
use super::import_apply::ApplyContext;
use crate::domain::change::{ItemChange, ItemRef};
use crate::domain::recommendation::{Channel, Status, StatusReason};
use crate::entities::{recommendation, recommendation_source, status_change};

/// Bound values per statement: SQLite allows 32 766 (PostgreSQL 65 535). Fewer, larger statements are faster.
const MAX_VALUES: usize = 32_766;
/// Columns of `recommendations`, `recommendation_sources` and of an inserted `status_changes` row (no id).
const ITEM_COLUMNS: usize = 40;
const SOURCE_COLUMNS: usize = 3;
const STATUS_CHANGE_COLUMNS: usize = 8;

/// Everything an apply decided to write.
#[derive(Default)]
pub struct Writes {
    pub inserted: Vec<recommendation::Model>,
    pub changed: Vec<recommendation::Model>,
    pub seen: Vec<uuid::Uuid>,
    pub deleted: Vec<uuid::Uuid>,
    /// `(from, into)`: history and links of `from` move to `into` before `from` is deleted.
    pub moved: Vec<(uuid::Uuid, uuid::Uuid)>,
    status_changes: Vec<PendingStatusChange>,
}

/// A status change to record once the run's actor and time are known.
struct PendingStatusChange {
    tenant_id: uuid::Uuid,
    recommendation_id: uuid::Uuid,
    from: Option<Status>,
    to: Status,
    reason: StatusReason,
}

impl Writes {
    /// Records a status change made by the import.
    pub fn status_change(
        &mut self,
        model: &recommendation::Model,
        from: Option<Status>,
        to: Status,
        reason: StatusReason,
    ) {
        self.status_changes.push(PendingStatusChange {
            tenant_id: model.tenant_id,
            recommendation_id: model.id,
            from,
            to,
            reason,
        });
    }

    /// Drops what was recorded for an item created and merged away within the same import.
    pub fn forget_new(&mut self, id: uuid::Uuid) {
        self.status_changes.retain(|c| c.recommendation_id != id);
    }
}

/// Writes everything inside `tx`.
pub async fn write(
    tx: &DatabaseTransaction,
    ctx: &ApplyContext<'_>,
    channel: Channel,
    writes: Writes,
) -> Result<(), StoreError> {
    let Writes { inserted, changed, seen, deleted, moved, status_changes } = writes;
    let mut touched: Vec<uuid::Uuid> = Vec::with_capacity(inserted.len() + changed.len() + seen.len());
    touched.extend(inserted.iter().map(|m| m.id));
    touched.extend(changed.iter().map(|m| m.id));
    touched.extend(seen.iter().copied());

    let mut rows = inserted.into_iter().map(new_item).peekable();
    let next = || rows.peek().is_some().then(|| Insert::many(rows.by_ref().take(MAX_VALUES / ITEM_COLUMNS)));
    overlapped(next, |insert| insert.exec_without_returning(tx)).await?;
    for (from, into) in &moved {
        super::recommendations::move_links(tx, *from, *into).await?;
    }
    for model in changed {
        model.into_active_model().reset_all().update(tx).await?;
    }
    for chunk in seen.chunks(MAX_VALUES - 1) {
        recommendation::Entity::update_many()
            .col_expr(recommendation::Column::LastSeen, Expr::value(ctx.now))
            .filter(recommendation::Column::Id.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?;
    }
    for chunk in deleted.chunks(MAX_VALUES) {
        recommendation::Entity::delete_many()
            .filter(recommendation::Column::Id.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?;
    }
    let upsert =
        OnConflict::columns([recommendation_source::Column::RecommendationId, recommendation_source::Column::Channel])
            .update_column(recommendation_source::Column::LastImportedAt)
            .to_owned();
    let mut chunks = touched.chunks(MAX_VALUES / SOURCE_COLUMNS);
    let next = || {
        let rows = chunks.next()?.iter().map(|id| recommendation_source::ActiveModel {
            recommendation_id: Set(*id),
            channel: Set(channel.as_str().to_owned()),
            last_imported_at: Set(ctx.now),
        });
        Some(Insert::many(rows).on_conflict(upsert.clone()))
    };
    overlapped(next, |insert| insert.exec_without_returning(tx)).await?;
    let mut rows = status_changes
        .into_iter()
        .map(|change| status_change::ActiveModel {
            tenant_id: Set(change.tenant_id),
            recommendation_id: Set(change.recommendation_id),
            at: Set(ctx.now),
            from_status: set_or_omit(change.from.map(|s| s.as_str().to_owned())),
            to_status: Set(change.to.as_str().to_owned()),
            reason: Set(reason_name(change.reason)),
            actor_name: Set(ctx.actor_name.to_owned()),
            import_run_id: Set(Some(ctx.run_id)),
            ..Default::default()
        })
        .peekable();
    let next = || rows.peek().is_some().then(|| Insert::many(rows.by_ref().take(MAX_VALUES / STATUS_CHANGE_COLUMNS)));
    overlapped(next, |insert| insert.exec_without_returning(tx)).await?;
    Ok(())
}

/// Executes the statements `next` builds one after another, building each while the one before executes: the
/// database works on its own thread, so turning rows into a statement overlaps writing the previous ones.
async fn overlapped<S, F>(
    mut next: impl FnMut() -> Option<S>,
    mut execute: impl FnMut(S) -> F,
) -> Result<(), StoreError>
where
    F: Future<Output = Result<u64, DbErr>>,
{
    let mut current = next();
    while let Some(statement) = current {
        // `join` polls in order: the statement is sent to the database before the next one is built.
        let (done, following) = join(execute(statement), async { next() }).await;
        done?;
        current = following;
    }
    Ok(())
}

/// A new item as a row to insert. An empty optional column is left out of the statement rather than bound as
/// NULL (the column has no default, so it stores NULL all the same): fewer values to bind per row.
fn new_item(m: recommendation::Model) -> recommendation::ActiveModel {
    recommendation::ActiveModel {
        id: Set(m.id),
        tenant_id: Set(m.tenant_id),
        product: Set(m.product),
        control_key: set_or_omit(m.control_key),
        match_key: Set(m.match_key),
        unmatched: Set(m.unmatched),
        title: Set(m.title),
        category: set_or_omit(m.category),
        service: set_or_omit(m.service),
        max_score: Set(m.max_score),
        achieved: set_or_omit(m.achieved),
        score_impact: set_or_omit(m.score_impact),
        rank: set_or_omit(m.rank),
        implementation_cost: Set(m.implementation_cost),
        user_impact: Set(m.user_impact),
        tier: set_or_omit(m.tier),
        threats: Set(m.threats),
        remediation: set_or_omit(m.remediation),
        remediation_impact: set_or_omit(m.remediation_impact),
        action_type: set_or_omit(m.action_type),
        action_url: set_or_omit(m.action_url),
        deprecated: Set(m.deprecated),
        ms_state: set_or_omit(m.ms_state),
        implementation_status: set_or_omit(m.implementation_status),
        healthy_count: set_or_omit(m.healthy_count),
        unhealthy_count: set_or_omit(m.unhealthy_count),
        not_applicable_count: set_or_omit(m.not_applicable_count),
        status: Set(m.status),
        status_confirmed: Set(m.status_confirmed),
        unmanaged_acceptance: Set(m.unmanaged_acceptance),
        regressed: Set(m.regressed),
        regressed_at: set_or_omit(m.regressed_at),
        last_synced: set_or_omit(m.last_synced),
        first_seen: Set(m.first_seen),
        last_seen: Set(m.last_seen),
        removed_at: set_or_omit(m.removed_at),
        created_at: Set(m.created_at),
        updated_at: Set(m.updated_at),
        version: Set(m.version),
        licensed: set_or_omit(m.licensed),
    }
}

/// `Some` is set; `None` is left out of an insert, which stores NULL in a column without a default.
fn set_or_omit<T>(value: Option<T>) -> ActiveValue<Option<T>>
where
    Option<T>: Into<sea_orm::Value>,
{
    if value.is_some() { Set(value) } else { ActiveValue::NotSet }
}

fn reason_name(reason: StatusReason) -> String {
    match reason {
        StatusReason::NewItem => "new_item",
        StatusReason::ConfirmedByMicrosoft => "confirmed_by_microsoft",
        StatusReason::Regression => "regression",
    }
    .to_owned()
}

/// The change list as canonical JSON (what `domain::audit::canonical_json` makes of its serde form: keys sorted,
/// no whitespace), written straight from the changes without building `Value`s. The run stores this text and
/// the audit row hashes it, so a 100k-item list is serialised once; an auditor can hash the stored text.
pub(super) fn change_list_json(changes: &[ItemChange]) -> String {
    let mut out = Vec::with_capacity(changes.len() * 160 + 2);
    let mut fields = Vec::with_capacity(8);
    out.push(b'[');
    for (i, change) in changes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        fields.clear();
        fields_of(change, &mut fields);
        fields.sort_unstable_by_key(|(key, _)| *key);
        out.push(b'{');
        for (j, (key, value)) in fields.iter().enumerate() {
            out.extend_from_slice(if j > 0 { b",\"" } else { b"\"" });
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            let written = match value {
                Json::Text(text) => serde_json::to_writer(&mut out, text),
                Json::Id(id) => serde_json::to_writer(&mut out, id),
                Json::Number(number) => serde_json::to_writer(&mut out, number),
                Json::Whole(number) => serde_json::to_writer(&mut out, number),
                Json::Status(status) => serde_json::to_writer(&mut out, status),
                Json::Reason(reason) => serde_json::to_writer(&mut out, reason),
                Json::Null => serde_json::to_writer(&mut out, &()),
            };
            // Writing these types into a Vec cannot fail.
            debug_assert!(written.is_ok());
        }
        out.push(b'}');
    }
    out.push(b']');
    String::from_utf8(out).unwrap_or_default()
}

/// One value of a serialised change.
enum Json<'a> {
    Text(&'a str),
    Id(uuid::Uuid),
    Number(f64),
    Whole(u64),
    Status(Status),
    Reason(StatusReason),
    Null,
}

/// A change's fields as its serde form names them (`kind` tag, the item flattened). Destructured in full, so a
/// new field does not compile until it is written here; the test compares with the serde form.
fn fields_of<'a>(change: &'a ItemChange, fields: &mut Vec<(&'static str, Json<'a>)>) {
    let points = |value: Option<f64>| value.map_or(Json::Null, Json::Number);
    let (kind, item) = match change {
        ItemChange::New { item, status } => {
            fields.push(("status", Json::Status(*status)));
            ("new", item)
        }
        ItemChange::Removed { item } => ("removed", item),
        ItemChange::Returned { item } => ("returned", item),
        ItemChange::Deprecated { item } => ("deprecated", item),
        ItemChange::ScoreChanged { item, achieved_from, achieved_to, max_from, max_to } => {
            fields.push(("achieved_from", points(*achieved_from)));
            fields.push(("achieved_to", points(*achieved_to)));
            fields.push(("max_from", Json::Number(*max_from)));
            fields.push(("max_to", Json::Number(*max_to)));
            ("score_changed", item)
        }
        ItemChange::StatusChanged { item, from, to, reason } => {
            fields.push(("from", Json::Status(*from)));
            fields.push(("to", Json::Status(*to)));
            fields.push(("reason", Json::Reason(*reason)));
            ("status_changed", item)
        }
        ItemChange::Regressed { item, achieved_from, achieved_to, max } => {
            fields.push(("achieved_from", points(*achieved_from)));
            fields.push(("achieved_to", points(*achieved_to)));
            fields.push(("max", Json::Number(*max)));
            ("regressed", item)
        }
        ItemChange::Merged { item, merged_id } => {
            fields.push(("merged_id", Json::Id(*merged_id)));
            ("merged", item)
        }
        ItemChange::Unmatched { item, row } => {
            fields.push(("row", row.map_or(Json::Null, Json::Whole)));
            ("unmatched", item)
        }
    };
    let ItemRef { id, control_key, title } = item;
    fields.push(("kind", Json::Text(kind)));
    fields.push(("id", Json::Id(*id)));
    fields.push(("control_key", control_key.as_deref().map_or(Json::Null, Json::Text)));
    fields.push(("title", Json::Text(title)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::canonical_json;
    use sea_orm::Iterable;

    #[test]
    fn chunk_sizes_follow_the_real_column_counts() {
        assert_eq!(recommendation::Column::iter().count(), ITEM_COLUMNS);
        assert_eq!(recommendation_source::Column::iter().count(), SOURCE_COLUMNS);
        // The id is left to the database; a person's note and evidence link are never written by imports.
        assert_eq!(status_change::Column::iter().count(), STATUS_CHANGE_COLUMNS + 3);
    }

    #[test]
    fn the_change_list_text_is_the_canonical_json_of_its_serde_form() {
        let item = |title: &str, key: Option<&str>| ItemRef {
            id: uuid::Uuid::now_v7(),
            control_key: key.map(str::to_owned),
            title: title.to_owned(),
        };
        let odd = "Quotes \" and \\ \u{1} tab\t, ünïcode ’ </script>";
        let changes = vec![
            ItemChange::New { item: item(odd, None), status: Status::ToAddress },
            ItemChange::Removed { item: item("r", Some("Key")) },
            ItemChange::Returned { item: item("r", Some("Key")) },
            ItemChange::Deprecated { item: item("d", None) },
            ItemChange::ScoreChanged {
                item: item("s", Some("k")),
                achieved_from: None,
                achieved_to: Some(0.1 + 0.2),
                max_from: -0.0,
                max_to: 1e21,
            },
            ItemChange::StatusChanged {
                item: item("t", Some("k")),
                from: Status::Planned,
                to: Status::Completed,
                reason: StatusReason::ConfirmedByMicrosoft,
            },
            ItemChange::Regressed {
                item: item("g", None),
                achieved_from: Some(10.0),
                achieved_to: None,
                max: f64::NAN,
            },
            ItemChange::Merged { item: item("m", Some("k")), merged_id: uuid::Uuid::now_v7() },
            ItemChange::Unmatched { item: item("u", None), row: Some(17) },
            ItemChange::Unmatched { item: item("u", None), row: None },
        ];
        let values: Vec<serde_json::Value> = changes.iter().map(|c| serde_json::to_value(c).unwrap()).collect();
        let text = change_list_json(&changes);
        assert_eq!(text, canonical_json(&serde_json::Value::Array(values)));
        assert_eq!(change_list_json(&[]), "[]");
        // It reads back as the same changes (NaN, written as null like serde does, is left out here).
        let finite = [&changes[..6], &changes[7..]].concat();
        let back: Vec<ItemChange> = serde_json::from_str(&change_list_json(&finite)).unwrap();
        assert_eq!(back, finite);
    }
}
