//! Audit evidence attached to items, roadmap items, register entries and SoA rows: the list, the versions, the
//! bytes, and the writes (see [`write`]). Evidence rows are never edited; a correction supersedes and an admin
//! delete leaves a tombstone.

pub mod blobs;
pub mod snapshots;
pub mod targets;
pub mod write;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::HashMap;

use super::StoreError;
use super::page::{Page, PageRequest};
use crate::domain::audit::ActorKind;
use crate::domain::evidence::{EvidenceKind, TargetKind};
use crate::domain::ids::TenantId;
use crate::entities::evidence_item;

/// One piece of evidence as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    pub id: uuid::Uuid,
    pub tenant_id: uuid::Uuid,
    pub target_kind: TargetKind,
    /// The item, roadmap item or register entry id, or the Annex A control id (`5.17`).
    pub target_id: String,
    pub kind: EvidenceKind,
    pub title: String,
    /// What the evidence shows.
    pub proves: String,
    /// The uploaded file's name, as the uploader's system called it.
    pub file_name: Option<String>,
    /// The type found from the bytes.
    pub content_type: Option<String>,
    /// SHA-256 (hex) of the file, of the snapshot, or of the link's address.
    pub sha256: String,
    /// Bytes (0 for a link).
    pub size: u64,
    pub url: Option<String>,
    /// The earlier version this one corrects.
    pub supersedes: Option<uuid::Uuid>,
    /// The later version that corrects this one; both stay.
    pub superseded_by: Option<uuid::Uuid>,
    pub created_at: DateTime<Utc>,
    pub created_by: EvidenceAuthor,
    /// Set when an admin deleted it: the bytes are gone, this record and the audit row remain.
    pub deleted: Option<Tombstone>,
    /// Where to download the bytes (files and snapshots still held).
    pub content_url: Option<String>,
}

/// Who added a piece of evidence.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceAuthor {
    pub kind: ActorKind,
    pub id: Option<String>,
    pub name: String,
}

/// What is left of deleted evidence.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tombstone {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

/// Filters on the evidence list.
#[derive(Debug, Clone, Default)]
pub struct EvidenceFilter {
    pub target_kind: Option<TargetKind>,
    pub target_id: Option<String>,
    pub kind: Option<EvidenceKind>,
    pub include_deleted: bool,
}

/// A page of the tenant's evidence, oldest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &EvidenceFilter,
    page: &PageRequest,
) -> Result<Page<Evidence>, StoreError> {
    let mut query = evidence_item::Entity::find().filter(evidence_item::Column::TenantId.eq(tenant.0));
    if let Some(kind) = filter.target_kind {
        query = query.filter(evidence_item::Column::TargetKind.eq(kind.as_str()));
    }
    if let Some(id) = &filter.target_id {
        query = query.filter(evidence_item::Column::TargetId.eq(id.trim().trim_start_matches("A.")));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(evidence_item::Column::Kind.eq(kind.as_str()));
    }
    if !filter.include_deleted {
        query = query.filter(evidence_item::Column::DeletedAt.is_null());
    }
    let total = query.clone().count(conn).await?;
    if let Some(after) = &page.after {
        let after = uuid::Uuid::parse_str(after)
            .map_err(|_| crate::domain::ValidationError::field("after", "is not a cursor of this list"))?;
        query = query.filter(evidence_item::Column::Id.gt(after));
    }
    let rows = query.order_by_asc(evidence_item::Column::Id).limit(page.limit + 1).all(conn).await?;
    let page = Page::from_rows(rows, page.limit, total, |r| r.id.to_string());
    let successors = successors_of(conn, page.items.iter().map(|r| r.id)).await?;
    Ok(page.map(|m| view(m, &successors)))
}

/// One piece of evidence of the tenant.
pub async fn get(conn: &impl ConnectionTrait, tenant: TenantId, id: uuid::Uuid) -> Result<Evidence, StoreError> {
    let model = find(conn, tenant, id).await?;
    let successors = successors_of(conn, std::iter::once(id)).await?;
    Ok(view(model, &successors))
}

/// The stored row of one piece of evidence of the tenant.
pub(crate) async fn find(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    id: uuid::Uuid,
) -> Result<evidence_item::Model, StoreError> {
    evidence_item::Entity::find_by_id(id)
        .filter(evidence_item::Column::TenantId.eq(tenant.0))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("evidence"))
}

/// Up to `limit` pieces of evidence (deleted ones left out) created in `[from, to)` after id `after`, in id order:
/// for the evidence pack, which walks them a page at a time.
pub async fn created_between(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<uuid::Uuid>,
    limit: u64,
) -> Result<Vec<Evidence>, StoreError> {
    let mut query = evidence_item::Entity::find()
        .filter(evidence_item::Column::TenantId.eq(tenant.0))
        .filter(evidence_item::Column::CreatedAt.gte(from))
        .filter(evidence_item::Column::CreatedAt.lt(to))
        .filter(evidence_item::Column::DeletedAt.is_null());
    if let Some(after) = after {
        query = query.filter(evidence_item::Column::Id.gt(after));
    }
    let rows = query.order_by_asc(evidence_item::Column::Id).limit(limit).all(conn).await?;
    let successors = successors_of(conn, rows.iter().map(|r| r.id)).await?;
    Ok(rows.into_iter().map(|m| view(m, &successors)).collect())
}

/// How many pieces of evidence in force `[from, to)` holds, and their bytes: what a pack will carry.
pub async fn count_between(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<(u64, u64), StoreError> {
    let row: Option<(i64, Option<i64>)> = evidence_item::Entity::find()
        .filter(evidence_item::Column::TenantId.eq(tenant.0))
        .filter(evidence_item::Column::CreatedAt.gte(from))
        .filter(evidence_item::Column::CreatedAt.lt(to))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .select_only()
        .column_as(evidence_item::Column::Id.count(), "n")
        .column_as(crate::store::sum_as_i64(evidence_item::Column::Size), "bytes")
        .into_tuple()
        .one(conn)
        .await?;
    let (n, bytes) = row.unwrap_or((0, None));
    Ok((n.max(0) as u64, bytes.unwrap_or(0).max(0) as u64))
}

/// Which later version supersedes each of `ids`.
async fn successors_of(
    conn: &impl ConnectionTrait,
    ids: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, uuid::Uuid>, StoreError> {
    let ids: Vec<uuid::Uuid> = ids.collect();
    let mut successors = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(uuid::Uuid, Option<uuid::Uuid>)> = evidence_item::Entity::find()
            .filter(evidence_item::Column::SupersedesId.is_in(chunk.iter().copied()))
            .select_only()
            .columns([evidence_item::Column::Id, evidence_item::Column::SupersedesId])
            .into_tuple()
            .all(conn)
            .await?;
        successors.extend(rows.into_iter().filter_map(|(id, old)| old.map(|old| (old, id))));
    }
    Ok(successors)
}

fn view(m: evidence_item::Model, successors: &HashMap<uuid::Uuid, uuid::Uuid>) -> Evidence {
    let kind = EvidenceKind::parse(&m.kind).unwrap_or(EvidenceKind::File);
    let deleted = m.deleted_at.map(|at| Tombstone {
        at,
        by: m.deleted_by_name.clone().unwrap_or_default(),
        reason: m.delete_reason.clone().unwrap_or_default(),
    });
    let content_url = (kind != EvidenceKind::Link && deleted.is_none())
        .then(|| format!("/api/v1/tenants/{}/evidence/{}/content", m.tenant_id, m.id));
    Evidence {
        id: m.id,
        tenant_id: m.tenant_id,
        target_kind: TargetKind::parse(&m.target_kind).unwrap_or(TargetKind::Recommendation),
        target_id: m.target_id,
        kind,
        title: m.title,
        proves: m.proves,
        file_name: m.file_name,
        content_type: m.content_type,
        sha256: m.sha256,
        size: m.size.max(0) as u64,
        url: m.url,
        supersedes: m.supersedes_id,
        superseded_by: successors.get(&m.id).copied(),
        created_at: m.created_at,
        created_by: EvidenceAuthor {
            kind: ActorKind::from_stored(&m.created_by_kind),
            id: m.created_by_id,
            name: m.created_by_name,
        },
        deleted,
        content_url,
    }
}
