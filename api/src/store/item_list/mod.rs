//! The item lists: each tenant's items held in memory as the list shows them, kept current by the change log the
//! database's triggers write in every writing transaction (`changes`).
//!
//! Why: a page read from the database costs a query per kind of link and hands every row across sqlx's worker
//! thread, and filtering by bucket means placing every item, since buckets are derived from ratings, mappings,
//! scope and rules. Held in memory, a page costs one indexed query that reads no row while nothing changed; a
//! change re-reads only the items it names; new rules or a new scope place every item again without reading it.
//! The log lives in the database, so writes by background jobs, the CLI or another process are seen too.

mod changes;
mod snapshot;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use self::changes::Pending;
use self::snapshot::{Item, Snapshot};
use super::StoreError;
use super::page::{Page, PageRequest};
use super::recommendation_view::{LINK_CHUNK, TenantContext, links_of};
use super::recommendations::{BucketSummary, Recommendation, RecommendationFilter, StatusSummary};
use crate::domain::bucket::Bucket;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Status;
use crate::domain::score::round2;
use crate::entities::recommendation;

/// Items held across all tenants before the least recently read tenants' lists are dropped (read again when
/// next asked for). A Secure Score tenant has a few hundred items, so this holds well over a thousand tenants.
pub const MOST_HELD_ITEMS: usize = 500_000;

/// Every tenant's list that has been read.
#[derive(Default)]
pub struct ItemLists {
    slots: Mutex<HashMap<TenantId, Arc<Slot>>>,
    /// Counts reads, to tell which tenant was read least recently.
    reads: AtomicU64,
}

#[derive(Default)]
struct Slot {
    current: RwLock<Option<Arc<Snapshot>>>,
    /// One look at the change log at a time per tenant; requests that arrive meanwhile wait and take the next.
    refresh: tokio::sync::Mutex<()>,
    /// Looks at the change log started, and the number of the last one finished (with its changes applied).
    looks_started: AtomicU64,
    looked: AtomicU64,
    last_read: AtomicU64,
}

impl Slot {
    fn get(&self) -> Option<Arc<Snapshot>> {
        self.current.read().ok().and_then(|c| c.clone())
    }

    fn set(&self, snapshot: Arc<Snapshot>) {
        if let Ok(mut current) = self.current.write() {
            *current = Some(snapshot);
        }
    }

    fn held_items(&self) -> usize {
        self.get().map_or(0, |s| s.items.len())
    }
}

impl ItemLists {
    /// No list held yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The page of the tenant's items matching `filter`, shown on `now`'s date.
    pub async fn page(
        &self,
        conn: &impl ConnectionTrait,
        tenant: TenantId,
        filter: &RecommendationFilter,
        page: &PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Page<Arc<Recommendation>>, StoreError> {
        let offset = page.after_offset()?;
        Ok(self.current(conn, tenant).await?.page(filter, offset, page.limit, now))
    }

    /// Counts and points still available per bucket over the tenant's current items, every bucket listed.
    pub async fn bucket_summary(
        &self,
        conn: &impl ConnectionTrait,
        tenant: TenantId,
    ) -> Result<Vec<BucketSummary>, StoreError> {
        let snapshot = self.current(conn, tenant).await?;
        let sums = sum_by(&snapshot, |_, bucket| bucket);
        Ok(Bucket::ALL
            .into_iter()
            .map(|bucket| {
                let sum = sums.get(&bucket).copied().unwrap_or_default();
                BucketSummary { bucket, items: sum.items, points_available: round2(sum.points) }
            })
            .collect())
    }

    /// Counts and points still available per team status over the tenant's current items, every status listed.
    pub async fn status_summary(
        &self,
        conn: &impl ConnectionTrait,
        tenant: TenantId,
    ) -> Result<Vec<StatusSummary>, StoreError> {
        let snapshot = self.current(conn, tenant).await?;
        let sums = sum_by(&snapshot, |item, _| item.model.status.parse().unwrap_or(Status::ToAddress));
        Ok(Status::ALL
            .into_iter()
            .map(|status| {
                let sum = sums.get(&status).copied().unwrap_or_default();
                let items = sum.items;
                StatusSummary { status, items, points_available: round2(sum.points), pending_confirmation: sum.pending }
            })
            .collect())
    }

    /// The tenant's list, current to the change log as read after this call began.
    ///
    /// Looks at the log are shared: a look that started after this call began, and has finished, answers for it
    /// too. Under load one query then serves every request that queued behind the previous one, rather than one
    /// query a request, and a write committed before a request began is still always seen by it.
    pub(in crate::store) async fn current(
        &self,
        conn: &impl ConnectionTrait,
        tenant: TenantId,
    ) -> Result<Arc<Snapshot>, StoreError> {
        let slot = self.slot(tenant);
        let began = slot.looks_started.load(Ordering::Acquire);
        let _looking = slot.refresh.lock().await;
        if slot.looked.load(Ordering::Acquire) > began
            && let Some(snapshot) = slot.get()
        {
            return Ok(snapshot);
        }
        let look = slot.looks_started.fetch_add(1, Ordering::AcqRel) + 1;
        let (snapshot, new) = match slot.get() {
            None => (Arc::new(build(conn, tenant).await?), true),
            Some(snapshot) => {
                let pending = changes::since(conn, tenant, snapshot.seq()).await?;
                if pending.is_unchanged() {
                    snapshot.advance(pending.seq);
                    (snapshot, false)
                } else {
                    (Arc::new(apply(conn, tenant, &snapshot, pending).await?), true)
                }
            }
        };
        if new {
            slot.set(snapshot.clone());
            self.drop_beyond_budget(tenant);
        }
        slot.looked.store(look, Ordering::Release);
        Ok(snapshot)
    }

    fn slot(&self, tenant: TenantId) -> Arc<Slot> {
        let read = self.reads.fetch_add(1, Ordering::Relaxed);
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = slots.entry(tenant).or_default().clone();
        slot.last_read.store(read, Ordering::Relaxed);
        slot
    }

    /// Drops the least recently read lists (never `keep`'s) while more than [`MOST_HELD_ITEMS`] are held.
    fn drop_beyond_budget(&self, keep: TenantId) {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut held: usize = slots.values().map(|s| s.held_items()).sum();
        if held <= MOST_HELD_ITEMS {
            return;
        }
        let mut by_age: Vec<(u64, TenantId, usize)> = slots
            .iter()
            .filter(|(tenant, _)| **tenant != keep)
            .map(|(tenant, slot)| (slot.last_read.load(Ordering::Relaxed), *tenant, slot.held_items()))
            .collect();
        by_age.sort_unstable_by_key(|(read, ..)| *read);
        for (_, tenant, items) in by_age {
            if held <= MOST_HELD_ITEMS {
                break;
            }
            slots.remove(&tenant);
            held -= items;
        }
    }
}

/// Items, points still available and completions awaiting Microsoft's confirmation in one group.
#[derive(Debug, Default, Clone, Copy)]
struct Sum {
    items: u64,
    points: f64,
    pending: u64,
}

/// The current items of `snapshot` summed by the group `key` gives each (from the item and its bucket).
fn sum_by<K: std::hash::Hash + Eq>(snapshot: &Snapshot, key: impl Fn(&Item, Bucket) -> K) -> HashMap<K, Sum> {
    let mut sums: HashMap<K, Sum> = HashMap::new();
    for (item, bucket, points) in snapshot.current() {
        let sum = sums.entry(key(item, bucket)).or_default();
        sum.items += 1;
        sum.points += points;
        sum.pending += u64::from(item.model.status == Status::Completed.as_str() && !item.model.status_confirmed);
    }
    sums
}

/// Reads the tenant's whole list.
async fn build(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Snapshot, StoreError> {
    use recommendation::Column as C;
    // The sequence number first: whatever changes while the items are read is read again next time.
    let seq = changes::newest(conn).await?;
    let context = TenantContext::of(conn, tenant).await?;
    let mut items = Vec::new();
    let mut after: Option<uuid::Uuid> = None;
    loop {
        let mut query = recommendation::Entity::find().filter(C::TenantId.eq(tenant.0));
        if let Some(after) = after {
            query = query.filter(C::Id.gt(after));
        }
        let rows = query.order_by_asc(C::Id).limit(LINK_CHUNK as u64).all(conn).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        let full = rows.len() == LINK_CHUNK;
        let links = links_of(conn, &rows).await?;
        items.extend(rows.into_iter().zip(links).map(|(m, l)| Arc::new(Item::new(m, l))));
        if !full {
            break;
        }
    }
    Ok(Snapshot::new(seq, context, seq, items))
}

/// `snapshot` with what `pending` names read again.
async fn apply(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    snapshot: &Snapshot,
    pending: Pending,
) -> Result<Snapshot, StoreError> {
    if pending.everything {
        return build(conn, tenant).await;
    }
    let context = if pending.context {
        (TenantContext::of(conn, tenant).await?, pending.seq)
    } else {
        (snapshot.context.clone(), snapshot.context_seq())
    };
    let mut changed: HashMap<uuid::Uuid, Option<Item>> = pending.items.iter().map(|id| (*id, None)).collect();
    for ids in pending.items.chunks(LINK_CHUNK) {
        let rows = super::priority_order::rows_by_id(conn, tenant, ids).await?;
        let links = links_of(conn, &rows).await?;
        changed.extend(rows.into_iter().zip(links).map(|(m, l)| (m.id, Some(Item::new(m, l)))));
    }
    Ok(snapshot.with_changes(pending.seq, context, changed))
}
