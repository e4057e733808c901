//! The team's ratings of items, with the history of every change. Imports never touch them.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use std::collections::HashMap;

use super::audit::{self, Change};
use super::error::check_version;
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::domain::rating::{Level, Rating};
use crate::entities::{rating, rating_change, recommendation};

/// An item's rating as the API shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RatingView {
    pub risk_reduction: Option<Level>,
    pub implementation_effort: Option<Level>,
    pub rated_by: Option<String>,
    pub rated_at: Option<DateTime<Utc>>,
    /// Send back as `version` to change the rating; 0 while never rated.
    pub version: i64,
}

impl RatingView {
    /// The two axes.
    pub fn rating(&self) -> Rating {
        Rating { risk_reduction: self.risk_reduction, implementation_effort: self.implementation_effort }
    }
}

fn view(m: rating::Model) -> RatingView {
    RatingView {
        risk_reduction: m.risk_reduction.as_deref().and_then(Level::parse),
        implementation_effort: m.implementation_effort.as_deref().and_then(Level::parse),
        rated_by: Some(m.rated_by),
        rated_at: Some(m.rated_at),
        version: m.version,
    }
}

/// The ratings of `ids` (absent = never rated).
pub async fn ratings_for(
    conn: &impl ConnectionTrait,
    ids: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, RatingView>, StoreError> {
    let rows = rating::Entity::find().filter(rating::Column::RecommendationId.is_in(ids)).all(conn).await?;
    Ok(rows.into_iter().map(|r| (r.recommendation_id, view(r))).collect())
}

/// The ratings of every item of `tenant` (absent = never rated).
pub async fn ratings_of_tenant(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<HashMap<uuid::Uuid, RatingView>, StoreError> {
    let rows = rating::Entity::find().filter(rating::Column::TenantId.eq(tenant.0)).all(conn).await?;
    Ok(rows.into_iter().map(|r| (r.recommendation_id, view(r))).collect())
}

/// Who rates, when, in which tenant.
#[derive(Debug, Clone, Copy)]
pub struct Rater<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub tenant: TenantId,
}

/// Writes one rating and its history row inside the caller's transaction, checking `version` when given; answers
/// the old rating. The caller appends the audit row (one per change, or its bulk operation's one row).
pub async fn write(
    conn: &impl ConnectionTrait,
    rater: Rater<'_>,
    id: uuid::Uuid,
    new: Rating,
    note: Option<String>,
    version: Option<i64>,
) -> Result<RatingView, StoreError> {
    let Rater { actor, now, tenant } = rater;
    recommendation::Entity::find_by_id(id)
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("recommendation"))?;
    let current = rating::Entity::find_by_id(id).one(conn).await?;
    let old = current.clone().map(view).unwrap_or_default();
    check_version(version, old.version)?;
    let name = |l: Option<Level>| l.map(|l| l.as_str().to_owned());
    let row = rating::ActiveModel {
        recommendation_id: Set(id),
        tenant_id: Set(tenant.0),
        risk_reduction: Set(name(new.risk_reduction)),
        implementation_effort: Set(name(new.implementation_effort)),
        rated_by: Set(actor.name.clone()),
        rated_at: Set(now),
        version: Set(old.version + 1),
    };
    if current.is_some() {
        row.update(conn).await?
    } else {
        row.insert(conn).await?
    };
    rating_change::ActiveModel {
        tenant_id: Set(tenant.0),
        recommendation_id: Set(id),
        at: Set(now),
        actor_name: Set(actor.name.clone()),
        from_risk: Set(name(old.risk_reduction)),
        from_effort: Set(name(old.implementation_effort)),
        to_risk: Set(name(new.risk_reduction)),
        to_effort: Set(name(new.implementation_effort)),
        note: Set(note),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(old)
}

fn axes(rating: Rating) -> serde_json::Value {
    serde_json::json!({ "risk_reduction": rating.risk_reduction, "implementation_effort": rating.implementation_effort })
}

/// Sets an item's rating (either axis may be cleared), recording the change and its note.
pub async fn set_rating(
    db: &DatabaseConnection,
    rater: Rater<'_>,
    id: uuid::Uuid,
    new: Rating,
    note: Option<String>,
    version: Option<i64>,
) -> Result<(), StoreError> {
    let Rater { actor, now, tenant } = rater;
    let tx = begin_write(db).await?;
    let old = write(&tx, rater, id, new, note.clone(), version).await?;
    let mut change =
        Change::new(Chain::Tenant(tenant), actor, "rating", id, "set").before(axes(old.rating())).after(axes(new));
    if let Some(note) = note {
        change = change.comment(note);
    }
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Rates many items in one transaction, recorded as one audit row with the run's id and the SHA-256 of its
/// change list. Either every rating is written or none.
pub async fn set_many(
    db: &DatabaseConnection,
    rater: Rater<'_>,
    ratings: &[(uuid::Uuid, Rating)],
    note: Option<String>,
) -> Result<uuid::Uuid, StoreError> {
    let Rater { actor, now, tenant } = rater;
    let tx = begin_write(db).await?;
    let mut changes = Vec::with_capacity(ratings.len());
    for (id, new) in ratings {
        let old = write(&tx, rater, *id, *new, note.clone(), None).await?;
        changes.push(serde_json::json!({ "id": id, "from": axes(old.rating()), "to": axes(*new) }));
    }
    let run_id = uuid::Uuid::now_v7();
    let mut change = Change::new(Chain::Tenant(tenant), actor, "rating", run_id, "bulk_set")
        .after(serde_json::json!({ "items": ratings.len() }));
    if let Some(note) = note {
        change = change.comment(note);
    }
    audit::append_bulk(&tx, now, change, run_id.to_string(), &changes).await?;
    tx.commit().await?;
    Ok(run_id)
}
