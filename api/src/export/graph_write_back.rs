//! Sends queued write-backs to Microsoft Graph: `PATCH security/secureScoreControlProfiles/{id}` with the
//! state, a comment and the `vendorInformation` Graph requires. Each attempt's end is recorded by the store;
//! transient failures come back later through the job runner, with the back-off `domain::write_back` sets.

use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::clock::SharedClock;
use crate::domain::write_back::{FailureKind, classify, retry_delay};
use crate::import::error::ImportError;
use crate::import::fetch::{Credentials, RetryPolicy, Session};
use crate::import::graph::{DEFAULT_GRAPH_BASE_URL, DEFAULT_LOGIN_BASE_URL};
use crate::secrets::DataKey;
use crate::store::StoreError;
use crate::store::connectors::{self, ConnectorKind};
use crate::store::write_backs::{self, AttemptResult, PendingWriteBack};

/// Control ids are letters, digits and `_`, but an id is data from outside: encode anything else.
const PATH_SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'_').remove(b'-').remove(b'.').remove(b'~');

/// Sends write-backs for every tenant.
#[derive(Clone)]
pub struct GraphWriter {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    pub data_key: Arc<DataKey>,
    pub retry: RetryPolicy,
}

impl GraphWriter {
    /// Makes one attempt at the write-back `id` and records how it ended. A write-back that is no longer queued
    /// is left alone. Answers the attempt's error, so the job shows it too.
    pub async fn send(&self, id: uuid::Uuid) -> Result<(), String> {
        let Some(pending) = write_backs::start_attempt(&self.db, id).await.map_err(|e| e.to_string())? else {
            return Ok(());
        };
        let result = self.attempt(&pending).await.map_err(|e| e.to_string())?;
        let error = match &result {
            AttemptResult::Sent => None,
            AttemptResult::RetryAt { error, .. } | AttemptResult::Failed { error, .. } => Some(error.clone()),
            AttemptResult::Cancelled(why) => Some(why.clone()),
        };
        write_backs::record_attempt(&self.db, self.clock.now(), &pending, result).await.map_err(|e| e.to_string())?;
        error.map_or(Ok(()), Err)
    }

    async fn attempt(&self, pending: &PendingWriteBack) -> Result<AttemptResult, StoreError> {
        let opened = connectors::open(&self.db, &self.data_key, pending.tenant, ConnectorKind::Graph).await?;
        let Some(connector) = opened else {
            return Ok(AttemptResult::Cancelled("the tenant's Graph connector was removed".into()));
        };
        if !connector.settings.write_back.enabled {
            return Ok(AttemptResult::Cancelled("write-back was turned off before this was sent".into()));
        }
        let settings = &connector.settings;
        let credentials = Credentials {
            login_base_url: settings.login_base_url.clone().unwrap_or_else(|| DEFAULT_LOGIN_BASE_URL.to_owned()),
            azure_tenant_id: settings.azure_tenant_id.clone(),
            client_id: settings.client_id.clone(),
            client_secret: connector.client_secret.clone(),
            scope: "https://graph.microsoft.com/.default".to_owned(),
        };
        let base = settings.graph_base_url.clone().unwrap_or_else(|| DEFAULT_GRAPH_BASE_URL.to_owned());
        let url = format!(
            "{}/security/secureScoreControlProfiles/{}",
            base.trim_end_matches('/'),
            percent_encoding::utf8_percent_encode(&pending.control_id, PATH_SEGMENT)
        );
        // `assignedTo` is left out on purpose: writing it would clear an assignment made in Microsoft's portal.
        let body = serde_json::json!({
            "state": pending.state,
            "comment": pending.comment.clone().unwrap_or_default(),
            "vendorInformation": {"provider": "SecureScore", "providerVersion": null, "subProvider": null, "vendor": "Microsoft"},
        });
        let sent = match Session::new(self.retry.clone(), credentials) {
            Ok(mut session) => session.patch(&url, &body).await,
            Err(e) => Err(e),
        };
        let now = self.clock.now();
        Ok(match sent {
            Ok(()) => AttemptResult::Sent,
            Err(error) => {
                let http_status = match &error {
                    ImportError::Http { status, .. } => Some(*status),
                    _ => None,
                };
                let kind = match &error {
                    // Refused credentials need a person to fix the connector.
                    ImportError::Auth(_) => FailureKind::Permanent,
                    _ => classify(http_status),
                };
                let message = error.to_string();
                let delay = (kind == FailureKind::Transient).then(|| retry_delay(pending.attempt as u32)).flatten();
                match delay.and_then(|d| chrono::Duration::from_std(d).ok()) {
                    Some(wait) => AttemptResult::RetryAt { error: message, http_status, at: now + wait },
                    None if kind == FailureKind::Transient => AttemptResult::Failed {
                        error: format!("gave up after {} attempts: {message}", pending.attempt),
                        http_status,
                    },
                    None => AttemptResult::Failed { error: message, http_status },
                }
            }
        })
    }
}
