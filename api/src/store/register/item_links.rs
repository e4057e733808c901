//! The links items show back to their register entry. Which entry holds an item depends on the date (an entry
//! expires), so the link is read in two steps: the entries linked to each item (stored, kept by the item lists in
//! memory) and the one that holds it today (`held`, pure).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

use super::policy;
use crate::domain::ids::TenantId;
use crate::domain::register::policy::{RegisterPolicy, effective_state};
use crate::domain::register::{Decision, EntryState};
use crate::entities::{risk_acceptance, risk_acceptance_item};
use crate::store::StoreError;

/// The entry an item belongs to, as the item shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ItemRegisterLink {
    pub id: uuid::Uuid,
    pub reference: String,
    pub decision: Decision,
    pub state: EntryState,
}

/// An entry linked to an item, with what its state on a given day is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedEntry {
    pub id: uuid::Uuid,
    pub reference: String,
    pub decision: Decision,
    pub stored_state: EntryState,
    pub review_date: Option<NaiveDate>,
}

/// The entries linked to each of `items`, whatever their state.
pub async fn linked_entries(
    conn: &impl ConnectionTrait,
    items: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, Vec<LinkedEntry>>, StoreError> {
    let links = risk_acceptance_item::Entity::find()
        .filter(risk_acceptance_item::Column::RecommendationId.is_in(items))
        .all(conn)
        .await?;
    if links.is_empty() {
        return Ok(HashMap::new());
    }
    let entries: HashMap<uuid::Uuid, risk_acceptance::Model> = risk_acceptance::Entity::find()
        .filter(risk_acceptance::Column::Id.is_in(links.iter().map(|l| l.entry_id).collect::<BTreeSet<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut result: HashMap<uuid::Uuid, Vec<LinkedEntry>> = HashMap::new();
    for link in links {
        let Some(entry) = entries.get(&link.entry_id) else { continue };
        result.entry(link.recommendation_id).or_default().push(LinkedEntry {
            id: entry.id,
            reference: entry.reference.clone(),
            decision: entry.decision.parse().unwrap_or(Decision::RiskAcceptance),
            stored_state: entry.state.parse().unwrap_or(EntryState::Draft),
            review_date: entry.review_date,
        });
    }
    Ok(result)
}

/// The open (or in-force) entry that holds an item on `now`'s date among its linked `entries`; an approved one
/// wins over a proposal.
pub fn held(entries: &[LinkedEntry], policy: &RegisterPolicy, now: DateTime<Utc>) -> Option<ItemRegisterLink> {
    let mut held: Option<ItemRegisterLink> = None;
    for entry in entries {
        let state = effective_state(entry.stored_state, entry.review_date, now.date_naive(), policy.grace_days);
        if !state.is_open() {
            continue;
        }
        if held.as_ref().is_none_or(|h| h.state != EntryState::Approved) {
            held = Some(ItemRegisterLink {
                id: entry.id,
                reference: entry.reference.clone(),
                decision: entry.decision,
                state,
            });
        }
    }
    held
}

/// Each item's open (or in-force) entry among `items`; an approved one wins over a proposal.
pub async fn links_for(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    items: impl Iterator<Item = uuid::Uuid>,
    now: DateTime<Utc>,
) -> Result<HashMap<uuid::Uuid, ItemRegisterLink>, StoreError> {
    let linked = linked_entries(conn, items).await?;
    if linked.is_empty() {
        return Ok(HashMap::new());
    }
    let policy = policy(conn, tenant).await?.value;
    Ok(linked.into_iter().filter_map(|(item, entries)| held(&entries, &policy, now).map(|h| (item, h))).collect())
}

/// The reference of the approved entry in force that holds an item, if any.
pub async fn holding_entry(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    item: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let links = links_for(conn, tenant, std::iter::once(item), now).await?;
    Ok(links.get(&item).filter(|l| l.state == EntryState::Approved).map(|l| l.reference.clone()))
}
