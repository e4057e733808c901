//! The Defender for Cloud connector: per subscription, the secure score and its controls through ARM
//! (`api-version=2020-01-01`). Microsoft's own current and max points are stored; the scores never mix with
//! the Microsoft 365 score.

use chrono::{DateTime, Utc};

use super::error::ImportError;
use super::fetch::{Credentials, RetryPolicy, Session};
use super::{ImportBatch, IncomingItem, IncomingSnapshot};
use crate::domain::recommendation::{Channel, Product};
use readers::arm::{parse_score_controls, parse_secure_scores};

/// Microsoft's production endpoint; tests point it at a local server.
pub const DEFAULT_ARM_BASE_URL: &str = "https://management.azure.com";
const API_VERSION: &str = "api-version=2020-01-01";

/// A tenant's Defender for Cloud connector, with its secret opened.
#[derive(Debug, Clone)]
pub struct DefenderConnector {
    pub azure_tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub login_base_url: String,
    pub arm_base_url: String,
    pub subscription_ids: Vec<String>,
}

/// Reads every subscription's score and controls into one batch.
pub async fn fetch(
    connector: &DefenderConnector,
    policy: RetryPolicy,
    now: DateTime<Utc>,
    mut on_page: impl FnMut(u32),
) -> Result<ImportBatch, ImportError> {
    let credentials = Credentials {
        login_base_url: connector.login_base_url.clone(),
        azure_tenant_id: connector.azure_tenant_id.clone(),
        client_id: connector.client_id.clone(),
        client_secret: connector.client_secret.clone(),
        scope: "https://management.azure.com/.default".to_owned(),
    };
    let mut session = Session::new(policy, credentials)?;
    let base = connector.arm_base_url.trim_end_matches('/');
    let mut items = Vec::new();
    let mut snapshots = Vec::new();
    for subscription in &connector.subscription_ids {
        let scores_url =
            format!("{base}/subscriptions/{subscription}/providers/Microsoft.Security/secureScores?{API_VERSION}");
        let scores = session
            .all_pages(
                scores_url,
                |b| parse_secure_scores(b).map(|p| (p.items, p.next_link)).map_err(ImportError::from),
                &mut on_page,
            )
            .await?;
        for score in &scores {
            snapshots.push(IncomingSnapshot {
                day: now.date_naive(),
                product: Product::DefenderCloud,
                scope: subscription.clone(),
                current: score.current,
                max: score.max,
                categories: Vec::new(),
                averages: serde_json::json!({ "initiative": score.name, "percentage": score.percentage, "weight": score.weight }),
            });
            let controls_url = format!(
                "{base}/subscriptions/{subscription}/providers/Microsoft.Security/secureScores/{}/secureScoreControls?{API_VERSION}",
                score.name
            );
            let controls = session
                .all_pages(
                    controls_url,
                    |b| parse_score_controls(b).map(|p| (p.items, p.next_link)).map_err(ImportError::from),
                    &mut on_page,
                )
                .await?;
            for control in controls {
                let key = format!("{subscription}/{}", control.name);
                let mut item = IncomingItem::new(
                    Product::DefenderCloud,
                    Some(key),
                    control.display_name,
                    control.max,
                    Some(control.current),
                );
                item.category = Some("Defender for Cloud".to_owned());
                item.service = Some(subscription.clone());
                item.healthy_count = Some(control.healthy);
                item.unhealthy_count = Some(control.unhealthy);
                item.not_applicable_count = Some(control.not_applicable);
                item.ms_state_text = Some("Default".into());
                items.push(item);
            }
        }
    }
    let prefixes = connector.subscription_ids.iter().map(|s| format!("{s}/")).collect();
    Ok(ImportBatch {
        channel: Channel::Defender,
        product: Product::DefenderCloud,
        items,
        snapshots,
        complete_catalog: Some(prefixes),
    }
    .without_control_characters())
}
