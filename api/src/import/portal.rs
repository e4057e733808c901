//! The Defender portal's "Recommended actions → Export" (CSV, or the same columns in an xlsx): rows carry no
//! control id, so identity is resolved by title when the batch is applied.

use chrono::{DateTime, Utc};

use super::{ImportBatch, IncomingItem};
use crate::domain::recommendation::{Channel, MicrosoftState, Product};
use readers::export::{ExportSheet, PortalStatus, ScoreImpact};

fn microsoft_state(status: Option<PortalStatus>) -> MicrosoftState {
    match status {
        None | Some(PortalStatus::ToAddress) => MicrosoftState::Default,
        Some(PortalStatus::Planned) => MicrosoftState::Planned,
        Some(PortalStatus::RiskAccepted) => MicrosoftState::RiskAccepted,
        Some(PortalStatus::ResolvedThirdParty) => MicrosoftState::ThirdParty,
        Some(PortalStatus::ResolvedAlternateMitigation) => MicrosoftState::AlternateMitigation,
        Some(PortalStatus::Completed) => MicrosoftState::Completed,
    }
}

/// One batch from an export; `channel` says whether it was the CSV or an xlsx.
pub fn batch_from(sheet: ExportSheet, channel: Channel) -> ImportBatch {
    let items = sheet
        .rows
        .into_iter()
        .map(|row| {
            let mut item = IncomingItem::new(Product::M365, None, row.title, row.max, Some(row.achieved));
            item.rank = row.rank;
            // Only points are comparable across items; a percentage of the total score is not kept as points.
            item.score_impact = match row.score_impact {
                Some(ScoreImpact::Points(p)) => Some(p),
                _ => None,
            };
            item.category = row.category;
            item.service = row.product;
            item.ms_state = microsoft_state(row.status);
            item.ms_state_text = row.status_text;
            item.licensed = row.have_license;
            item.last_synced = row.last_synced.map(|t| DateTime::<Utc>::from_naive_utc_and_offset(t, Utc));
            item.row = Some(row.row);
            item
        })
        .collect();
    ImportBatch { channel, product: Product::M365, items, snapshots: Vec::new(), complete_catalog: None }
        .without_control_characters()
}
