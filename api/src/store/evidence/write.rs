//! Adding evidence (a file, a link, or a correction of either) and an admin's delete, each in one transaction
//! with its audit row.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use std::path::Path;

use super::blobs::{self, StoredFile};
use super::targets::{self, Target};
use super::{Evidence, get};
use crate::domain::audit::{Actor, Chain};
use crate::domain::evidence::file_type::FileType;
use crate::domain::evidence::{Description, EvidenceKind, TargetKind, check_link, describe};
use crate::domain::ids::TenantId;
use crate::domain::{ValidationError, Violations};
use crate::entities::evidence_item;
use crate::store::audit::{self, Change};
use crate::store::{StoreError, begin_write};

/// What a person says about new evidence. With `supersedes`, the target may be left out: a correction stays on
/// the target of the version it corrects.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub target: Option<(TargetKind, String)>,
    pub title: String,
    pub proves: Option<String>,
    pub supersedes: Option<uuid::Uuid>,
}

/// The content of new evidence.
#[derive(Debug, Clone)]
pub enum Content<'a> {
    /// A spooled upload, hashed and typed from its bytes.
    File { path: &'a Path, file_name: Option<String>, file_type: FileType, sha256: String, size: u64 },
    /// A link.
    Link { url: String },
}

/// Adds evidence uploaded or linked by a person, refusing it beyond the tenant's `quota` of bytes.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quota: u64,
    new: NewEvidence,
    content: Content<'_>,
) -> Result<Evidence, StoreError> {
    let mut violations = Violations::default();
    let description = describe(&new.title, new.proves.as_deref(), &mut violations);
    let url = match &content {
        Content::Link { url } => violations.check(check_link(url)),
        Content::File { .. } => None,
    };
    violations.finish()?;
    let tx = begin_write(db).await?;
    let target = target_of(&tx, tenant, &new).await?;
    let (kind, sha256, size, file_name, content_type) = match &content {
        Content::File { path, file_name, file_type, sha256, size } => {
            let used = bytes_in_force(&tx, tenant).await?;
            if used.saturating_add(*size) > quota {
                return Err(StoreError::QuotaExceeded { quota, used });
            }
            let stored = StoredFile { sha256, size: *size, content_type: file_type.mime() };
            blobs::put_file(&tx, now, path, &stored).await?;
            (EvidenceKind::File, sha256.clone(), *size, file_name.clone(), Some(file_type.mime().to_owned()))
        }
        Content::Link { .. } => {
            let url = url.clone().unwrap_or_default();
            (EvidenceKind::Link, hex::encode(Sha256::digest(url.as_bytes())), 0, None, None)
        }
    };
    let row = Row {
        tenant,
        target,
        kind,
        description,
        sha256,
        size,
        file_name,
        content_type,
        url,
        supersedes: new.supersedes,
    };
    let id = insert(&tx, actor, now, row).await?;
    tx.commit().await?;
    get(db, tenant, id).await
}

/// Everything stored about one new piece of evidence.
pub(super) struct Row {
    pub tenant: TenantId,
    pub target: Target,
    pub kind: EvidenceKind,
    pub description: Description,
    pub sha256: String,
    pub size: u64,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub url: Option<String>,
    pub supersedes: Option<uuid::Uuid>,
}

/// Inserts the row and its audit entry inside the caller's transaction; answers the new id.
pub(super) async fn insert(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    row: Row,
) -> Result<uuid::Uuid, StoreError> {
    let id = uuid::Uuid::now_v7();
    let after = serde_json::json!({
        "target_kind": row.target.kind,
        "target_id": row.target.id,
        "kind": row.kind,
        "title": row.description.title,
        "sha256": row.sha256,
        "size": row.size,
        "content_type": row.content_type,
        "file_name": row.file_name,
        "url": row.url,
        "supersedes": row.supersedes,
    });
    evidence_item::ActiveModel {
        id: Set(id),
        tenant_id: Set(row.tenant.0),
        target_kind: Set(row.target.kind.as_str().to_owned()),
        target_id: Set(row.target.id),
        kind: Set(row.kind.as_str().to_owned()),
        title: Set(row.description.title),
        proves: Set(row.description.proves),
        file_name: Set(row.file_name),
        content_type: Set(row.content_type),
        sha256: Set(row.sha256),
        size: Set(row.size as i64),
        url: Set(row.url),
        supersedes_id: Set(row.supersedes),
        created_at: Set(now),
        created_by_kind: Set(actor.kind.as_str().to_owned()),
        created_by_id: Set(actor.id.clone()),
        created_by_name: Set(actor.name.clone()),
        deleted_at: Set(None),
        deleted_by_name: Set(None),
        delete_reason: Set(None),
    }
    .insert(conn)
    .await?;
    let action = if row.supersedes.is_some() { "supersede" } else { "create" };
    audit::append(conn, now, Change::new(Chain::Tenant(row.tenant), actor, "evidence", id, action).after(after))
        .await?;
    Ok(id)
}

/// The checked target: the one named, or for a correction the corrected version's (which must agree with a named one).
async fn target_of(conn: &impl ConnectionTrait, tenant: TenantId, new: &NewEvidence) -> Result<Target, StoreError> {
    let Some(old_id) = new.supersedes else {
        let (kind, id) = new
            .target
            .as_ref()
            .ok_or_else(|| ValidationError::field("target_kind", "is required: say what the evidence is for"))?;
        return targets::resolve(conn, tenant, *kind, id).await;
    };
    let old = evidence_item::Entity::find_by_id(old_id)
        .filter(evidence_item::Column::TenantId.eq(tenant.0))
        .one(conn)
        .await?
        .ok_or_else(|| ValidationError::field("supersedes", "no evidence with this id in the tenant"))?;
    if old.deleted_at.is_some() {
        return Err(StoreError::Conflict("that evidence was deleted: add new evidence instead of a correction".into()));
    }
    let successor = evidence_item::Entity::find()
        .filter(evidence_item::Column::SupersedesId.eq(old_id))
        .select_only()
        .column(evidence_item::Column::Id)
        .into_tuple::<uuid::Uuid>()
        .one(conn)
        .await?;
    if let Some(successor) = successor {
        return Err(StoreError::Conflict(format!(
            "that version is already corrected by {successor}: correct the newest version instead"
        )));
    }
    let old_kind = TargetKind::parse(&old.target_kind).unwrap_or(TargetKind::Recommendation);
    if let Some((kind, id)) = &new.target {
        let named = targets::resolve(conn, tenant, *kind, id).await?;
        if named.kind != old_kind || named.id != old.target_id {
            return Err(ValidationError::field(
                "target_id",
                "a correction stays on the target of the version it corrects",
            )
            .into());
        }
    }
    Ok(Target { kind: old_kind, id: old.target_id })
}

/// The bytes of the tenant's evidence in force: what its quota counts.
async fn bytes_in_force(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<u64, StoreError> {
    let sum: Option<Option<i64>> = evidence_item::Entity::find()
        .filter(evidence_item::Column::TenantId.eq(tenant.0))
        .filter(evidence_item::Column::Kind.eq(EvidenceKind::File.as_str()))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .select_only()
        .column_as(crate::store::sum_as_i64(evidence_item::Column::Size), "bytes")
        .into_tuple()
        .one(conn)
        .await?;
    Ok(sum.flatten().unwrap_or(0).max(0) as u64)
}

/// An admin deletes evidence: the bytes go (unless other evidence holds the same bytes), the record stays as a
/// tombstone, and the audit row keeps what it was and why it went.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: uuid::Uuid,
    reason: &str,
) -> Result<Evidence, StoreError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ValidationError::field("reason", "is required: say why evidence is deleted").into());
    }
    let tx = begin_write(db).await?;
    let old = super::find(&tx, tenant, id).await?;
    if old.deleted_at.is_some() {
        return Err(StoreError::Conflict("this evidence is already deleted".into()));
    }
    let before = serde_json::json!({
        "target_kind": old.target_kind,
        "target_id": old.target_id,
        "kind": old.kind,
        "title": old.title,
        "sha256": old.sha256,
        "size": old.size,
        "created_at": old.created_at,
        "created_by": old.created_by_name,
    });
    let sha256 = old.sha256.clone();
    let mut model: evidence_item::ActiveModel = old.into();
    model.deleted_at = Set(Some(now));
    model.deleted_by_name = Set(Some(actor.name.clone()));
    model.delete_reason = Set(Some(reason.to_owned()));
    model.update(&tx).await?;
    let bytes_dropped = blobs::drop_if_unreferenced(&tx, &sha256).await?;
    let change = Change::new(Chain::Tenant(tenant), actor, "evidence", id, "delete")
        .before(before)
        .after(serde_json::json!({ "tombstone": true, "bytes_dropped": bytes_dropped }))
        .comment(reason);
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    get(db, tenant, id).await
}
