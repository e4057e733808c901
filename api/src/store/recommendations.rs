//! Reading recommendations, and linking an unmatched one to its control id by hand.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::audit::{self, Change};
use super::error::check_version;
use super::page::{Page, PageRequest};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{Channel, Product, Status};
use crate::entities::{rating, rating_change, recommendation, recommendation_source, status_change};

/// A channel an item came through and its last import.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SourceSeen {
    pub channel: Channel,
    pub last_imported_at: DateTime<Utc>,
}

/// A recommendation as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub id: uuid::Uuid,
    pub product: Product,
    /// The Secure Score control id (e.g. `AdminMFAV2`), or `{subscription}/{control}`; `null` while unmatched.
    pub external_id: Option<String>,
    /// A file row whose control id was not found; link it with `PUT …/external-id`.
    pub unmatched: bool,
    /// Normalised title used to match files that carry no control id.
    pub match_key: String,
    pub title: String,
    pub category: Option<String>,
    pub service: Option<String>,
    /// Points Microsoft awards at most.
    pub max: f64,
    /// Points achieved; `null` = not applicable to this tenant.
    pub achieved: Option<f64>,
    /// max − achieved (0 when not applicable).
    pub points_available: f64,
    pub score_impact: Option<f64>,
    pub rank: Option<i32>,
    pub implementation_cost: String,
    pub user_impact: String,
    pub tier: Option<String>,
    pub threats: Vec<String>,
    /// Microsoft's remediation text; may contain HTML (render it sanitised).
    pub remediation: Option<String>,
    pub remediation_impact: Option<String>,
    pub action_type: Option<String>,
    pub action_url: Option<String>,
    pub deprecated: bool,
    /// Microsoft's state as imported (`Default`, `Ignored`, "Risk accepted", …).
    pub ms_state: Option<String>,
    pub implementation_status: Option<String>,
    /// Defender for Cloud resource counts.
    pub healthy_count: Option<i64>,
    pub unhealthy_count: Option<i64>,
    pub not_applicable_count: Option<i64>,
    /// The team's status.
    pub status: Status,
    /// Completed and confirmed by Microsoft's data.
    pub status_confirmed: bool,
    /// Completed by a person, not yet confirmed by Microsoft (it refreshes within about 24–48 h).
    pub pending_confirmation: bool,
    /// Microsoft says "risk accepted" but no approved register entry covers it.
    pub unmanaged_acceptance: bool,
    pub regressed: bool,
    pub regressed_at: Option<DateTime<Utc>>,
    pub sources: Vec<SourceSeen>,
    /// The framework controls the item maps to (shipped defaults for its control id).
    pub mappings: Vec<super::catalogs::MappedControl>,
    /// The team's rating; unrated until both axes are set.
    pub rating: super::ratings::RatingView,
    /// What Microsoft's fields suggest; never counts until a person accepts it.
    pub suggested_rating: crate::domain::suggestion::SuggestedRating,
    /// Maps to at least one control of a framework in the tenant's audit scope.
    pub regulatory_alignment: bool,
    pub bucket: crate::domain::bucket::Bucket,
    /// The rule that placed the item (`null` while unrated).
    pub bucket_rule: Option<String>,
    /// In P1: high risk reduction, low effort, aligned.
    pub quick_win: bool,
    pub last_synced: Option<DateTime<Utc>>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// When Microsoft's catalog stopped listing it.
    pub removed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// Everything linked to an item that its view shows.
struct Links {
    sources: Vec<SourceSeen>,
    mappings: Vec<super::catalogs::MappedControl>,
    rating: super::ratings::RatingView,
}

fn view(m: recommendation::Model, links: Links) -> Recommendation {
    use crate::domain::bucket::{Bucket, DEFAULT_AUDIT_SCOPE, RuleSet};
    use crate::domain::suggestion::{ProfileFacts, suggest};
    let status: Status = m.status.parse().unwrap_or(Status::ToAddress);
    let threats: Vec<String> = serde_json::from_str(&m.threats).unwrap_or_default();
    let suggested_rating = suggest(ProfileFacts {
        implementation_cost: &m.implementation_cost,
        max_score: m.max_score,
        tier: m.tier.as_deref(),
        threats: &threats,
    });
    let regulatory_alignment = links.mappings.iter().any(|c| DEFAULT_AUDIT_SCOPE.contains(&c.framework.as_str()));
    let placement = RuleSet::default_rules().place_item(links.rating.rating(), regulatory_alignment);
    let points_available = m.achieved.map(|a| (m.max_score - a).max(0.0)).unwrap_or(0.0);
    Recommendation {
        id: m.id,
        product: m.product.parse().unwrap_or(Product::M365),
        external_id: m.control_key,
        unmatched: m.unmatched,
        match_key: m.match_key,
        title: m.title,
        category: m.category,
        service: m.service,
        max: m.max_score,
        achieved: m.achieved,
        points_available: crate::domain::score::round2(points_available),
        score_impact: m.score_impact,
        rank: m.rank,
        implementation_cost: m.implementation_cost,
        user_impact: m.user_impact,
        tier: m.tier,
        threats,
        remediation: m.remediation,
        remediation_impact: m.remediation_impact,
        action_type: m.action_type,
        action_url: m.action_url,
        deprecated: m.deprecated,
        ms_state: m.ms_state,
        implementation_status: m.implementation_status,
        healthy_count: m.healthy_count,
        unhealthy_count: m.unhealthy_count,
        not_applicable_count: m.not_applicable_count,
        pending_confirmation: status == Status::Completed && !m.status_confirmed,
        status,
        status_confirmed: m.status_confirmed,
        unmanaged_acceptance: m.unmanaged_acceptance,
        regressed: m.regressed,
        regressed_at: m.regressed_at,
        sources: links.sources,
        mappings: links.mappings,
        rating: links.rating,
        suggested_rating,
        regulatory_alignment,
        quick_win: placement.bucket == Bucket::P1,
        bucket: placement.bucket,
        bucket_rule: placement.rule,
        last_synced: m.last_synced,
        first_seen: m.first_seen,
        last_seen: m.last_seen,
        removed_at: m.removed_at,
        version: m.version,
    }
}

async fn sources_of(
    conn: &impl ConnectionTrait,
    ids: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, Vec<SourceSeen>>, StoreError> {
    let rows = recommendation_source::Entity::find()
        .filter(recommendation_source::Column::RecommendationId.is_in(ids))
        .order_by_asc(recommendation_source::Column::Channel)
        .all(conn)
        .await?;
    let mut map: HashMap<uuid::Uuid, Vec<SourceSeen>> = HashMap::new();
    for row in rows {
        let Ok(channel) = row.channel.parse() else { continue };
        map.entry(row.recommendation_id)
            .or_default()
            .push(SourceSeen { channel, last_imported_at: row.last_imported_at });
    }
    Ok(map)
}

/// How a list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationSort {
    /// Microsoft's rank, ascending (unranked last).
    #[default]
    Rank,
    /// Points still available, descending.
    ScoreImpact,
    Title,
}

/// Filters on the list.
#[derive(Debug, Clone, Default)]
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
    pub sort: RecommendationSort,
}

/// A page of the tenant's recommendations. The cursor is an offset into the stable sort (id breaks ties).
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &RecommendationFilter,
    page: &PageRequest,
) -> Result<Page<Recommendation>, StoreError> {
    use recommendation::Column as C;
    let mut query = recommendation::Entity::find().filter(C::TenantId.eq(tenant.0));
    if let Some(product) = filter.product {
        query = query.filter(C::Product.eq(product.as_str()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(ExprTrait::eq(Expr::expr(Func::lower(Expr::col(C::Category))), category.to_lowercase()));
    }
    if let Some(status) = filter.status {
        query = query.filter(C::Status.eq(status.as_str()));
    }
    if let Some(service) = &filter.service {
        query = query.filter(ExprTrait::eq(Expr::expr(Func::lower(Expr::col(C::Service))), service.to_lowercase()));
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern =
            format!("%{}%", text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        query = query.filter(
            sea_orm::Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(C::Title))).like(LikeExpr::new(&pattern).escape('\\')))
                .add(Expr::expr(Func::lower(Expr::col(C::ControlKey))).like(LikeExpr::new(&pattern).escape('\\'))),
        );
    }
    if let Some(regressed) = filter.regressed {
        query = query.filter(C::Regressed.eq(regressed));
    }
    if let Some(unmatched) = filter.unmatched {
        query = query.filter(C::Unmatched.eq(unmatched));
    }
    if !filter.include_removed {
        query = query.filter(C::RemovedAt.is_null());
    }
    let total = query.clone().count(conn).await?;
    query = match filter.sort {
        RecommendationSort::Rank => query.order_by(Expr::col(C::Rank).is_null(), Order::Asc).order_by_asc(C::Rank),
        RecommendationSort::ScoreImpact => query.order_by(
            Expr::expr(Func::coalesce([Expr::col(C::MaxScore).sub(Expr::col(C::Achieved)), Expr::val(0.0)])),
            Order::Desc,
        ),
        RecommendationSort::Title => query.order_by_asc(C::Title),
    };
    let offset = page.after_offset()?;
    let rows = query.order_by_asc(C::Id).offset(offset).limit(page.limit + 1).all(conn).await?;
    Ok(Page::from_offset(with_links(conn, rows).await?, page.limit, total, offset))
}

/// One recommendation of the tenant.
pub async fn get(conn: &impl ConnectionTrait, tenant: TenantId, id: uuid::Uuid) -> Result<Recommendation, StoreError> {
    let model = find(conn, tenant, id).await?;
    with_links(conn, vec![model]).await?.into_iter().next().ok_or(StoreError::NotFound("recommendation"))
}

/// Views of `rows` with their sources and mappings, read in one query each.
async fn with_links(
    conn: &impl ConnectionTrait,
    rows: Vec<recommendation::Model>,
) -> Result<Vec<Recommendation>, StoreError> {
    let mut sources = sources_of(conn, rows.iter().map(|r| r.id)).await?;
    let keys: Vec<String> = rows.iter().filter_map(|r| r.control_key.clone()).collect();
    let mappings = super::catalogs::mappings_for(conn, &keys).await?;
    let mut ratings = super::ratings::ratings_for(conn, rows.iter().map(|r| r.id)).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let links = Links {
                sources: sources.remove(&m.id).unwrap_or_default(),
                mappings: m.control_key.as_ref().and_then(|k| mappings.get(k)).cloned().unwrap_or_default(),
                rating: ratings.remove(&m.id).unwrap_or_default(),
            };
            view(m, links)
        })
        .collect())
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
        return get(&tx, tenant, id).await;
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
    let linked = get(&tx, tenant, kept).await?;
    tx.commit().await?;
    Ok(linked)
}
