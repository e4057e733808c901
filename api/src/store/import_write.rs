//! The writes of an applied import, batched: new items with multi-row inserts, unchanged items with one
//! `last_seen` update per chunk of ids, changed items row by row. Batching keeps a 100k-row import fast.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, Set};

use super::StoreError;
use super::import_apply::ApplyContext;
use crate::domain::recommendation::{Channel, Status, StatusReason};
use crate::entities::{recommendation, recommendation_source, status_change};

/// Rows per multi-row insert: SQLite allows 32 766 bound values per statement, and an item has 40 columns.
const ITEM_CHUNK: usize = 500;
/// Ids per `IN (…)` list or rows per narrow insert.
const ID_CHUNK: usize = 5_000;

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

    for chunk in inserted.chunks(ITEM_CHUNK) {
        let rows = chunk.iter().cloned().map(|m| m.into_active_model().reset_all());
        recommendation::Entity::insert_many(rows).exec(tx).await?;
    }
    for (from, into) in &moved {
        super::recommendations::move_links(tx, *from, *into).await?;
    }
    for model in changed {
        model.into_active_model().reset_all().update(tx).await?;
    }
    for chunk in seen.chunks(ID_CHUNK) {
        recommendation::Entity::update_many()
            .col_expr(recommendation::Column::LastSeen, Expr::value(ctx.now))
            .filter(recommendation::Column::Id.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?;
    }
    for chunk in deleted.chunks(ID_CHUNK) {
        recommendation::Entity::delete_many()
            .filter(recommendation::Column::Id.is_in(chunk.iter().copied()))
            .exec(tx)
            .await?;
    }
    let upsert =
        OnConflict::columns([recommendation_source::Column::RecommendationId, recommendation_source::Column::Channel])
            .update_column(recommendation_source::Column::LastImportedAt)
            .to_owned();
    for chunk in touched.chunks(ID_CHUNK) {
        let rows = chunk.iter().map(|id| recommendation_source::ActiveModel {
            recommendation_id: Set(*id),
            channel: Set(channel.as_str().to_owned()),
            last_imported_at: Set(ctx.now),
        });
        recommendation_source::Entity::insert_many(rows).on_conflict(upsert.clone()).exec(tx).await?;
    }
    let status_changes: Vec<status_change::ActiveModel> = status_changes
        .into_iter()
        .map(|change| status_change::ActiveModel {
            tenant_id: Set(change.tenant_id),
            recommendation_id: Set(change.recommendation_id),
            at: Set(ctx.now),
            from_status: Set(change.from.map(|s| s.as_str().to_owned())),
            to_status: Set(change.to.as_str().to_owned()),
            reason: Set(reason_name(change.reason)),
            actor_name: Set(ctx.actor_name.to_owned()),
            import_run_id: Set(Some(ctx.run_id)),
            ..Default::default()
        })
        .collect();
    for chunk in status_changes.chunks(ID_CHUNK / 2) {
        status_change::Entity::insert_many(chunk.to_vec()).exec(tx).await?;
    }
    Ok(())
}

fn reason_name(reason: StatusReason) -> String {
    match reason {
        StatusReason::NewItem => "new_item",
        StatusReason::ConfirmedByMicrosoft => "confirmed_by_microsoft",
        StatusReason::Regression => "regression",
    }
    .to_owned()
}
