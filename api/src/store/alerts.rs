//! Alerts raised by monitoring: after each import, a score drop beyond the tenant's threshold and any regressions
//! become alerts (stored here, acknowledged with a comment) and notifications in the outbox for delivery.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use super::audit::{self, Change};
use super::error::check_version;
use super::page::{Page, PageRequest};
use super::triage_settings::{Versioned, read as read_setting, write as write_setting};
use super::{StoreError, begin_write, notifications, scores, tenants};
use crate::domain::alert::{
    AlertKind, AlertText, AlertThresholds, PointsMove, Severity, regression_text, score_drop, score_drop_text,
};
use crate::domain::audit::{Actor, Chain};
use crate::domain::change::ItemChange;
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Product;
use crate::entities::alert;

const THRESHOLDS: &str = "alert_thresholds";

/// The tenant's alert thresholds.
pub async fn thresholds(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Versioned<AlertThresholds>, StoreError> {
    read_setting(conn, tenant, THRESHOLDS, AlertThresholds::default()).await
}

/// Replaces the thresholds.
pub async fn set_thresholds(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    value: &AlertThresholds,
    version: Option<i64>,
) -> Result<i64, StoreError> {
    value.check()?;
    write_setting(db, actor, now, tenant, THRESHOLDS, value, version).await
}

/// An alert as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: uuid::Uuid,
    pub kind: AlertKind,
    pub severity: Severity,
    pub title: String,
    pub summary: String,
    /// The figures and items behind it.
    pub detail: serde_json::Value,
    pub import_run_id: Option<uuid::Uuid>,
    pub raised_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub ack_comment: Option<String>,
    pub version: i64,
}

fn view(m: alert::Model) -> Alert {
    Alert {
        id: m.id,
        kind: m.kind.parse().unwrap_or(AlertKind::Regression),
        severity: match m.severity.as_str() {
            "critical" => Severity::Critical,
            "info" => Severity::Info,
            _ => Severity::Warning,
        },
        title: m.title,
        summary: m.summary,
        detail: serde_json::from_str(&m.detail).unwrap_or_default(),
        import_run_id: m.import_run_id,
        raised_at: m.raised_at,
        acknowledged_at: m.acknowledged_at,
        acknowledged_by: m.acknowledged_by,
        ack_comment: m.ack_comment,
        version: m.version,
    }
}

/// Stores an alert and queues its notification, unless one with the same key exists.
#[allow(clippy::too_many_arguments)]
async fn raise(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    now: DateTime<Utc>,
    kind: AlertKind,
    key: String,
    text: AlertText,
    detail: serde_json::Value,
    facts: Vec<(String, String)>,
    run: Option<uuid::Uuid>,
) -> Result<bool, StoreError> {
    let exists = alert::Entity::find()
        .filter(alert::Column::TenantId.eq(tenant.0))
        .filter(alert::Column::DedupeKey.eq(key.clone()))
        .count(conn)
        .await?;
    if exists > 0 {
        return Ok(false);
    }
    let id = uuid::Uuid::now_v7();
    alert::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant.0),
        kind: Set(kind.as_str().into()),
        severity: Set(text.severity.as_str().into()),
        title: Set(text.title.clone()),
        summary: Set(text.summary.clone()),
        detail: Set(detail.to_string()),
        import_run_id: Set(run),
        dedupe_key: Set(key.clone()),
        raised_at: Set(now),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
        ack_comment: Set(None),
        version: Set(1),
    }
    .insert(conn)
    .await?;
    let items: Vec<serde_json::Value> = detail["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            let moved = format!("{} → {} of {}", i["from"], i["to"], i["max"]).replace("null", "n/a");
            serde_json::json!({ "title": i["title"], "detail": moved })
        })
        .collect();
    let payload = serde_json::json!({
        "alert_id": id,
        "title": text.title,
        "summary": text.summary,
        "severity": text.severity.as_str(),
        "facts": facts.into_iter().map(|(name, value)| serde_json::json!({ "name": name, "value": value })).collect::<Vec<_>>(),
        "items": items,
        "link": null,
    });
    let outbox_kind = format!("alert.{}", kind.as_str());
    notifications::enqueue(conn, Some(tenant), &outbox_kind, &format!("alert:{tenant}:{key}"), &payload, now).await?;
    Ok(true)
}

fn moves(changes: &[ItemChange], pick: impl Fn(&ItemChange) -> Option<PointsMove>) -> Vec<PointsMove> {
    changes.iter().filter_map(pick).collect()
}

/// After an import, inside its transaction: a score drop beyond the threshold against the latest earlier
/// snapshot, and the import's regressions, each raise one alert. Answers how many were raised.
pub async fn raise_after_import(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    run: uuid::Uuid,
    now: DateTime<Utc>,
    changes: &[ItemChange],
) -> Result<u64, StoreError> {
    let name = tenants::get(conn, tenant).await?.map(|t| t.name).unwrap_or_default();
    let mut raised = 0;
    let regressed = moves(changes, |c| match c {
        ItemChange::Regressed { item, achieved_from, achieved_to, max } => Some(PointsMove {
            title: item.title.clone(),
            control_id: item.control_key.clone(),
            from: *achieved_from,
            to: *achieved_to,
            max: *max,
        }),
        _ => None,
    });
    if !regressed.is_empty() {
        let text = regression_text(&name, &regressed);
        let facts = vec![("Regressed".to_owned(), regressed.len().to_string())];
        let detail = serde_json::json!({ "items": regressed });
        raised += u64::from(
            raise(
                conn,
                tenant,
                now,
                AlertKind::Regression,
                format!("regression:{run}"),
                text,
                detail,
                facts,
                Some(run),
            )
            .await?,
        );
    }
    let history = score_history(conn, tenant).await?;
    if let [.., previous, latest] = history.as_slice() {
        let limits = thresholds(conn, tenant).await?.value;
        if let Some(drop) = score_drop(previous.percent, latest.percent, &limits) {
            let fallen = moves(changes, |c| match c {
                ItemChange::ScoreChanged { item, achieved_from, achieved_to, max_to, .. }
                    if achieved_to.unwrap_or(0.0) < achieved_from.unwrap_or(0.0) =>
                {
                    Some(PointsMove {
                        title: item.title.clone(),
                        control_id: item.control_key.clone(),
                        from: *achieved_from,
                        to: *achieved_to,
                        max: *max_to,
                    })
                }
                _ => None,
            });
            let text = score_drop_text(&name, previous.percent, latest.percent, drop, &fallen);
            let facts = vec![
                ("Before".to_owned(), format!("{:.2} % on {}", previous.percent, previous.day)),
                ("Now".to_owned(), format!("{:.2} % on {}", latest.percent, latest.day)),
                ("Threshold".to_owned(), format!("{:.2} points", limits.score_drop_points)),
            ];
            let detail = serde_json::json!({
                "previous": { "day": previous.day, "percent": previous.percent, "points": previous.current, "max": previous.max },
                "current": { "day": latest.day, "percent": latest.percent, "points": latest.current, "max": latest.max },
                "drop": drop,
                "threshold": limits.score_drop_points,
                "items": fallen,
            });
            let key = format!("score_drop:{}:{}", previous.day, latest.day);
            raised +=
                u64::from(raise(conn, tenant, now, AlertKind::ScoreDrop, key, text, detail, facts, Some(run)).await?);
        }
    }
    Ok(raised)
}

/// The tenant's Microsoft Secure Score snapshots, one per day, oldest first (the two newest are compared).
async fn score_history(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<scores::Snapshot>, StoreError> {
    let mut days = scores::latest_days(conn, tenant, Product::M365, 2).await?;
    days.reverse();
    Ok(days)
}

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub acknowledged: Option<bool>,
    pub kind: Option<AlertKind>,
}

/// A page of the tenant's alerts, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    filter: &AlertFilter,
    page: &PageRequest,
) -> Result<Page<Alert>, StoreError> {
    let mut query = alert::Entity::find().filter(alert::Column::TenantId.eq(tenant.0));
    if let Some(acknowledged) = filter.acknowledged {
        query = if acknowledged {
            query.filter(alert::Column::AcknowledgedAt.is_not_null())
        } else {
            query.filter(alert::Column::AcknowledgedAt.is_null())
        };
    }
    if let Some(kind) = filter.kind {
        query = query.filter(alert::Column::Kind.eq(kind.as_str()));
    }
    let total = query.clone().count(conn).await?;
    if let Some(after) = page.after_uuid()? {
        query = query.filter(alert::Column::Id.lt(after));
    }
    let rows = query.order_by_desc(alert::Column::Id).limit(page.limit + 1).all(conn).await?;
    Ok(Page::from_rows(rows, page.limit, total, |r| r.id.to_string()).map(view))
}

/// Acknowledges an alert with a comment; acknowledging twice is refused.
pub async fn acknowledge(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    id: uuid::Uuid,
    comment: String,
    version: Option<i64>,
) -> Result<Alert, StoreError> {
    let tx = begin_write(db).await?;
    let row = alert::Entity::find_by_id(id)
        .filter(alert::Column::TenantId.eq(tenant.0))
        .one(&tx)
        .await?
        .ok_or(StoreError::NotFound("alert"))?;
    check_version(version, row.version)?;
    if let Some(by) = &row.acknowledged_by {
        return Err(StoreError::Conflict(format!("already acknowledged by {by}")));
    }
    let mut model: alert::ActiveModel = row.clone().into();
    model.acknowledged_at = Set(Some(now));
    model.acknowledged_by = Set(Some(actor.name.clone()));
    model.ack_comment = Set(Some(comment.clone()));
    model.version = Set(row.version + 1);
    let saved = model.update(&tx).await?;
    let change = Change::new(Chain::Tenant(tenant), actor, "alert", id, "acknowledge")
        .after(serde_json::json!({ "kind": row.kind, "title": row.title }))
        .comment(comment);
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(view(saved))
}
