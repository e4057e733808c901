//! Evidence scoregrc records by itself, so every completion and every approval has proof even when nobody uploads
//! a screenshot: a JSON snapshot stored like any file, in the same transaction as the decision.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

use super::blobs;
use super::targets::Target;
use super::write::{Row, insert};
use crate::domain::audit::Actor;
use crate::domain::change::ItemChange;
use crate::domain::evidence::file_type::FileType;
use crate::domain::evidence::{Description, EvidenceKind, TargetKind};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::{Status, StatusReason};
use crate::entities::recommendation;
use crate::store::StoreError;

/// The item as it stood when it was marked completed: Microsoft's state and score, and who marked it.
#[derive(Debug, Serialize)]
struct CompletionSnapshot<'a> {
    snapshot: &'static str,
    recorded_at: DateTime<Utc>,
    marked_by: &'a str,
    reason: &'a str,
    note: Option<&'a str>,
    evidence_url: Option<&'a str>,
    status_before: Status,
    confirmed_by_microsoft: bool,
    item: ItemState<'a>,
}

#[derive(Debug, Serialize)]
struct ItemState<'a> {
    id: uuid::Uuid,
    product: &'a str,
    control_key: Option<&'a str>,
    title: &'a str,
    category: Option<&'a str>,
    microsoft_state: Option<&'a str>,
    implementation_status: Option<&'a str>,
    achieved: Option<f64>,
    max_score: f64,
    last_synced: Option<DateTime<Utc>>,
}

/// A completion: what the person or the roadmap said, and what Microsoft showed at that moment.
#[derive(Debug, Clone, Copy)]
pub struct Completion<'a> {
    pub item: &'a recommendation::Model,
    pub from: Status,
    pub confirmed: bool,
    /// `manual`, `roadmap`, `register`, …
    pub reason: &'a str,
    pub note: Option<&'a str>,
    pub evidence_url: Option<&'a str>,
}

/// Records a completion snapshot on the item, inside the caller's transaction.
pub async fn record_completion(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    completion: Completion<'_>,
) -> Result<(), StoreError> {
    let item = completion.item;
    let snapshot = CompletionSnapshot {
        snapshot: "completion",
        recorded_at: now,
        marked_by: &actor.name,
        reason: completion.reason,
        note: completion.note,
        evidence_url: completion.evidence_url,
        status_before: completion.from,
        confirmed_by_microsoft: completion.confirmed,
        item: ItemState {
            id: item.id,
            product: &item.product,
            control_key: item.control_key.as_deref(),
            title: &item.title,
            category: item.category.as_deref(),
            microsoft_state: item.ms_state.as_deref(),
            implementation_status: item.implementation_status.as_deref(),
            achieved: item.achieved,
            max_score: item.max_score,
            last_synced: item.last_synced,
        },
    };
    let name = item.control_key.as_deref().unwrap_or(&item.title);
    let score = match item.achieved {
        Some(achieved) => format!("{achieved} of {} points", item.max_score),
        None => format!("no score yet of {} points", item.max_score),
    };
    let who = if completion.reason == "confirmed_by_microsoft" {
        format!("The import by {} found every point achieved and completed the item", actor.name)
    } else {
        format!("{} marked the item completed", actor.name)
    };
    let description = Description {
        title: format!("Completion of {name}"),
        proves: format!(
            "{who}; Microsoft showed state {} and {score} at that moment{}",
            item.ms_state.as_deref().unwrap_or("(none)"),
            if completion.confirmed { ", confirming it" } else { ", confirmation pending" }
        ),
    };
    let target = Target { kind: TargetKind::Recommendation, id: item.id.to_string() };
    record(conn, actor, now, tenant, target, EvidenceKind::CompletionSnapshot, description, &snapshot).await
}

/// Records a completion snapshot for every item an import found fully achieved and so completed (Microsoft's own
/// confirmation), inside the import's transaction, with the import's actor.
pub async fn record_confirmations(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    changes: &[ItemChange],
) -> Result<usize, StoreError> {
    let completed: HashMap<uuid::Uuid, Status> = changes
        .iter()
        .filter_map(|change| match change {
            ItemChange::StatusChanged {
                item,
                from,
                to: Status::Completed,
                reason: StatusReason::ConfirmedByMicrosoft,
            } if *from != Status::Completed => Some((item.id, *from)),
            _ => None,
        })
        .collect();
    let mut recorded = 0;
    let ids: Vec<uuid::Uuid> = completed.keys().copied().collect();
    for chunk in ids.chunks(500) {
        let items = recommendation::Entity::find()
            .filter(recommendation::Column::TenantId.eq(tenant.0))
            .filter(recommendation::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        for item in &items {
            let from = completed.get(&item.id).copied().unwrap_or(Status::ToAddress);
            let completion = Completion {
                item,
                from,
                confirmed: true,
                reason: "confirmed_by_microsoft",
                note: None,
                evidence_url: None,
            };
            record_completion(conn, actor, now, tenant, completion).await?;
            recorded += 1;
        }
    }
    Ok(recorded)
}

/// Records an approval (or renewal) snapshot on a register entry: `entry` is the entry as it now stands, with its
/// approval trail.
pub async fn record_approval(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    entry_id: uuid::Uuid,
    reference: &str,
    entry: &impl Serialize,
) -> Result<(), StoreError> {
    let snapshot = serde_json::json!({
        "snapshot": "approval",
        "recorded_at": now,
        "approved_by": actor.name,
        "entry": entry,
    });
    let description = Description {
        title: format!("Approval of {reference}"),
        proves: format!("{} approved {reference}; the entry with its approval trail at that moment", actor.name),
    };
    let target = Target { kind: TargetKind::RiskAcceptance, id: entry_id.to_string() };
    record(conn, actor, now, tenant, target, EvidenceKind::ApprovalSnapshot, description, &snapshot).await
}

#[allow(clippy::too_many_arguments)]
async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    target: Target,
    kind: EvidenceKind,
    description: Description,
    snapshot: &impl Serialize,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec_pretty(snapshot)
        .map_err(|e| StoreError::Conflict(format!("the snapshot could not be written: {e}")))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    blobs::put_bytes(conn, now, &bytes, &sha256, FileType::Json.mime()).await?;
    let file_name = format!("{}-snapshot.json", kind.as_str().trim_end_matches("_snapshot"));
    let row = Row {
        tenant,
        target,
        kind,
        description,
        sha256,
        size: bytes.len() as u64,
        file_name: Some(file_name),
        content_type: Some(FileType::Json.mime().to_owned()),
        url: None,
        supersedes: None,
    };
    insert(conn, actor, now, row).await?;
    Ok(())
}
