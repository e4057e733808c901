//! Per-tenant connectors to Microsoft (Graph, Defender for Cloud). The client secret is sealed with the data key
//! before it is stored and is never returned.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde::{Deserialize, Serialize};

use super::audit::{self, Change};
use super::error::check_version;
use super::{StoreError, begin_write};
use crate::domain::ValidationError;
use crate::domain::audit::{Actor, Chain};
use crate::domain::ids::TenantId;
use crate::domain::write_back::WriteBackSettings;
use crate::entities::connector;
use crate::secrets::DataKey;

/// Which connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    /// Microsoft Graph: Microsoft Secure Score.
    Graph,
    /// Azure Resource Manager: Defender for Cloud secure score.
    Defender,
}

impl ConnectorKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorKind::Graph => "graph",
            ConnectorKind::Defender => "defender",
        }
    }

    fn purpose(self, tenant: TenantId) -> String {
        sealed_purpose(tenant, self.as_str())
    }
}

/// What a connector's secret is sealed for (bound as associated data, so it opens only here).
pub(crate) fn sealed_purpose(tenant: TenantId, kind: &str) -> String {
    format!("connector:{tenant}:{kind}")
}

/// The non-secret settings of a connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConnectorSettings {
    /// The customer's Entra tenant (GUID or domain).
    pub azure_tenant_id: String,
    /// The app registration's client id.
    pub client_id: String,
    /// Token endpoint base; default `https://login.microsoftonline.com`.
    pub login_base_url: Option<String>,
    /// Graph base; default `https://graph.microsoft.com/v1.0` (Graph connector).
    pub graph_base_url: Option<String>,
    /// ARM base; default `https://management.azure.com` (Defender connector).
    pub arm_base_url: Option<String>,
    /// Azure subscriptions to read (Defender connector).
    #[serde(default)]
    pub subscription_ids: Vec<String>,
    /// Writing team statuses back to Microsoft Secure Score (Graph connector only; off by default).
    #[serde(default)]
    pub write_back: WriteBackSettings,
}

/// A connector as the API shows it: never the secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Connector {
    pub kind: ConnectorKind,
    #[serde(flatten)]
    pub settings: ConnectorSettings,
    /// A secret is stored (it is write-only).
    pub has_secret: bool,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// How the Graph write-back queue stands (Graph connector, when read on its own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_back_queue: Option<super::write_backs::WriteBackQueue>,
}

/// A connector with its secret opened, for the importer only.
#[derive(Debug, Clone)]
pub struct OpenedConnector {
    pub settings: ConnectorSettings,
    pub client_secret: String,
}

fn view(kind: ConnectorKind, m: &connector::Model) -> Connector {
    Connector {
        kind,
        settings: serde_json::from_str(&m.config).unwrap_or(ConnectorSettings {
            azure_tenant_id: String::new(),
            client_id: String::new(),
            login_base_url: None,
            graph_base_url: None,
            arm_base_url: None,
            subscription_ids: Vec::new(),
            write_back: WriteBackSettings::default(),
        }),
        has_secret: !m.secret_sealed.is_empty(),
        updated_at: m.updated_at,
        version: m.version,
        write_back_queue: None,
    }
}

/// A connector change: settings, and a new secret when given.
pub struct ConnectorWrite {
    pub settings: ConnectorSettings,
    pub client_secret: Option<String>,
    pub version: Option<i64>,
}

/// Creates or replaces a tenant's connector. A new connector needs a secret; an update without one keeps it.
pub async fn put(
    db: &DatabaseConnection,
    key: &DataKey,
    actor: &Actor,
    now: DateTime<Utc>,
    tenant: TenantId,
    kind: ConnectorKind,
    write: ConnectorWrite,
) -> Result<Connector, StoreError> {
    let tx = begin_write(db).await?;
    let existing = connector::Entity::find_by_id((tenant.0, kind.as_str().to_owned())).one(&tx).await?;
    if let Some(current) = &existing {
        check_version(write.version, current.version)?;
    }
    let sealed = match (write.client_secret, &existing) {
        (Some(secret), _) => key.seal(&kind.purpose(tenant), secret.as_bytes())?,
        (None, Some(current)) => current.secret_sealed.clone(),
        (None, None) => return Err(ValidationError::field("client_secret", "is required for a new connector").into()),
    };
    let secret_changed = existing.as_ref().is_none_or(|c| c.secret_sealed != sealed);
    let version = existing.as_ref().map_or(1, |c| c.version + 1);
    let model = connector::ActiveModel {
        tenant_id: Set(tenant.0),
        kind: Set(kind.as_str().to_owned()),
        config: Set(serde_json::to_string(&write.settings).unwrap_or_default()),
        secret_sealed: Set(sealed),
        version: Set(version),
        updated_at: Set(now),
    };
    let saved = if existing.is_some() { model.update(&tx).await? } else { model.insert(&tx).await? };
    let before = existing.as_ref().map(|c| serde_json::to_value(view(kind, c)).unwrap_or_default());
    let mut after = serde_json::to_value(view(kind, &saved)).unwrap_or_default();
    after["secret_changed"] = serde_json::Value::Bool(secret_changed);
    let mut change = Change::new(Chain::Tenant(tenant), actor, "connector", kind.as_str(), "configure").after(after);
    if let Some(before) = before {
        change = change.before(before);
    }
    audit::append(&tx, now, change).await?;
    tx.commit().await?;
    Ok(view(kind, &saved))
}

/// The tenant's connector of `kind`, if configured; the Graph connector with its write-back queue.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    kind: ConnectorKind,
) -> Result<Option<Connector>, StoreError> {
    let Some(mut connector) = settings_of(conn, tenant, kind).await? else { return Ok(None) };
    if kind == ConnectorKind::Graph {
        connector.write_back_queue = Some(super::write_backs::queue_state(conn, tenant).await?);
    }
    Ok(Some(connector))
}

/// The tenant's connector of `kind` without anything derived from other tables.
pub async fn settings_of(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    kind: ConnectorKind,
) -> Result<Option<Connector>, StoreError> {
    let model = connector::Entity::find_by_id((tenant.0, kind.as_str().to_owned())).one(conn).await?;
    Ok(model.map(|m| view(kind, &m)))
}

/// The connector with its secret opened.
pub async fn open(
    conn: &impl ConnectionTrait,
    key: &DataKey,
    tenant: TenantId,
    kind: ConnectorKind,
) -> Result<Option<OpenedConnector>, StoreError> {
    let Some(model) = connector::Entity::find_by_id((tenant.0, kind.as_str().to_owned())).one(conn).await? else {
        return Ok(None);
    };
    let secret = key.open(&kind.purpose(tenant), &model.secret_sealed)?;
    Ok(Some(OpenedConnector {
        settings: view(kind, &model).settings,
        client_secret: String::from_utf8_lossy(&secret).into_owned(),
    }))
}
