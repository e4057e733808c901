//! A tenant's triage settings: its priority rule table and its audit scope (which frameworks make an item
//! "regulatory-aligned"). Stored as versioned documents in `settings`; absent = DESIGN.md's defaults.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::audit::{self, Change};
use super::error::check_version;
use super::{StoreError, begin_write};
use crate::domain::ValidationError;
use crate::domain::audit::{Actor, Chain};
use crate::domain::bucket::{DEFAULT_AUDIT_SCOPE, RuleSet};
use crate::domain::ids::TenantId;
use crate::entities::setting;

const RULES: &str = "priority_rules";
const SCOPE: &str = "audit_scope";

/// A tenant's settings document and its version (0 while the default applies).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Versioned<T> {
    #[serde(flatten)]
    pub value: T,
    pub version: i64,
}

/// Which frameworks count for regulatory alignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditScope {
    /// Framework keys, e.g. `iso27001`, `nis2`, `gdpr`, or the key of one of the tenant's own frameworks.
    pub frameworks: Vec<String>,
}

impl Default for AuditScope {
    fn default() -> Self {
        Self { frameworks: DEFAULT_AUDIT_SCOPE.iter().map(|k| (*k).to_owned()).collect() }
    }
}

/// A tenant's settings document `key`, or `default` while none is stored.
pub(super) async fn read<T: DeserializeOwned>(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    key: &str,
    default: T,
) -> Result<Versioned<T>, StoreError> {
    let row = setting::Entity::find_by_id((tenant.to_string(), key.to_owned())).one(conn).await?;
    Ok(match row {
        Some(row) => Versioned { value: serde_json::from_str(&row.value).unwrap_or(default), version: row.version },
        None => Versioned { value: default, version: 0 },
    })
}

/// Replaces a tenant's settings document `key`, checking the version and recording the change in the trail.
pub(super) async fn write<T: Serialize>(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    key: &'static str,
    value: &T,
    version: Option<i64>,
) -> Result<i64, StoreError> {
    let tx = begin_write(db).await?;
    let current = setting::Entity::find_by_id((tenant.to_string(), key.to_owned())).one(&tx).await?;
    let stored_version = current.as_ref().map_or(0, |c| c.version);
    check_version(version, stored_version)?;
    let text = serde_json::to_string(value).unwrap_or_default();
    let row = setting::ActiveModel {
        scope: Set(tenant.to_string()),
        key: Set(key.to_owned()),
        value: Set(text.clone()),
        version: Set(stored_version + 1),
        updated_at: Set(now),
    };
    if current.is_some() {
        row.update(&tx).await?
    } else {
        row.insert(&tx).await?
    };
    let before = current.and_then(|c| serde_json::from_str::<serde_json::Value>(&c.value).ok());
    let mut change = Change::new(Chain::Tenant(tenant), actor, "setting", key, "update")
        .after(serde_json::from_str(&text).unwrap_or_default());
    if let Some(before) = before {
        change = change.before(before);
    }
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(stored_version + 1)
}

/// The tenant's rule table.
pub async fn rules(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Versioned<RuleSet>, StoreError> {
    read(conn, tenant, RULES, RuleSet::default_rules()).await
}

/// Replaces the rule table after checking it places every rated combination; answers the new version and the
/// warnings (rules no combination reaches).
pub async fn set_rules(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    rules: &RuleSet,
    version: Option<i64>,
) -> Result<(i64, Vec<String>), StoreError> {
    let warnings = rules.check()?;
    let version = write(db, actor, now, tenant, RULES, rules, version).await?;
    Ok((version, warnings))
}

/// The tenant's audit scope.
pub async fn scope(conn: &impl ConnectionTrait, tenant: TenantId) -> Result<Versioned<AuditScope>, StoreError> {
    read(conn, tenant, SCOPE, AuditScope::default()).await
}

/// Replaces the audit scope; every key must name a framework the tenant can see.
pub async fn set_scope(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    scope: &AuditScope,
    known: &[String],
    version: Option<i64>,
) -> Result<i64, StoreError> {
    let mut violations = crate::domain::Violations::default();
    for (i, key) in scope.frameworks.iter().enumerate() {
        if !known.contains(key) {
            violations.add(
                format!("frameworks[{i}]"),
                format!("`{key}` is not a framework; use one of {}", known.join(", ")),
            );
        }
    }
    violations.finish()?;
    if scope.frameworks.is_empty() {
        return Err(ValidationError::field("frameworks", "needs at least one framework").into());
    }
    write(db, actor, now, tenant, SCOPE, scope, version).await
}
