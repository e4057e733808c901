//! One tenant's items as the list shows them, held in memory: the stored rows and links (nothing that depends on
//! the date), each item's bucket, and each sort order built once when first asked for.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};

use crate::domain::bucket::Bucket;
use crate::entities::recommendation;
use crate::store::page::Page;
use crate::store::recommendation_view::{Links, TenantContext, placement, view};
use crate::store::recommendations::{Recommendation, RecommendationFilter, RecommendationSort};

/// An item's stored row and links, with the lower-cased text the filters compare.
#[derive(Debug)]
pub(in crate::store) struct Item {
    pub(in crate::store) model: recommendation::Model,
    pub(in crate::store) links: Links,
    title: String,
    control_key: String,
    category: Option<String>,
    service: Option<String>,
    /// The view last shown, and the context and minute it was made for.
    shown: Mutex<Option<(Shown, Arc<Recommendation>)>>,
}

/// What a view depends on besides the stored item: the tenant's context (by the change it was read at) and the
/// date. The date reaches a view through the register entry's state (by day) and the diagnosis (by hours), so a
/// view made within the same minute is reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shown {
    context_seq: i64,
    minute: i64,
}

impl Item {
    /// Prepares `model` and its `links` for filtering.
    pub(in crate::store) fn new(model: recommendation::Model, links: Links) -> Self {
        let lower = |s: &Option<String>| s.as_deref().map(str::to_lowercase);
        Self {
            title: model.title.to_lowercase(),
            control_key: model.control_key.as_deref().unwrap_or_default().to_lowercase(),
            category: lower(&model.category),
            service: lower(&model.service),
            model,
            links,
            shown: Mutex::new(None),
        }
    }

    /// The item's view on `now`'s date under `context` (read at change `context_seq`).
    fn view(&self, context: &TenantContext, context_seq: i64, now: DateTime<Utc>) -> Arc<Recommendation> {
        let key = Shown { context_seq, minute: now.timestamp().div_euclid(60) };
        let mut shown = self.shown.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((made, view)) = shown.as_ref()
            && *made == key
        {
            return view.clone();
        }
        let fresh = Arc::new(view(self.model.clone(), self.links.clone(), context, now));
        *shown = Some((key, fresh.clone()));
        fresh
    }

    /// Points still available as the "points" sort reads them: max − achieved, 0 when not applicable.
    fn score_gap(&self) -> f64 {
        self.model.achieved.map_or(0.0, |a| self.model.max_score - a)
    }

    fn points_available(&self) -> f64 {
        crate::domain::score::round2(self.model.achieved.map_or(0.0, |a| (self.model.max_score - a).max(0.0)))
    }
}

/// A tenant's list at one point of the change log.
#[derive(Debug)]
pub(in crate::store) struct Snapshot {
    /// The change-log sequence number the list is current to; moves on in place when only other tenants changed.
    seq: AtomicI64,
    pub(in crate::store) context: TenantContext,
    /// The change the context was read at: views made under another context are made again.
    context_seq: i64,
    /// In id order.
    pub(in crate::store) items: Vec<Arc<Item>>,
    /// Each item's bucket, by position in `items`.
    buckets: Vec<Bucket>,
    /// Positions in `items` in each sort's order, built when first asked for.
    orders: [OnceLock<Vec<u32>>; 4],
    /// The positions matching the filters asked for lately, in their sort's order.
    matching: Mutex<HashMap<RecommendationFilter, Arc<Vec<u32>>>>,
}

/// Filters whose matches a list keeps; past this the kept ones are dropped (lists are asked for with a few
/// filters at a time, and a change to the tenant starts a new list anyway).
const KEPT_FILTERS: usize = 32;

impl Snapshot {
    /// A list of `items` (in any order) placed by `context`, read at change `context_seq`.
    pub(in crate::store) fn new(seq: i64, context: TenantContext, context_seq: i64, mut items: Vec<Arc<Item>>) -> Self {
        items.sort_by_key(|i| i.model.id);
        let buckets = items.iter().map(|i| placement(&i.links, &context).0.bucket).collect();
        Self {
            seq: AtomicI64::new(seq),
            context,
            context_seq,
            items,
            buckets,
            orders: Default::default(),
            matching: Mutex::default(),
        }
    }

    /// The change the context was read at.
    pub(in crate::store) fn context_seq(&self) -> i64 {
        self.context_seq
    }

    pub(in crate::store) fn seq(&self) -> i64 {
        self.seq.load(Ordering::Acquire)
    }

    /// Marks the list current to `seq` when nothing of the tenant changed up to it.
    pub(in crate::store) fn advance(&self, seq: i64) {
        self.seq.fetch_max(seq, Ordering::AcqRel);
    }

    /// This list with `changed` items read again (`Some`) or gone (`None`), placed by `context` (read at change
    /// `context_seq`).
    pub(in crate::store) fn with_changes(
        &self,
        seq: i64,
        (context, context_seq): (TenantContext, i64),
        changed: HashMap<uuid::Uuid, Option<Item>>,
    ) -> Self {
        let mut changed = changed;
        let mut items: Vec<Arc<Item>> = Vec::with_capacity(self.items.len() + changed.len());
        for item in &self.items {
            match changed.remove(&item.model.id) {
                None => items.push(item.clone()),
                Some(Some(fresh)) => items.push(Arc::new(fresh)),
                Some(None) => {}
            }
        }
        items.extend(changed.into_values().flatten().map(Arc::new));
        Self::new(seq, context, context_seq, items)
    }

    /// The page of items matching `filter` at `offset`, shown on `now`'s date.
    pub(in crate::store) fn page(
        &self,
        filter: &RecommendationFilter,
        offset: u64,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Page<Arc<Recommendation>> {
        let matching = self.matching(filter);
        let rows = matching
            .iter()
            .skip(offset as usize)
            .take(limit as usize + 1)
            .map(|&p| self.items[p as usize].view(&self.context, self.context_seq, now))
            .collect();
        Page::from_offset(rows, limit, matching.len() as u64, offset)
    }

    /// The positions of the items matching `filter`, in its sort's order.
    fn matching(&self, filter: &RecommendationFilter) -> Arc<Vec<u32>> {
        let kept = |matching: &Mutex<HashMap<_, Arc<Vec<u32>>>>| {
            matching.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(filter).cloned()
        };
        if let Some(positions) = kept(&self.matching) {
            return positions;
        }
        let wanted = Wanted::from(filter);
        let positions: Arc<Vec<u32>> =
            Arc::new(self.order(filter.sort).iter().copied().filter(|&p| self.matches(p as usize, &wanted)).collect());
        let mut matching = self.matching.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if matching.len() >= KEPT_FILTERS {
            matching.clear();
        }
        matching.insert(filter.clone(), positions.clone());
        positions
    }

    /// Every current (not removed) item with its bucket and points still available.
    pub(in crate::store) fn current(&self) -> impl Iterator<Item = (&Item, Bucket, f64)> {
        self.items
            .iter()
            .zip(&self.buckets)
            .filter(|(i, _)| i.model.removed_at.is_none())
            .map(|(i, b)| (i.as_ref(), *b, i.points_available()))
    }

    fn matches(&self, position: usize, wanted: &Wanted) -> bool {
        let item = &self.items[position];
        let m = &item.model;
        let ownership = &item.links.ownership;
        let filter = wanted.filter;
        filter.product.is_none_or(|p| m.product == p.as_str())
            && wanted.category.as_ref().is_none_or(|c| item.category.as_ref() == Some(c))
            && filter.status.is_none_or(|s| m.status == s.as_str())
            && wanted.service.as_ref().is_none_or(|s| item.service.as_ref() == Some(s))
            && wanted.text.as_ref().is_none_or(|t| item.title.contains(t) || item.control_key.contains(t))
            && filter.regressed.is_none_or(|r| m.regressed == r)
            && filter.unmatched.is_none_or(|u| m.unmatched == u)
            && (filter.include_removed || m.removed_at.is_none())
            && filter.bucket.is_none_or(|b| self.buckets[position] == b)
            && filter.owner.as_ref().is_none_or(|owner| match wanted.owner_user {
                Some(user) => ownership.owner_user_id == Some(user),
                None => ownership.owner_team.as_deref() == Some(owner.as_str()),
            })
            && wanted.tag.as_ref().is_none_or(|tag| ownership.tags.contains(tag))
    }

    fn order(&self, sort: RecommendationSort) -> &[u32] {
        let slot = match sort {
            RecommendationSort::Rank => 0,
            RecommendationSort::ScoreImpact => 1,
            RecommendationSort::Title => 2,
            RecommendationSort::Bucket => 3,
        };
        self.orders[slot].get_or_init(|| {
            // Positions start in id order and the sorts are stable, so the id breaks every tie.
            let mut order: Vec<u32> = (0..self.items.len() as u32).collect();
            let item = |p: &u32| &self.items[*p as usize];
            match sort {
                RecommendationSort::Rank => order.sort_by_key(|p| {
                    let rank = item(p).model.rank;
                    (rank.is_none(), rank)
                }),
                RecommendationSort::ScoreImpact => {
                    order.sort_by(|a, b| item(b).score_gap().total_cmp(&item(a).score_gap()));
                }
                RecommendationSort::Title => order.sort_by(|a, b| item(a).model.title.cmp(&item(b).model.title)),
                RecommendationSort::Bucket => order.sort_by(|a, b| {
                    self.buckets[*a as usize]
                        .cmp(&self.buckets[*b as usize])
                        .then(item(b).points_available().total_cmp(&item(a).points_available()))
                }),
            }
            order
        })
    }
}

/// A filter with its text lower-cased once, compared as the database compared it.
struct Wanted<'a> {
    filter: &'a RecommendationFilter,
    category: Option<String>,
    service: Option<String>,
    /// Trimmed; `None` when empty.
    text: Option<String>,
    /// The owner filter read as a user id (otherwise it names a team).
    owner_user: Option<uuid::Uuid>,
    tag: Option<String>,
}

impl<'a> From<&'a RecommendationFilter> for Wanted<'a> {
    fn from(filter: &'a RecommendationFilter) -> Self {
        Self {
            filter,
            category: filter.category.as_deref().map(str::to_lowercase),
            service: filter.service.as_deref().map(str::to_lowercase),
            text: filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_lowercase),
            owner_user: filter.owner.as_deref().and_then(|o| uuid::Uuid::parse_str(o).ok()),
            tag: filter.tag.as_deref().map(|t| t.trim().to_lowercase()),
        }
    }
}
