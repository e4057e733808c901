//! Importing Secure Score: each source (Graph, the portal's CSV or xlsx export, Defender for Cloud) is read into
//! one [`ImportBatch`] of source-agnostic records, which `store::import_apply` upserts in one transaction.

pub mod catalog;
pub mod defender;
pub mod error;
pub mod evidence_file;
pub mod fetch;
pub mod graph;
pub mod portal;
pub mod run;
pub mod triage_workbook;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::recommendation::{Channel, MicrosoftState, Product};
use crate::domain::score::CategoryScore;

/// The shipped catalog of control ids and their known titles (`seed-mappings/secure-score-titles.csv`).
pub fn shipped_catalog() -> Result<readers::title::Catalog, readers::ReadError> {
    readers::title::Catalog::from_csv(include_bytes!("../../../seed-mappings/secure-score-titles.csv"))
}

/// One recommendation as a source describes it, before identity is resolved. An optional field left `None`
/// means "this source does not say": the stored value stays. Only `achieved` gives `None` a meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingItem {
    pub product: Product,
    /// The control id (or `{subscription}/{control}`); `None` when the source has no id (the portal export).
    pub control_key: Option<String>,
    pub title: String,
    pub category: Option<String>,
    pub service: Option<String>,
    pub max: f64,
    /// `None` = not applicable (a profile with no score), never zero.
    pub achieved: Option<f64>,
    pub score_impact: Option<f64>,
    pub rank: Option<i32>,
    pub implementation_cost: Option<String>,
    pub user_impact: Option<String>,
    pub tier: Option<String>,
    pub threats: Option<Vec<String>>,
    pub remediation: Option<String>,
    pub remediation_impact: Option<String>,
    pub action_type: Option<String>,
    pub action_url: Option<String>,
    pub deprecated: Option<bool>,
    pub ms_state: MicrosoftState,
    /// Microsoft's state as it was written (`Ignored`, "Risk accepted", …).
    pub ms_state_text: Option<String>,
    pub implementation_status: Option<String>,
    pub healthy_count: Option<i64>,
    pub unhealthy_count: Option<i64>,
    pub not_applicable_count: Option<i64>,
    pub last_synced: Option<DateTime<Utc>>,
    /// Whether the tenant holds the licence the item needs (the portal export's `Have license?`).
    pub licensed: Option<bool>,
    /// The file row it came from, for the report.
    pub row: Option<u64>,
}

impl IncomingItem {
    /// An item with only identity and points set; the rest empty.
    pub fn new(product: Product, control_key: Option<String>, title: String, max: f64, achieved: Option<f64>) -> Self {
        Self {
            product,
            control_key,
            title,
            category: None,
            service: None,
            max,
            achieved,
            score_impact: None,
            rank: None,
            implementation_cost: None,
            user_impact: None,
            tier: None,
            threats: None,
            remediation: None,
            remediation_impact: None,
            action_type: None,
            action_url: None,
            deprecated: None,
            ms_state: MicrosoftState::Default,
            ms_state_text: None,
            implementation_status: None,
            healthy_count: None,
            unhealthy_count: None,
            not_applicable_count: None,
            last_synced: None,
            licensed: None,
            row: None,
        }
    }
}

/// A day's score as a source reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingSnapshot {
    pub day: NaiveDate,
    pub product: Product,
    /// Empty for Microsoft 365; the subscription id for Defender for Cloud.
    pub scope: String,
    pub current: f64,
    pub max: f64,
    /// Empty when the source has no breakdown: then it is computed from the items.
    pub categories: Vec<CategoryScore>,
    /// Microsoft's comparative averages, kept as given.
    pub averages: serde_json::Value,
}

/// Everything one import run brings.
#[derive(Debug, Clone)]
pub struct ImportBatch {
    pub channel: Channel,
    pub product: Product,
    pub items: Vec<IncomingItem>,
    pub snapshots: Vec<IncomingSnapshot>,
    /// When the source is Microsoft's whole catalog (Graph, ARM), items it no longer lists are marked removed.
    /// The key prefixes limit that to what was read (one Defender subscription must not remove another's).
    pub complete_catalog: Option<Vec<String>>,
}

impl ImportBatch {
    /// Drops control characters (tabs and line breaks aside) from the text every item brings: they mean nothing in a
    /// title or a remediation, and PostgreSQL cannot store NUL at all, so an import stores the same text on either
    /// backend.
    pub fn without_control_characters(mut self) -> Self {
        let clean = |text: &mut String| text.retain(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'));
        for item in &mut self.items {
            clean(&mut item.title);
            for text in [
                &mut item.control_key,
                &mut item.category,
                &mut item.service,
                &mut item.implementation_cost,
                &mut item.user_impact,
                &mut item.tier,
                &mut item.remediation,
                &mut item.remediation_impact,
                &mut item.action_type,
                &mut item.action_url,
                &mut item.ms_state_text,
                &mut item.implementation_status,
            ]
            .into_iter()
            .flatten()
            {
                clean(text);
            }
            item.threats.iter_mut().flatten().for_each(clean);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_leave_every_text_but_tabs_and_line_breaks_stay() {
        let mut item =
            IncomingItem::new(Product::M365, Some("key\u{0}".into()), "Enable\u{0}audit\u{7}".into(), 1.0, None);
        item.remediation = Some("step 1\r\n\tstep 2\u{1b}[31m".into());
        item.threats = Some(vec!["Data\u{0}exfiltration".into()]);
        let batch = ImportBatch {
            channel: Channel::Csv,
            product: Product::M365,
            items: vec![item],
            snapshots: Vec::new(),
            complete_catalog: None,
        }
        .without_control_characters();
        let item = &batch.items[0];
        assert_eq!(item.title, "Enableaudit");
        assert_eq!(item.control_key.as_deref(), Some("key"));
        assert_eq!(item.remediation.as_deref(), Some("step 1\r\n\tstep 2[31m"));
        assert_eq!(item.threats, Some(vec!["Dataexfiltration".to_owned()]));
    }
}
