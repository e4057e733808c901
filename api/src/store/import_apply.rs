//! Applying an import: resolve each record's identity, decide what changed by the domain's rules, and write it
//! all inside the caller's transaction. Nothing the team owns (ratings, mappings, roadmap, register, notes) is
//! touched; the team's status changes only as `domain::recommendation` allows.

mod known;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::StoreError;
use super::import_write::{self, Writes};
use crate::domain::change::{ImportCounts, ItemChange, ItemRef};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{
    Observed, Previous, Status, StatusReason, status_after_reimport, status_of_new_item,
};
use crate::domain::score::{ScoreSummary, summarise};
use crate::entities::recommendation;
use crate::import::{ImportBatch, IncomingItem};
use known::{Fate, Known, Slot};
use readers::title::{Catalog, match_key};

/// Who and when, for one apply.
pub struct ApplyContext<'a> {
    pub tenant: TenantId,
    pub run_id: uuid::Uuid,
    pub actor_name: &'a str,
    pub now: DateTime<Utc>,
    /// Control id ↔ known titles, for files that carry no id.
    pub catalog: &'a Catalog,
}

/// The counts and the change list of an applied import.
#[derive(Debug)]
pub struct ApplyReport {
    pub counts: ImportCounts,
    pub changes: Vec<ItemChange>,
    /// The batch product's items summed as they stand after the apply, so a source without a snapshot of its
    /// own needs no second read of every item.
    pub score: ScoreSummary,
}

impl ApplyReport {
    fn push(&mut self, change: ItemChange) {
        self.counts.record(&change);
        self.changes.push(change);
    }
}

fn item_ref(model: &recommendation::Model) -> ItemRef {
    ItemRef { id: model.id, control_key: model.control_key.clone(), title: model.title.clone() }
}

/// Applies `batch` for the tenant inside `tx`.
pub async fn apply(
    tx: &DatabaseTransaction,
    ctx: &ApplyContext<'_>,
    batch: &ImportBatch,
) -> Result<ApplyReport, StoreError> {
    // Streamed: each row becomes a model as it arrives, instead of all raw rows being held first.
    let mut rows = recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(ctx.tenant.0))
        .filter(recommendation::Column::Product.eq(batch.product.as_str()))
        .stream(tx)
        .await?;
    let mut existing = Vec::new();
    while let Some(model) = rows.try_next().await? {
        existing.push(model);
    }
    drop(rows);
    let mut known = Known::new(existing);
    let mut report =
        ApplyReport { counts: ImportCounts::default(), changes: Vec::new(), score: summarise(std::iter::empty()) };
    let mut writes = Writes::default();
    report.counts.read = batch.items.len() as u64;

    for incoming in &batch.items {
        let title_key = match_key(&incoming.title);
        let key = incoming.control_key.clone().or_else(|| known.key_for_title(&title_key, ctx.catalog));
        let unmatched =
            known.unmatched_by_title.get(&title_key).copied().filter(|&i| known.slots[i].fate != Fate::Merged);
        let target = match &key {
            Some(key) => match (known.by_key.get(key).copied(), unmatched) {
                (Some(at), Some(stray)) => {
                    merge(&mut known, stray, at, &mut writes, &mut report);
                    Some(at)
                }
                (Some(at), None) => Some(at),
                // The id arrives for an item the team already works on from a file: link it in place.
                (None, Some(stray)) => {
                    link(&mut known, stray, key, &mut report);
                    Some(stray)
                }
                (None, None) => None,
            },
            None => unmatched,
        };
        match target {
            Some(at) => update_known(&mut known.slots[at], incoming, &title_key, ctx, &mut writes, &mut report),
            None => {
                let model = new_model(incoming, key, title_key, ctx, &mut writes, &mut report);
                known.index(Slot { model, fate: Fate::New });
            }
        }
    }

    if let Some(prefixes) = &batch.complete_catalog {
        mark_removed(&mut known, prefixes, ctx.now, &mut report);
    }
    report.score = known.score(batch.product);
    for slot in known.slots.into_iter() {
        match slot.fate {
            Fate::Untouched => {}
            Fate::Seen => writes.seen.push(slot.model.id),
            Fate::Changed => writes.changed.push(slot.model),
            Fate::New => writes.inserted.push(slot.model),
            Fate::Merged => writes.deleted.push(slot.model.id),
        }
    }
    report.counts.unchanged = writes.seen.len() as u64;
    report.counts.updated = writes.changed.len() as u64;
    import_write::write(tx, ctx, batch.channel, writes).await?;
    Ok(report)
}

fn new_model(
    incoming: &IncomingItem,
    key: Option<String>,
    title_key: String,
    ctx: &ApplyContext<'_>,
    writes: &mut Writes,
    report: &mut ApplyReport,
) -> recommendation::Model {
    let outcome = status_of_new_item(observed(incoming));
    let mut model = recommendation::Model {
        id: uuid::Uuid::now_v7(),
        tenant_id: ctx.tenant.0,
        product: incoming.product.as_str().to_owned(),
        unmatched: key.is_none(),
        control_key: key,
        match_key: title_key,
        title: String::new(),
        category: None,
        service: None,
        max_score: 0.0,
        achieved: None,
        score_impact: None,
        rank: None,
        implementation_cost: "unknown".to_owned(),
        user_impact: "unknown".to_owned(),
        tier: None,
        threats: "[]".to_owned(),
        remediation: None,
        remediation_impact: None,
        action_type: None,
        action_url: None,
        deprecated: false,
        ms_state: None,
        implementation_status: None,
        healthy_count: None,
        unhealthy_count: None,
        not_applicable_count: None,
        status: outcome.status.as_str().to_owned(),
        status_confirmed: outcome.status_confirmed,
        unmanaged_acceptance: outcome.unmanaged_acceptance,
        regressed: false,
        regressed_at: None,
        last_synced: None,
        first_seen: ctx.now,
        last_seen: ctx.now,
        removed_at: None,
        created_at: ctx.now,
        updated_at: ctx.now,
        version: 1,
        licensed: None,
    };
    copy_import_fields(&mut model, incoming, false);
    writes.status_change(&model, None, outcome.status, StatusReason::NewItem);
    report.push(ItemChange::New { item: item_ref(&model), status: outcome.status });
    if model.unmatched {
        report.push(ItemChange::Unmatched { item: item_ref(&model), row: incoming.row });
    }
    model
}

fn observed(incoming: &IncomingItem) -> Observed {
    Observed { achieved: incoming.achieved, max: incoming.max, ms_state: incoming.ms_state }
}

/// Copies what the import owns; with `c` (compare), returns whether anything differed (field by field, without a
/// copy of the whole model). A field the source does not carry keeps its stored value.
fn copy_import_fields(model: &mut recommendation::Model, incoming: &IncomingItem, c: bool) -> bool {
    let mut changed = assign(&mut model.title, &incoming.title, c);
    changed |= assign(&mut model.max_score, &incoming.max, c);
    changed |= assign(&mut model.achieved, &incoming.achieved, c);
    changed |= keep(&mut model.category, &incoming.category, c);
    changed |= keep(&mut model.service, &incoming.service, c);
    changed |= keep(&mut model.score_impact, &incoming.score_impact, c);
    changed |= keep(&mut model.rank, &incoming.rank, c);
    changed |= keep(&mut model.tier, &incoming.tier, c);
    changed |= keep(&mut model.remediation, &incoming.remediation, c);
    changed |= keep(&mut model.remediation_impact, &incoming.remediation_impact, c);
    changed |= keep(&mut model.action_type, &incoming.action_type, c);
    changed |= keep(&mut model.action_url, &incoming.action_url, c);
    changed |= keep(&mut model.ms_state, &incoming.ms_state_text, c);
    changed |= keep(&mut model.implementation_status, &incoming.implementation_status, c);
    changed |= keep(&mut model.healthy_count, &incoming.healthy_count, c);
    changed |= keep(&mut model.unhealthy_count, &incoming.unhealthy_count, c);
    changed |= keep(&mut model.not_applicable_count, &incoming.not_applicable_count, c);
    changed |= keep(&mut model.last_synced, &incoming.last_synced, c);
    changed |= keep(&mut model.licensed, &incoming.licensed, c);
    if let Some(cost) = &incoming.implementation_cost {
        changed |= assign(&mut model.implementation_cost, cost, c);
    }
    if let Some(impact) = &incoming.user_impact {
        changed |= assign(&mut model.user_impact, impact, c);
    }
    if let Some(threats) = &incoming.threats {
        let threats = serde_json::to_string(threats).unwrap_or_else(|_| "[]".into());
        changed |= assign(&mut model.threats, &threats, c);
    }
    if let Some(deprecated) = incoming.deprecated {
        changed |= assign(&mut model.deprecated, &deprecated, c);
    }
    changed
}

/// Sets `stored` to `incoming`; with `compare`, says whether it differed (by `!=`, as a whole-model compare does).
fn assign<T: Clone + PartialEq>(stored: &mut T, incoming: &T, compare: bool) -> bool {
    if compare && stored == incoming {
        return false;
    }
    stored.clone_from(incoming);
    compare
}

/// [`assign`] when the source carries the field.
fn keep<T: Clone + PartialEq>(stored: &mut Option<T>, incoming: &Option<T>, compare: bool) -> bool {
    incoming.is_some() && assign(stored, incoming, compare)
}

fn update_known(
    slot: &mut Slot,
    incoming: &IncomingItem,
    title_key: &str,
    ctx: &ApplyContext<'_>,
    writes: &mut Writes,
    report: &mut ApplyReport,
) {
    let model = &mut slot.model;
    let status: Status = model.status.parse().unwrap_or(Status::ToAddress);
    let previous = Previous {
        status,
        status_confirmed: model.status_confirmed,
        achieved: model.achieved,
        max: model.max_score,
        regressed: model.regressed,
    };
    let (achieved_from, max_from) = (model.achieved, model.max_score);
    let was_deprecated = model.deprecated;
    let mut changed = copy_import_fields(model, incoming, true);
    if model.match_key != title_key {
        model.match_key = title_key.to_owned();
        changed = true;
    }
    if model.removed_at.take().is_some() {
        changed = true;
        report.push(ItemChange::Returned { item: item_ref(model) });
    }
    if achieved_from != model.achieved || max_from != model.max_score {
        let (achieved_to, max_to) = (model.achieved, model.max_score);
        report.push(ItemChange::ScoreChanged { item: item_ref(model), achieved_from, achieved_to, max_from, max_to });
    }
    if model.deprecated && !was_deprecated {
        report.push(ItemChange::Deprecated { item: item_ref(model) });
    }
    let outcome = status_after_reimport(previous, observed(incoming));
    if outcome.newly_regressed {
        model.regressed_at = Some(ctx.now);
        report.push(ItemChange::Regressed {
            item: item_ref(model),
            achieved_from,
            achieved_to: model.achieved,
            max: model.max_score,
        });
    }
    if let Some(reason) = outcome.changed_because {
        if outcome.status != status {
            writes.status_change(model, Some(status), outcome.status, reason);
            report.push(ItemChange::StatusChanged { item: item_ref(model), from: status, to: outcome.status, reason });
        }
        model.status = outcome.status.as_str().to_owned();
        model.status_confirmed = outcome.status_confirmed;
    }
    let flags = (outcome.regressed, outcome.unmanaged_acceptance);
    if flags != (model.regressed, model.unmanaged_acceptance) || outcome.changed_because.is_some() {
        (model.regressed, model.unmanaged_acceptance) = flags;
        changed = true;
    }
    model.last_seen = ctx.now;
    if changed {
        model.updated_at = ctx.now;
        if matches!(slot.fate, Fate::Untouched | Fate::Seen) {
            model.version += 1;
            slot.fate = Fate::Changed;
        }
    } else if slot.fate == Fate::Untouched {
        slot.fate = Fate::Seen;
    }
}

/// Gives an unmatched item the control key the import brought.
fn link(known: &mut Known, stray: usize, key: &str, report: &mut ApplyReport) {
    let slot = &mut known.slots[stray];
    slot.model.control_key = Some(key.to_owned());
    slot.model.unmatched = false;
    if matches!(slot.fate, Fate::Untouched | Fate::Seen) {
        slot.model.version += 1;
        slot.fate = Fate::Changed;
    }
    known.by_key.insert(key.to_owned(), stray);
    known.unmatched_by_title.remove(&slot.model.match_key);
    report.push(ItemChange::Merged { item: item_ref(&slot.model), merged_id: slot.model.id });
}

/// Folds an unmatched item into the item with the control key: its history and links move over.
fn merge(known: &mut Known, stray: usize, into: usize, writes: &mut Writes, report: &mut ApplyReport) {
    let stray_id = known.slots[stray].model.id;
    known.unmatched_by_title.remove(&known.slots[stray].model.match_key);
    if known.slots[stray].fate == Fate::New {
        // Created earlier in this same batch: nothing stored to move.
        known.slots[stray].fate = Fate::Merged;
        writes.forget_new(stray_id);
    } else {
        known.slots[stray].fate = Fate::Merged;
        writes.moved.push((stray_id, known.slots[into].model.id));
    }
    report.push(ItemChange::Merged { item: item_ref(&known.slots[into].model), merged_id: stray_id });
}

fn mark_removed(known: &mut Known, prefixes: &[String], now: DateTime<Utc>, report: &mut ApplyReport) {
    for slot in &mut known.slots {
        let Some(key) = &slot.model.control_key else { continue };
        let in_scope = prefixes.is_empty() || prefixes.iter().any(|p| key.starts_with(p.as_str()));
        if slot.fate == Fate::Untouched && in_scope && slot.model.removed_at.is_none() {
            slot.model.removed_at = Some(now);
            slot.model.updated_at = now;
            slot.model.version += 1;
            slot.fate = Fate::Changed;
            report.push(ItemChange::Removed { item: item_ref(&slot.model) });
        }
    }
}
