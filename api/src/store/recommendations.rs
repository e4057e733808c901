//! Reading recommendations, and linking an unmatched one to its control id by hand.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::Deserialize;

use super::audit::{self, Change};
use super::error::check_version;
use super::recommendation_view::with_links;
pub use super::recommendation_view::{Recommendation, SourceSeen};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::evidence::TargetKind;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{Product, Status};
use crate::entities::{evidence_item, rating, rating_change, recommendation, recommendation_source, status_change};

/// How a list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationSort {
    /// Microsoft's rank, ascending (unranked last).
    #[default]
    Rank,
    /// Points still available, descending.
    ScoreImpact,
    Title,
    /// Priority bucket (P1 first, unrated last), then points still available, descending.
    Bucket,
}

/// Filters on the list (applied by `item_list`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RecommendationFilter {
    pub product: Option<Product>,
    pub category: Option<String>,
    pub status: Option<Status>,
    pub service: Option<String>,
    /// Case-insensitive text in the title or the control id.
    pub text: Option<String>,
    pub regressed: Option<bool>,
    pub unmatched: Option<bool>,
    /// Also list items Microsoft no longer lists.
    pub include_removed: bool,
    /// Only items in this priority bucket.
    pub bucket: Option<crate::domain::bucket::Bucket>,
    /// Only items owned by this user (id) or team (name).
    pub owner: Option<String>,
    /// Only items with this tag.
    pub tag: Option<String>,
    pub sort: RecommendationSort,
}

/// One recommendation of the tenant.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<Recommendation, StoreError> {
    let model = find(conn, tenant, id).await?;
    with_links(conn, tenant, vec![model], now).await?.into_iter().next().ok_or(StoreError::NotFound("recommendation"))
}

async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: uuid::Uuid,
) -> Result<recommendation::Model, StoreError> {
    recommendation::Entity::find_by_id(id)
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("recommendation"))
}

/// Moves everything recorded against `from` to `into` (status and rating history, source channels, the newer
/// rating), before `from` goes.
/// The one place a merge moves links; later issues add ratings, mappings and register links here.
pub async fn move_links(conn: &impl ConnectionTrait, from: uuid::Uuid, into: uuid::Uuid) -> Result<(), StoreError> {
    let channels = recommendation_source::Entity::find()
        .filter(recommendation_source::Column::RecommendationId.eq(from))
        .all(conn)
        .await?;
    for source in channels {
        let row = recommendation_source::ActiveModel {
            recommendation_id: Set(into),
            channel: Set(source.channel),
            last_imported_at: Set(source.last_imported_at),
        };
        recommendation_source::Entity::insert(row)
            .on_conflict_do_nothing_on([
                recommendation_source::Column::RecommendationId,
                recommendation_source::Column::Channel,
            ])
            .exec(conn)
            .await?;
    }
    status_change::Entity::update_many()
        .col_expr(status_change::Column::RecommendationId, Expr::value(into))
        .filter(status_change::Column::RecommendationId.eq(from))
        .exec(conn)
        .await?;
    // Evidence follows the item it proves.
    evidence_item::Entity::update_many()
        .col_expr(evidence_item::Column::TargetId, Expr::value(into.to_string()))
        .filter(evidence_item::Column::TargetKind.eq(TargetKind::Recommendation.as_str()))
        .filter(evidence_item::Column::TargetId.eq(from.to_string()))
        .exec(conn)
        .await?;
    // The newer rating wins; both stay in the rating history.
    rating_change::Entity::update_many()
        .col_expr(rating_change::Column::RecommendationId, Expr::value(into))
        .filter(rating_change::Column::RecommendationId.eq(from))
        .exec(conn)
        .await?;
    if let Some(from_rating) = rating::Entity::find_by_id(from).one(conn).await? {
        let kept = rating::Entity::find_by_id(into).one(conn).await?;
        if kept.as_ref().is_none_or(|k| k.rated_at < from_rating.rated_at) {
            let version = kept.as_ref().map_or(1, |k| k.version + 1);
            let row = rating::ActiveModel {
                recommendation_id: Set(into),
                tenant_id: Set(from_rating.tenant_id),
                risk_reduction: Set(from_rating.risk_reduction),
                implementation_effort: Set(from_rating.implementation_effort),
                rated_by: Set(from_rating.rated_by),
                rated_at: Set(from_rating.rated_at),
                version: Set(version),
            };
            if kept.is_some() {
                sea_orm::ActiveModelTrait::update(row, conn).await?
            } else {
                sea_orm::ActiveModelTrait::insert(row, conn).await?
            };
        }
    }
    Ok(())
}

/// Links an unmatched item to `external_id`. When the tenant already has an item with that id, the unmatched one
/// is merged into it (its history and links move over); otherwise it simply takes the id.
pub async fn link_external_id(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: uuid::Uuid,
    external_id: String,
    version: Option<i64>,
) -> Result<Recommendation, StoreError> {
    let tx = begin_write(db).await?;
    let item = find(&tx, tenant, id).await?;
    check_version(version, item.version)?;
    if item.control_key.as_deref() == Some(external_id.as_str()) {
        return get(&tx, tenant, id, now).await;
    }
    if !item.unmatched {
        return Err(StoreError::Conflict(format!(
            "this item already has the id `{}`; only unmatched items can be linked",
            item.control_key.unwrap_or_default()
        )));
    }
    let existing = recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::Product.eq(item.product.clone()))
        .filter(recommendation::Column::ControlKey.eq(external_id.clone()))
        .one(&tx)
        .await?;
    let before = serde_json::json!({ "external_id": null, "title": item.title, "unmatched": true });
    let kept = match existing {
        Some(target) => {
            move_links(&tx, item.id, target.id).await?;
            recommendation::Entity::delete_by_id(item.id).exec(&tx).await?;
            let change = Change::new(Chain::Tenant(tenant), actor, "recommendation", target.id, "merge")
                .before(before)
                .after(serde_json::json!({ "external_id": external_id, "merged_id": item.id }));
            audit::append(&tx, now, change).await?;
            target.id
        }
        None => {
            let mut model = item.clone().into_active_model();
            model.control_key = Set(Some(external_id.clone()));
            model.unmatched = Set(false);
            model.updated_at = Set(now);
            model.version = Set(item.version + 1);
            sea_orm::ActiveModelTrait::update(model, &tx).await?;
            let change = Change::new(Chain::Tenant(tenant), actor, "recommendation", item.id, "link")
                .before(before)
                .after(serde_json::json!({ "external_id": external_id, "unmatched": false }));
            audit::append(&tx, now, change).await?;
            item.id
        }
    };
    let linked = get(&tx, tenant, kept, now).await?;
    tx.commit().await?;
    Ok(linked)
}

/// Items and points still available in one bucket.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct BucketSummary {
    pub bucket: crate::domain::bucket::Bucket,
    pub items: u64,
    pub points_available: f64,
}

/// Items and points still available with one team status.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct StatusSummary {
    pub status: Status,
    pub items: u64,
    pub points_available: f64,
    /// Of `items`, those whose status waits for Microsoft's data to confirm it (completed by a person, not yet
    /// fully achieved in the latest import); 0 for every other status.
    pub pending_confirmation: u64,
}

/// The id of the tenant's Microsoft 365 item with the Secure Score control id `control`.
pub async fn id_of_control(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    control: &str,
) -> Result<Option<uuid::Uuid>, StoreError> {
    Ok(recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::Product.eq(Product::M365.as_str()))
        .filter(recommendation::Column::ControlKey.eq(control))
        .one(conn)
        .await?
        .map(|r| r.id))
}

/// Every current (not removed) item of the tenant with its links, for summaries across the tenant; by id.
pub async fn current_views(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<Vec<Recommendation>, StoreError> {
    let rows = recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::RemovedAt.is_null())
        .order_by_asc(recommendation::Column::Id)
        .all(conn)
        .await?;
    with_links(conn, tenant, rows, now).await
}
