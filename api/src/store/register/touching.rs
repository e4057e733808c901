//! The live register entries over a whole tenant, per item: what the Statement of Applicability shows as the
//! risk acceptances touching a control. Read in one pass over each table, whatever the number of items.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

use super::item_links::ItemRegisterLink;
use super::read::effective;
use crate::domain::ids::TenantId;
use crate::domain::register::{Decision, EntryState};
use crate::entities::{risk_acceptance, risk_acceptance_item};
use crate::store::StoreError;

/// Each item of the tenant held by an entry that is submitted, reviewed or approved (in its effective state:
/// an approval past its review date and grace period has expired), with those entries in reference order.
pub async fn live_entries_by_item(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<HashMap<uuid::Uuid, Vec<ItemRegisterLink>>, StoreError> {
    let links = risk_acceptance_item::Entity::find()
        .filter(risk_acceptance_item::Column::TenantId.eq(tenant.0))
        .all(conn)
        .await?;
    if links.is_empty() {
        return Ok(HashMap::new());
    }
    let policy = super::policy(conn, tenant).await?.value;
    let live: HashMap<uuid::Uuid, ItemRegisterLink> = risk_acceptance::Entity::find()
        .filter(risk_acceptance::Column::TenantId.eq(tenant.0))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|entry| {
            let state = effective(&entry, &policy, now);
            matches!(state, EntryState::Submitted | EntryState::Reviewed | EntryState::Approved).then(|| {
                let link = ItemRegisterLink {
                    id: entry.id,
                    reference: entry.reference.clone(),
                    decision: entry.decision.parse().unwrap_or(Decision::RiskAcceptance),
                    state,
                };
                (entry.id, link)
            })
        })
        .collect();
    let mut by_item: HashMap<uuid::Uuid, Vec<ItemRegisterLink>> = HashMap::new();
    for link in links {
        if let Some(entry) = live.get(&link.entry_id) {
            by_item.entry(link.recommendation_id).or_default().push(entry.clone());
        }
    }
    for entries in by_item.values_mut() {
        entries.sort_by(|a, b| a.reference.cmp(&b.reference));
    }
    Ok(by_item)
}
