//! The triage workbook's data: the rows an export writes (every current item in bucket order, with its owner's
//! name) and, for an import, the tenant's items as they are now and the controls it may name. Applying an
//! import is in [`apply`].

mod apply;

pub use apply::{TriageEdit, TriageImportSummary, TriageOutcome, apply};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeSet, HashMap, HashSet};

use super::StoreError;
use super::recommendations::Recommendation;
use crate::domain::audit::Chain;
use crate::domain::ids::TenantId;
use crate::domain::triage_workbook::{Catalog, ChangedBy, ControlRef, CurrentItem, KnownControl, KnownFramework};
use crate::entities::{audit_log, framework_control, mapping_override, recommendation};

/// One row of the export.
#[derive(Debug, Clone)]
pub struct TriageExportRow {
    pub item: Recommendation,
    /// The owner's display name, or the owning team.
    pub owner: Option<String>,
}

/// The ids of every current (not removed) item of the tenant in the export's order: P1 first, then by points
/// still available (`priority_order`). The rows are read a chunk at a time with [`export_rows`].
pub async fn export_order(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<uuid::Uuid>, StoreError> {
    Ok(super::priority_order::ranked_items(conn, tenant).await?.into_iter().map(|i| i.id).collect())
}

/// The export rows of `ids` (a chunk of [`export_order`]), in that order, with their owners' names.
pub async fn export_rows(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[uuid::Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<TriageExportRow>, StoreError> {
    let items = super::priority_order::views_in_order(conn, tenant, ids, now).await?;
    let people: HashSet<uuid::Uuid> = items.iter().filter_map(|i| i.ownership.owner_user_id).collect();
    let names = super::users::display_names(conn, people).await?;
    Ok(items
        .into_iter()
        .map(|item| {
            let person = item.ownership.owner_user_id.and_then(|id| names.get(&id).cloned());
            let owner = person.or_else(|| item.ownership.owner_team.clone());
            TriageExportRow { item, owner }
        })
        .collect())
}

/// The frameworks `tenant` sees (shipped and its own, archived ones too) with all their controls.
pub(super) async fn catalog(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Catalog, StoreError> {
    let mut frameworks: Vec<KnownFramework> = Vec::new();
    let mut keys: HashMap<uuid::Uuid, String> = HashMap::new();
    for f in super::frameworks::all_visible(conn, tenant).await? {
        // A shipped key wins over a tenant's own of the same key, as `frameworks::visible` decides.
        if frameworks.iter().any(|known| known.key == f.key) {
            continue;
        }
        keys.insert(f.id, f.key.clone());
        frameworks.push(KnownFramework { key: f.key, name: f.name, archived: f.archived_at.is_some() });
    }
    let controls = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.is_in(keys.keys().copied()))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|c| {
            let key = keys.get(&c.framework_id)?;
            Some(KnownControl {
                control: ControlRef::new(key.clone(), c.control_id),
                display_id: c.display_id,
                retired: c.retired,
            })
        })
        .collect();
    Ok(Catalog::new(frameworks, controls))
}

/// Every item of the tenant (removed ones too: they can still be rated) as it is now, by id.
pub(super) async fn current_items(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<HashMap<uuid::Uuid, CurrentItem>, StoreError> {
    let keys: Vec<(uuid::Uuid, Option<String>)> = recommendation::Entity::find()
        .select_only()
        .column(recommendation::Column::Id)
        .column(recommendation::Column::ControlKey)
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .into_tuple()
        .all(conn)
        .await?;
    let mut mappings = super::catalogs::effective_mappings(conn, &keys).await?;
    let mut ratings = super::ratings::ratings_of_tenant(conn, tenant).await?;
    let mut mapping_changes = mapping_changes(conn, tenant).await?;
    Ok(keys
        .into_iter()
        .map(|(id, _)| {
            let rating = ratings.remove(&id).unwrap_or_default();
            let rating_changed = rating.rated_by.clone().zip(rating.rated_at).map(|(by, at)| ChangedBy { by, at });
            let mapped: BTreeSet<ControlRef> = mappings
                .remove(&id)
                .unwrap_or_default()
                .into_iter()
                .map(|m| ControlRef::new(m.framework, m.control_id))
                .collect();
            let item = CurrentItem {
                rating_version: rating.version,
                rating: rating.rating(),
                mappings: mapped,
                rating_changed,
                mappings_changed: mapping_changes.remove(&id),
            };
            (id, item)
        })
        .collect())
}

/// The newest recorded change of each item's mappings by a person: the mapping overrides (who added or removed
/// a control, and when) and the audit rows of single mapping changes (which also record removing an added one).
async fn mapping_changes(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<HashMap<uuid::Uuid, ChangedBy>, StoreError> {
    let mut newest: HashMap<uuid::Uuid, ChangedBy> = HashMap::new();
    let mut note = |item: uuid::Uuid, by: String, at: DateTime<Utc>| {
        if newest.get(&item).is_none_or(|known| known.at < at) {
            newest.insert(item, ChangedBy { by, at });
        }
    };
    let overrides =
        mapping_override::Entity::find().filter(mapping_override::Column::TenantId.eq(tenant.0)).all(conn).await?;
    for o in overrides {
        note(o.recommendation_id, o.actor_name, o.at);
    }
    let audited: Vec<(String, String, DateTime<Utc>)> = audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::EntityId)
        .column(audit_log::Column::ActorName)
        .column(audit_log::Column::At)
        .filter(audit_log::Column::Chain.eq(Chain::Tenant(tenant).key()))
        .filter(audit_log::Column::Entity.eq("mapping"))
        .filter(audit_log::Column::Action.is_in(["add", "remove"]))
        .into_tuple()
        .all(conn)
        .await?;
    for (entity, by, at) in audited {
        if let Ok(item) = uuid::Uuid::parse_str(&entity) {
            note(item, by, at);
        }
    }
    Ok(newest)
}
