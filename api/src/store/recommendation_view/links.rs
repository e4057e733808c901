//! Reading everything an item's view shows beside its own row, one query per kind for a chunk of items.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

use super::{Recommendation, SourceSeen, view};
use crate::domain::bucket::RuleSet;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Status;
use crate::domain::register::policy::RegisterPolicy;
use crate::entities::{recommendation, recommendation_source};
use crate::store::register::LinkedEntry;
use crate::store::{StoreError, connectors, triage_settings};

/// Everything linked to an item that its view shows, as stored: nothing here depends on the date, so the item
/// lists can keep it in memory and resolve the dated parts (which register entry holds the item) when shown.
#[derive(Debug, Clone)]
pub(in crate::store) struct Links {
    pub sources: Vec<SourceSeen>,
    pub mappings: Vec<crate::store::catalogs::MappedControl>,
    pub mapping_reviewed: bool,
    pub rating: crate::store::ratings::RatingView,
    pub ownership: crate::store::ownership::Ownership,
    pub write_back: Option<crate::store::write_backs::WriteBack>,
    /// Every register entry linked to the item, whatever its state.
    pub register_entries: Vec<LinkedEntry>,
    /// When a person last marked the item completed (read only for completions Microsoft has not confirmed).
    pub marked_done_at: Option<DateTime<Utc>>,
}

/// The tenant's settings that place and show its items: rule table, audit scope, register policy and Defender for
/// Cloud subscriptions.
#[derive(Debug, Clone)]
pub(in crate::store) struct TenantContext {
    pub rules: RuleSet,
    pub scope: Vec<String>,
    pub register_policy: RegisterPolicy,
    /// `None` without a Defender for Cloud connector.
    pub defender_subscriptions: Option<Vec<String>>,
}

impl TenantContext {
    /// The tenant's current settings.
    pub async fn of(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Self, StoreError> {
        let rules = triage_settings::rules(conn, tenant).await?.value;
        let scope = triage_settings::scope(conn, tenant).await?.value.frameworks;
        let register_policy = crate::store::register::policy(conn, tenant).await?.value;
        let defender = connectors::settings_of(conn, tenant, connectors::ConnectorKind::Defender).await?;
        let defender_subscriptions = defender.map(|c| c.settings.subscription_ids);
        Ok(Self { rules, scope, register_policy, defender_subscriptions })
    }

    /// Whether `mappings` reach a framework in the audit scope.
    pub fn aligned(&self, mappings: &[crate::store::catalogs::MappedControl]) -> bool {
        mappings.iter().any(|c| self.scope.contains(&c.framework))
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

/// Views of `rows` with their sources and mappings, read in one query each.
pub(in crate::store) async fn with_links(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    rows: Vec<recommendation::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<Recommendation>, StoreError> {
    let context = TenantContext::of(conn, tenant).await?;
    let mut views = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<recommendation::Model> = rows.by_ref().take(LINK_CHUNK).collect();
        let links = links_of(conn, &chunk).await?;
        views.extend(chunk.into_iter().zip(links).map(|(m, links)| view(m, links, &context, now)));
    }
    Ok(views)
}

/// Items per round of link look-ups: each look-up binds one value per item, and SQLite allows 32 766.
pub(in crate::store) const LINK_CHUNK: usize = 10_000;

/// The links of each of `rows` (at most [`LINK_CHUNK`]), in their order, read in one query per kind.
pub(in crate::store) async fn links_of(
    conn: &impl ConnectionTrait,
    rows: &[recommendation::Model],
) -> Result<Vec<Links>, StoreError> {
    let mut sources = sources_of(conn, rows.iter().map(|r| r.id)).await?;
    let keys: Vec<(uuid::Uuid, Option<String>)> = rows.iter().map(|r| (r.id, r.control_key.clone())).collect();
    let mut mappings = crate::store::catalogs::effective_mappings(conn, &keys).await?;
    let reviewed: std::collections::HashSet<uuid::Uuid> = crate::entities::mapping_review::Entity::find()
        .filter(crate::entities::mapping_review::Column::RecommendationId.is_in(rows.iter().map(|r| r.id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.recommendation_id)
        .collect();
    let mut ratings = crate::store::ratings::ratings_for(conn, rows.iter().map(|r| r.id)).await?;
    let mut ownership = crate::store::ownership::ownership_for(conn, rows.iter().map(|r| r.id)).await?;
    let mut write_backs = crate::store::write_backs::latest_for(conn, rows.iter().map(|r| r.id)).await?;
    let mut entries = crate::store::register::linked_entries(conn, rows.iter().map(|r| r.id)).await?;
    let pending = rows.iter().filter(|r| r.status == Status::Completed.as_str() && !r.status_confirmed).map(|r| r.id);
    let mut marked = crate::store::diagnosis::marked_done(conn, pending).await?;
    Ok(rows
        .iter()
        .map(|m| Links {
            sources: sources.remove(&m.id).unwrap_or_default(),
            mappings: mappings.remove(&m.id).unwrap_or_default(),
            mapping_reviewed: reviewed.contains(&m.id),
            rating: ratings.remove(&m.id).unwrap_or_default(),
            ownership: ownership.remove(&m.id).unwrap_or_default(),
            write_back: write_backs.remove(&m.id),
            register_entries: entries.remove(&m.id).unwrap_or_default(),
            marked_done_at: marked.remove(&m.id).map(|m| m.at),
        })
        .collect())
}
