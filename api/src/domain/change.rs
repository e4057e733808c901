//! What an import changed: the change list a run returns and keeps, and its counts.

use serde::{Deserialize, Serialize};

use super::recommendation::{Status, StatusReason};

/// How an item is named in a change list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemRef {
    /// scoregrc's id of the item.
    pub id: uuid::Uuid,
    /// The control id (or `{subscription}/{control}`); `null` while unmatched.
    pub control_key: Option<String>,
    pub title: String,
}

/// One change an import made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemChange {
    /// First seen in this import.
    New {
        #[serde(flatten)]
        item: ItemRef,
        status: Status,
    },
    /// No longer in Microsoft's catalog.
    Removed {
        #[serde(flatten)]
        item: ItemRef,
    },
    /// Back in the catalog after being removed.
    Returned {
        #[serde(flatten)]
        item: ItemRef,
    },
    /// Microsoft marked it deprecated.
    Deprecated {
        #[serde(flatten)]
        item: ItemRef,
    },
    /// Achieved or max points changed.
    ScoreChanged {
        #[serde(flatten)]
        item: ItemRef,
        achieved_from: Option<f64>,
        achieved_to: Option<f64>,
        max_from: f64,
        max_to: f64,
    },
    /// The team's status changed by the import's rules.
    StatusChanged {
        #[serde(flatten)]
        item: ItemRef,
        from: Status,
        to: Status,
        reason: StatusReason,
    },
    /// It was at max on the previous import and is below now.
    Regressed {
        #[serde(flatten)]
        item: ItemRef,
        achieved_from: Option<f64>,
        achieved_to: Option<f64>,
        max: f64,
    },
    /// An unmatched item (from a file without control ids) was merged into the item with its id.
    Merged {
        #[serde(flatten)]
        item: ItemRef,
        merged_id: uuid::Uuid,
    },
    /// A file row whose control id could not be found; kept as an unmatched item.
    Unmatched {
        #[serde(flatten)]
        item: ItemRef,
        row: Option<u64>,
    },
}

/// How many of each kind of change, and how many records were read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportCounts {
    /// Records read from the source (file rows, profiles, controls).
    pub read: u64,
    pub new: u64,
    /// Items whose import-owned fields changed.
    pub updated: u64,
    pub unchanged: u64,
    pub removed: u64,
    pub returned: u64,
    pub deprecated: u64,
    pub score_changes: u64,
    pub status_changes: u64,
    pub regressions: u64,
    pub completions: u64,
    pub merges: u64,
    pub unmatched: u64,
    /// Daily score snapshots written.
    pub snapshots: u64,
}

impl ImportCounts {
    /// Counts a change in its kind.
    pub fn record(&mut self, change: &ItemChange) {
        match change {
            ItemChange::New { .. } => self.new += 1,
            ItemChange::Removed { .. } => self.removed += 1,
            ItemChange::Returned { .. } => self.returned += 1,
            ItemChange::Deprecated { .. } => self.deprecated += 1,
            ItemChange::ScoreChanged { .. } => self.score_changes += 1,
            ItemChange::StatusChanged { to, .. } => {
                self.status_changes += 1;
                if *to == Status::Completed {
                    self.completions += 1;
                }
            }
            ItemChange::Regressed { .. } => self.regressions += 1,
            ItemChange::Merged { .. } => self.merges += 1,
            ItemChange::Unmatched { .. } => self.unmatched += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> ItemRef {
        ItemRef { id: uuid::Uuid::nil(), control_key: Some("AdminMFAV2".into()), title: "Require MFA".into() }
    }

    #[test]
    fn changes_serialise_flat_with_their_kind() {
        let change =
            ItemChange::Regressed { item: item(), achieved_from: Some(10.0), achieved_to: Some(0.0), max: 10.0 };
        let json = serde_json::to_value(&change).unwrap_or_default();
        assert_eq!(json["kind"], "regressed");
        assert_eq!(json["control_key"], "AdminMFAV2");
        assert_eq!(json["achieved_to"], 0.0);
    }

    #[test]
    fn counts_follow_the_kinds_and_completions_are_status_changes_to_completed() {
        let mut counts = ImportCounts::default();
        counts.record(&ItemChange::New { item: item(), status: Status::ToAddress });
        counts.record(&ItemChange::StatusChanged {
            item: item(),
            from: Status::ToAddress,
            to: Status::Completed,
            reason: StatusReason::ConfirmedByMicrosoft,
        });
        assert_eq!((counts.new, counts.status_changes, counts.completions), (1, 1, 1));
    }
}
