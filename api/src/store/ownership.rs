//! Who owns an item, its tags, and the team's append-only notes on it (the seed's "triage and assign an owner").

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use std::collections::HashMap;

use super::audit::{self, Change};
use super::error::check_version;
use super::ratings::Rater;
use super::{StoreError, begin_write, memberships};
use crate::domain::ValidationError;
use crate::domain::audit::Chain;
use crate::domain::ids::UserId;
use crate::entities::{item_note, item_ownership, recommendation};

/// An item's owner and tags as the API shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Ownership {
    /// A user who owns the item (a member of the tenant).
    pub owner_user_id: Option<uuid::Uuid>,
    /// Or a team, by name.
    pub owner_team: Option<String>,
    pub tags: Vec<String>,
    /// Send back as `version` to change it; 0 while never set.
    pub version: i64,
}

fn view(m: item_ownership::Model) -> Ownership {
    Ownership {
        owner_user_id: m.owner_user_id,
        owner_team: m.owner_team,
        tags: serde_json::from_str(&m.tags).unwrap_or_default(),
        version: m.version,
    }
}

/// The ownership of `ids` (absent = never set).
pub async fn ownership_for(
    conn: &impl ConnectionTrait,
    ids: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, Ownership>, StoreError> {
    let rows =
        item_ownership::Entity::find().filter(item_ownership::Column::RecommendationId.is_in(ids)).all(conn).await?;
    Ok(rows.into_iter().map(|r| (r.recommendation_id, view(r))).collect())
}

/// Normalises tags: trimmed, lower-case, 1–40 characters, at most 20, without repeats.
pub fn check_tags(tags: &[String]) -> Result<Vec<String>, ValidationError> {
    if tags.len() > 20 {
        return Err(ValidationError::field("tags", "at most 20 tags"));
    }
    let mut clean: Vec<String> = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || tag.chars().count() > 40 || tag.chars().any(|c| c.is_control() || c == '"') {
            return Err(ValidationError::field(format!("tags[{i}]"), "must be 1 to 40 characters, no quotes"));
        }
        if !clean.contains(&tag) {
            clean.push(tag);
        }
    }
    Ok(clean)
}

async fn check_item(conn: &impl ConnectionTrait, rater: Rater<'_>, id: uuid::Uuid) -> Result<(), StoreError> {
    recommendation::Entity::find_by_id(id)
        .filter(recommendation::Column::TenantId.eq(rater.tenant.0))
        .one(conn)
        .await?
        .map(|_| ())
        .ok_or(StoreError::NotFound("recommendation"))
}

/// Replaces an item's owner and tags.
pub async fn set(
    db: &DatabaseConnection,
    rater: Rater<'_>,
    id: uuid::Uuid,
    new: Ownership,
    version: Option<i64>,
) -> Result<(), StoreError> {
    let tx = begin_write(db).await?;
    check_item(&tx, rater, id).await?;
    if let Some(user) = new.owner_user_id
        && !memberships::tenants_of(&tx, UserId(user)).await?.contains(&rater.tenant)
    {
        return Err(ValidationError::field("owner_user_id", "must be a member of this tenant").into());
    }
    let current = item_ownership::Entity::find_by_id(id).one(&tx).await?;
    let old = current.clone().map(view).unwrap_or_default();
    check_version(version, old.version)?;
    let row = item_ownership::ActiveModel {
        recommendation_id: Set(id),
        tenant_id: Set(rater.tenant.0),
        owner_user_id: Set(new.owner_user_id),
        owner_team: Set(new.owner_team.clone()),
        tags: Set(serde_json::to_string(&new.tags).unwrap_or_else(|_| "[]".into())),
        updated_by: Set(rater.actor.name.clone()),
        updated_at: Set(rater.now),
        version: Set(old.version + 1),
    };
    if current.is_some() {
        row.update(&tx).await?
    } else {
        row.insert(&tx).await?
    };
    let change = Change::new(Chain::Tenant(rater.tenant), rater.actor, "ownership", id, "set")
        .before(serde_json::to_value(&old).unwrap_or_default())
        .after(serde_json::to_value(Ownership { version: old.version + 1, ..new }).unwrap_or_default());
    audit::append(&tx, rater.now, change).await?;
    tx.commit().await?;
    Ok(())
}

/// A note on an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Note {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub author: String,
    pub text: String,
}

/// Appends a note.
pub async fn add_note(
    db: &DatabaseConnection,
    rater: Rater<'_>,
    id: uuid::Uuid,
    text: String,
) -> Result<Note, StoreError> {
    let tx = begin_write(db).await?;
    check_item(&tx, rater, id).await?;
    let saved = item_note::ActiveModel {
        tenant_id: Set(rater.tenant.0),
        recommendation_id: Set(id),
        at: Set(rater.now),
        actor_name: Set(rater.actor.name.clone()),
        text: Set(text.clone()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    let change = Change::new(Chain::Tenant(rater.tenant), rater.actor, "note", id, "add")
        .after(serde_json::json!({ "text": text }));
    audit::append(&tx, rater.now, change).await?;
    tx.commit().await?;
    Ok(Note { id: saved.id, at: saved.at, author: saved.actor_name, text: saved.text })
}

/// An item's notes, oldest first.
pub async fn notes(
    conn: &impl ConnectionTrait,
    rater_tenant: crate::domain::ids::TenantId,
    id: uuid::Uuid,
) -> Result<Vec<Note>, StoreError> {
    let rows = item_note::Entity::find()
        .filter(item_note::Column::TenantId.eq(rater_tenant.0))
        .filter(item_note::Column::RecommendationId.eq(id))
        .order_by_asc(item_note::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|n| Note { id: n.id, at: n.at, author: n.actor_name, text: n.text }).collect())
}
