//! Reading `list_changes`, the change log the database's triggers keep (migration `create_list_changes`).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::ids::TenantId;
use crate::entities::list_change::{Column as C, Entity as ListChange};
use crate::store::StoreError;

/// Changes past which a list is read again whole rather than item by item.
pub const MOST_ITEM_CHANGES: usize = 2_000;

/// What changed for one tenant's list since a sequence number.
#[derive(Debug, Default, PartialEq)]
pub struct Pending {
    /// The newest sequence number read (the list is current up to it once the changes are applied).
    pub seq: i64,
    /// Ids of the tenant's items (or items gone from it) to read again.
    pub items: Vec<uuid::Uuid>,
    /// The rules, scope, policy or connectors changed: place every item again.
    pub context: bool,
    /// Frameworks or shipped mappings changed, or too much changed to go item by item: read everything again.
    pub everything: bool,
}

impl Pending {
    /// Nothing of this tenant changed (other tenants' changes only move the sequence number).
    pub fn is_unchanged(&self) -> bool {
        self.items.is_empty() && !self.context && !self.everything
    }
}

/// The newest sequence number, to start a list from (0 while nothing ever changed).
pub async fn newest(conn: &impl ConnectionTrait) -> Result<i64, StoreError> {
    let newest: Option<Option<i64>> =
        ListChange::find().select_only().expr(C::Seq.max()).into_tuple().one(conn).await?;
    Ok(newest.flatten().unwrap_or(0))
}

/// What changed for `tenant` after `seq`. One indexed query that reads no row while nothing changed.
pub async fn since(conn: &impl ConnectionTrait, tenant: TenantId, seq: i64) -> Result<Pending, StoreError> {
    let rows = ListChange::find()
        .filter(C::Seq.gt(seq))
        .order_by_asc(C::Seq)
        .limit(MOST_ITEM_CHANGES as u64 + 1)
        .all(conn)
        .await?;
    let mut pending = Pending { seq, ..Pending::default() };
    if rows.len() > MOST_ITEM_CHANGES {
        // The rows are the oldest of more: read the rest as "everything", from the newest number.
        pending.everything = true;
        pending.seq = newest(conn).await?;
        return Ok(pending);
    }
    for row in rows {
        pending.seq = pending.seq.max(row.seq);
        let ours = row.tenant_id.is_none_or(|t| t == tenant.0);
        match row.kind.as_str() {
            "item" if ours => pending.items.push(row.key),
            "context" if ours => pending.context = true,
            "catalog" => pending.everything = true,
            _ => {}
        }
    }
    Ok(pending)
}
