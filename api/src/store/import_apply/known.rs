//! The items an apply knows: the tenant's stored ones and those the import creates, indexed by control key and by
//! title key, each with what the import did to it.

use std::collections::HashMap;

use crate::domain::recommendation::Product;
use crate::domain::score::{ItemPoints, ScoreSummary, summarise};
use crate::entities::recommendation;
use readers::title::Catalog;

/// What this import did to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    Untouched,
    Seen,
    Changed,
    New,
    Merged,
}

/// A known item and what this import did to it.
pub(super) struct Slot {
    pub(super) model: recommendation::Model,
    pub(super) fate: Fate,
}

/// Every known item of the tenant and product, indexed by control key and by title key.
pub(super) struct Known {
    pub(super) slots: Vec<Slot>,
    pub(super) by_key: HashMap<String, usize>,
    pub(super) unmatched_by_title: HashMap<String, usize>,
    keyed_by_title: HashMap<String, Vec<usize>>,
}

impl Known {
    pub(super) fn new(models: Vec<recommendation::Model>) -> Self {
        let mut known = Known {
            slots: Vec::new(),
            by_key: HashMap::new(),
            unmatched_by_title: HashMap::new(),
            keyed_by_title: HashMap::new(),
        };
        for model in models {
            known.index(Slot { model, fate: Fate::Untouched });
        }
        known
    }

    pub(super) fn index(&mut self, slot: Slot) -> usize {
        let at = self.slots.len();
        match &slot.model.control_key {
            Some(key) => {
                self.by_key.insert(key.clone(), at);
                self.keyed_by_title.entry(slot.model.match_key.clone()).or_default().push(at);
            }
            None => {
                self.unmatched_by_title.insert(slot.model.match_key.clone(), at);
            }
        }
        self.slots.push(slot);
        at
    }

    /// The control key a record without one stands for: this tenant's item with that title, else the catalog.
    pub(super) fn key_for_title(&self, title_key: &str, catalog: &Catalog) -> Option<String> {
        if let Some([only]) = self.keyed_by_title.get(title_key).map(Vec::as_slice) {
            return self.slots[*only].model.control_key.clone();
        }
        catalog.control_id_by_key(title_key).map(str::to_owned)
    }

    /// The product's items summed as this import leaves them (items merged away no longer count).
    pub(super) fn score(&self, product: Product) -> ScoreSummary {
        let product = product.as_str();
        summarise(self.slots.iter().filter(|s| s.fate != Fate::Merged && s.model.product == product).map(|s| {
            ItemPoints {
                category: s.model.category.as_deref(),
                achieved: s.model.achieved,
                max: s.model.max_score,
                scored: !s.model.deprecated && s.model.removed_at.is_none(),
            }
        }))
    }
}
