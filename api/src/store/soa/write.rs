//! Changing a row of the Statement of Applicability, and its history: every change is a row of the tenant's audit
//! chain (entity `soa_statement`, the control id as entity id), written in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use std::collections::HashSet;

use super::{SoaRow, annex_a, evidence_ids, rows};
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::domain::soa::{Implementation, Statement, check};
use crate::domain::{ValidationError, Violations};
use crate::entities::{evidence_item, soa_statement};
use crate::store::audit::{AuditFilter, AuditRecord, Change};
use crate::store::error::require_version;
use crate::store::page::{Page, PageRequest};
use crate::store::priority_order::ranked_items;
use crate::store::{StoreError, audit, begin_write};

/// What a person states about a control: the whole row, replacing the previous statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementChange {
    pub applicable: bool,
    pub applicability_justification: Option<String>,
    pub implementation: Option<Implementation>,
    pub implementation_justification: Option<String>,
    /// Evidence items of the tenant, not deleted.
    pub evidence_ids: Vec<uuid::Uuid>,
}

impl StatementChange {
    fn statement(&self) -> Statement<'_> {
        Statement {
            applicable: self.applicable,
            applicability_justification: self.applicability_justification.as_deref(),
            implementation: self.implementation,
            implementation_justification: self.implementation_justification.as_deref(),
        }
    }
}

/// Records every evidence id that is not a live evidence item of the tenant.
async fn check_evidence(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[uuid::Uuid],
    violations: &mut Violations,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let found: HashSet<uuid::Uuid> = evidence_item::Entity::find()
        .filter(evidence_item::Column::TenantId.eq(tenant.0))
        .filter(evidence_item::Column::DeletedAt.is_null())
        .filter(evidence_item::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    for (i, id) in ids.iter().enumerate() {
        if !found.contains(id) {
            violations.add(format!("evidence_ids[{i}]"), "is not an evidence item of this tenant, or it was deleted");
        }
    }
    Ok(())
}

/// What the audit trail keeps of a statement.
fn snapshot(s: &soa_statement::Model) -> Value {
    json!({
        "applicable": s.applicable,
        "applicability_justification": s.applicability_justification,
        "implementation": s.implementation,
        "implementation_justification": s.implementation_justification,
        "evidence_ids": evidence_ids(s),
        "version": s.version,
    })
}

/// Replaces a control's statement, based on `version` (0 while nobody has stated anything): 422 for an unknown
/// control, a missing justification or unknown evidence, then 428 without a version and 412 when stale.
pub async fn put(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    control_id: &str,
    change: StatementChange,
    version: Option<i64>,
) -> Result<SoaRow, StoreError> {
    let tx = begin_write(db).await?;
    let ranked = ranked_items(&tx, tenant).await?;
    let current = rows(&tx, tenant, &ranked, now, Some(control_id)).await?.1.into_iter().next().ok_or_else(|| {
        ValidationError::field("control_id", format!("`{control_id}` is not an ISO/IEC 27001:2022 Annex A control"))
    })?;
    let mut evidence = change.evidence_ids.clone();
    let mut seen = HashSet::new();
    evidence.retain(|id| seen.insert(*id));
    let mut violations = Violations::default();
    violations.check(check(&change.statement(), current.computed_implementation));
    check_evidence(&tx, tenant, &evidence, &mut violations).await?;
    violations.finish()?;
    require_version(version, current.version)?;

    let stored = soa_statement::Entity::find_by_id((tenant.0, control_id.to_owned())).one(&tx).await?;
    let trim = |text: Option<String>| text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let model = soa_statement::ActiveModel {
        tenant_id: Set(tenant.0),
        control_id: Set(control_id.to_owned()),
        applicable: Set(change.applicable),
        applicability_justification: Set(trim(change.applicability_justification)),
        implementation: Set(change.implementation.map(|i| i.as_str().to_owned())),
        implementation_justification: Set(trim(change.implementation_justification)),
        evidence_ids: Set(serde_json::to_string(&evidence).unwrap_or_else(|_| "[]".to_owned())),
        attested_by_id: Set(actor.id.clone()),
        attested_by_name: Set(Some(actor.name.clone())),
        attested_at: Set(Some(now)),
        version: Set(current.version + 1),
        updated_at: Set(now),
    };
    let (saved, action) = match &stored {
        Some(_) => (model.update(&tx).await?, "update"),
        None => (model.insert(&tx).await?, "create"),
    };
    let mut entry =
        Change::new(Chain::Tenant(tenant), actor, "soa_statement", control_id, action).after(snapshot(&saved));
    if let Some(before) = &stored {
        entry = entry.before(snapshot(before));
    }
    audit::append(&tx, now, entry).await?;
    let row = rows(&tx, tenant, &ranked, now, Some(control_id)).await?.1.into_iter().next();
    tx.commit().await?;
    row.ok_or(StoreError::NotFound("control"))
}

/// The changes to a control's row, oldest first, from the tenant's audit trail.
pub async fn history(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    control_id: &str,
    page: &PageRequest,
) -> Result<Page<AuditRecord>, StoreError> {
    if annex_a(conn, tenant, Some(control_id)).await?.1.is_empty() {
        return Err(StoreError::NotFound("control"));
    }
    let filter = AuditFilter {
        entity: Some("soa_statement".to_owned()),
        entity_id: Some(control_id.to_owned()),
        ..AuditFilter::default()
    };
    audit::list(conn, Chain::Tenant(tenant), &filter, page).await
}
