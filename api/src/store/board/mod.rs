//! The board's quarterly report: assembled live for the current quarter, snapshotted when a quarter ends (so a
//! past quarter never shows today's figures), and frozen — JSON and HTML — when the CISO signs it off.

mod assemble;

pub use assemble::assemble;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::audit::{self, Change};
use super::{StoreError, begin_write};
use crate::domain::audit::{Actor, Chain};
use crate::domain::board::{BoardReport, SignOff};
use crate::domain::ids::TenantId;
use crate::domain::quarter::Quarter;
use crate::entities::{board_report, tenant};
use crate::export::board_html;

async fn row(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
) -> Result<Option<board_report::Model>, StoreError> {
    Ok(board_report::Entity::find_by_id((tenant.0, quarter.to_string())).one(conn).await?)
}

fn parsed(text: Option<&str>) -> Option<BoardReport> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

/// Stores the snapshot of an ended quarter (once).
async fn store_snapshot(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    quarter: Quarter,
    report: &BoardReport,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let text = serde_json::to_string(report).unwrap_or_default();
    match row(conn, tenant, quarter).await? {
        Some(existing) if existing.snapshot.is_some() => {}
        Some(existing) => {
            let mut model: board_report::ActiveModel = existing.into();
            model.snapshot = Set(Some(text));
            model.snapshot_at = Set(Some(now));
            model.update(conn).await?;
        }
        None => {
            board_report::ActiveModel {
                tenant_id: Set(tenant.0),
                quarter: Set(quarter.to_string()),
                snapshot: Set(Some(text)),
                snapshot_at: Set(Some(now)),
                signed_report: Set(None),
                signed_html: Set(None),
                signed_by: Set(None),
                signed_at: Set(None),
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

/// The report as it stands: the signed-off copy once signed; for an ended quarter the snapshot taken at its end
/// (taken now if the runner has not yet); otherwise live.
pub async fn report(
    db: &DatabaseConnection,
    tenant: TenantId,
    quarter: Quarter,
    now: DateTime<Utc>,
) -> Result<BoardReport, StoreError> {
    let stored = row(db, tenant, quarter).await?;
    if let Some(signed) = parsed(stored.as_ref().and_then(|r| r.signed_report.as_deref())) {
        return Ok(signed);
    }
    if let Some(snapshot) = parsed(stored.as_ref().and_then(|r| r.snapshot.as_deref())) {
        return Ok(snapshot);
    }
    let report = assemble(db, tenant, quarter, now).await?;
    if report.closed {
        let tx = begin_write(db).await?;
        store_snapshot(&tx, tenant, quarter, &report, now).await?;
        tx.commit().await?;
    }
    Ok(report)
}

/// The printable page: the frozen one once signed off, else rendered from [`report`].
pub async fn html(
    db: &DatabaseConnection,
    tenant: TenantId,
    quarter: Quarter,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    if let Some(html) = row(db, tenant, quarter).await?.and_then(|r| r.signed_html) {
        return Ok(html);
    }
    Ok(board_html::render(&report(db, tenant, quarter, now).await?))
}

/// Signs the report off (CISO): freezes its JSON and HTML with signer and time. Signing twice is refused.
pub async fn sign_off(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    quarter: Quarter,
) -> Result<BoardReport, StoreError> {
    let mut report = report(db, tenant, quarter, now).await?;
    if let Some(signed) = &report.sign_off {
        return Err(StoreError::Conflict(format!("{quarter} was signed off by {} at {}", signed.by, signed.at)));
    }
    report.sign_off = Some(SignOff { by: actor.name.clone(), at: now });
    let html = board_html::render(&report);
    let tx = begin_write(db).await?;
    if row(&tx, tenant, quarter).await?.and_then(|r| r.signed_at).is_some() {
        return Err(StoreError::Conflict(format!("{quarter} was signed off meanwhile")));
    }
    let model = board_report::ActiveModel {
        tenant_id: Set(tenant.0),
        quarter: Set(quarter.to_string()),
        signed_report: Set(Some(serde_json::to_string(&report).unwrap_or_default())),
        signed_html: Set(Some(html.clone())),
        signed_by: Set(Some(actor.name.clone())),
        signed_at: Set(Some(now)),
        ..Default::default()
    };
    if row(&tx, tenant, quarter).await?.is_some() {
        model.update(&tx).await?;
    } else {
        let mut model = model;
        model.snapshot = Set(None);
        model.snapshot_at = Set(None);
        model.insert(&tx).await?;
    }
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(html.as_bytes()));
    let change = Change::new(Chain::Tenant(tenant), actor, "board_report", quarter, "sign_off")
        .after(serde_json::json!({ "quarter": quarter, "html_sha256": digest, "score": report.score }));
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(report)
}

/// When a quarter has ended: snapshots every tenant's report for it (tenants that existed by its end) and
/// closes the plans of ended quarters. Answers how many snapshots were taken.
pub async fn close_quarters(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let ended = Quarter::of(now.date_naive()).previous();
    let mut taken = 0;
    for t in tenant::Entity::find()
        .filter(tenant::Column::CreatedAt.lte(ended.end().and_hms_opt(23, 59, 59).map(|d| d.and_utc())))
        .all(db)
        .await?
    {
        let tenant = TenantId(t.id);
        if row(db, tenant, ended).await?.is_some_and(|r| r.snapshot.is_some() || r.signed_report.is_some()) {
            continue;
        }
        let report = assemble(db, tenant, ended, now).await?;
        let tx = begin_write(db).await?;
        store_snapshot(&tx, tenant, ended, &report, now).await?;
        tx.commit().await?;
        taken += 1;
    }
    super::roadmap::close_ended(db, now).await?;
    Ok(taken)
}
