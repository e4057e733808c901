//! The Microsoft Graph connector: control profiles (every page) joined to the newest day's control scores,
//! plus up to 90 days of score history.

use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

use super::error::ImportError;
use super::fetch::{Credentials, RetryPolicy, Session};
use super::{ImportBatch, IncomingItem, IncomingSnapshot};
use crate::domain::recommendation::{Channel, MicrosoftState, Product};
use crate::domain::score::{CategoryScore, round2};
use readers::graph::{
    ControlProfile, ControlScore, MsLevel, MsState, ScoreDay, parse_profiles_page, parse_scores_page,
};

/// Microsoft's production endpoints; tests point both at a local server.
pub const DEFAULT_LOGIN_BASE_URL: &str = "https://login.microsoftonline.com";
pub const DEFAULT_GRAPH_BASE_URL: &str = "https://graph.microsoft.com/v1.0";
/// Days of score history Graph keeps.
const HISTORY_DAYS: usize = 90;

/// A tenant's Graph connector, with its secret opened.
#[derive(Debug, Clone)]
pub struct GraphConnector {
    pub azure_tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub login_base_url: String,
    pub graph_base_url: String,
}

/// Reads profiles and scores from Graph into one batch; `on_page` hears the page count as it grows.
pub async fn fetch(
    connector: &GraphConnector,
    policy: RetryPolicy,
    mut on_page: impl FnMut(u32),
) -> Result<ImportBatch, ImportError> {
    let credentials = Credentials {
        login_base_url: connector.login_base_url.clone(),
        azure_tenant_id: connector.azure_tenant_id.clone(),
        client_id: connector.client_id.clone(),
        client_secret: connector.client_secret.clone(),
        scope: "https://graph.microsoft.com/.default".to_owned(),
    };
    let mut session = Session::new(policy, credentials)?;
    let base = connector.graph_base_url.trim_end_matches('/');
    let profiles = session
        .all_pages(
            format!("{base}/security/secureScoreControlProfiles"),
            |body| parse_profiles_page(body).map(|p| (p.profiles, p.next_link)).map_err(ImportError::from),
            &mut on_page,
        )
        .await?;
    let mut days: Vec<ScoreDay> = Vec::new();
    let mut next = Some(format!("{base}/security/secureScores?$top={HISTORY_DAYS}"));
    let mut visited = std::collections::HashSet::new();
    // History: stop once 90 days are in hand, whatever further links say.
    while let Some(url) = next.take() {
        if !visited.insert(url.clone()) {
            return Err(ImportError::PagingLoop(format!("{url} was linked twice")));
        }
        let page = parse_scores_page(&session.get(&url).await?)?;
        on_page(session.pages);
        days.extend(page.days);
        next = page.next_link.filter(|_| days.len() < HISTORY_DAYS);
    }
    days.sort_by_key(|d| std::cmp::Reverse(d.created));
    Ok(batch_from(profiles, &days))
}

fn level(level: MsLevel) -> String {
    match level {
        MsLevel::Low => "low",
        MsLevel::Moderate => "moderate",
        MsLevel::High => "high",
        MsLevel::Unknown => "unknown",
    }
    .to_owned()
}

/// Microsoft's state word mapped onto the domain's view of it.
pub fn microsoft_state(state: MsState) -> MicrosoftState {
    match state {
        MsState::Default => MicrosoftState::Default,
        MsState::Ignored => MicrosoftState::RiskAccepted,
        MsState::ThirdParty => MicrosoftState::ThirdParty,
        MsState::AlternateMitigation => MicrosoftState::AlternateMitigation,
        MsState::Planned => MicrosoftState::Planned,
        MsState::Reviewed | MsState::Other => MicrosoftState::Other,
    }
}

/// Joins profiles to the newest day's scores. Both one-sided cases are kept: a score without a profile becomes
/// an item titled by its control name; a profile without a score is not applicable (`achieved` = `None`).
fn batch_from(profiles: Vec<ControlProfile>, days: &[ScoreDay]) -> ImportBatch {
    let newest: HashMap<&str, &ControlScore> =
        days.first().map(|d| d.controls.iter().map(|c| (c.name.as_str(), c)).collect()).unwrap_or_default();
    let mut items = Vec::with_capacity(profiles.len());
    let mut max_by_id: HashMap<String, (Option<String>, f64)> = HashMap::new();
    for profile in profiles {
        let score = newest.get(profile.id.as_str()).copied();
        let max = profile.max_score.unwrap_or(0.0);
        max_by_id.insert(profile.id.clone(), (profile.category.clone(), max));
        let title = profile.title.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| profile.id.clone());
        let mut item =
            IncomingItem::new(Product::M365, Some(profile.id.clone()), title, max, score.and_then(|s| s.score));
        item.category = profile.category.clone().or_else(|| score.and_then(|s| s.category.clone()));
        item.service = profile.service;
        item.rank = profile.rank;
        item.implementation_cost = Some(level(profile.implementation_cost));
        item.user_impact = Some(level(profile.user_impact));
        item.tier = profile.tier;
        item.threats = Some(profile.threats);
        item.remediation = profile.remediation;
        item.remediation_impact = profile.remediation_impact;
        item.action_type = profile.action_type;
        item.action_url = profile.action_url;
        item.deprecated = Some(profile.deprecated);
        let (state, text) = profile
            .state
            .map(|s| (microsoft_state(s.state), s.raw))
            .unwrap_or((MicrosoftState::Default, "Default".into()));
        item.ms_state = state;
        item.ms_state_text = Some(text);
        item.implementation_status = score.and_then(|s| s.implementation_status.clone());
        item.last_synced = score.and_then(|s| s.last_synced);
        items.push(item);
    }
    let score_only: Vec<&ControlScore> =
        newest.values().copied().filter(|s| !max_by_id.contains_key(&s.name)).collect();
    for score in score_only {
        let achieved = score.score.unwrap_or(0.0);
        // No profile: the max is only known when the percentage says how much of it was achieved.
        let max = match score.score_in_percentage {
            Some(p) if p > 0.0 => round2(achieved * 100.0 / p),
            _ => achieved,
        };
        let mut item =
            IncomingItem::new(Product::M365, Some(score.name.clone()), score.name.clone(), max, Some(achieved));
        item.category = score.category.clone();
        item.implementation_status = score.implementation_status.clone();
        item.last_synced = score.last_synced;
        item.ms_state_text = Some("Default".into());
        max_by_id.insert(score.name.clone(), (score.category.clone(), max));
        items.push(item);
    }
    let snapshots = days.iter().map(|day| snapshot_of(day, &max_by_id)).collect();
    ImportBatch {
        channel: Channel::Graph,
        product: Product::M365,
        items,
        snapshots,
        complete_catalog: Some(Vec::new()),
    }
    .without_control_characters()
}

fn snapshot_of(day: &ScoreDay, max_by_id: &HashMap<String, (Option<String>, f64)>) -> IncomingSnapshot {
    let mut by_category: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for control in &day.controls {
        let (profile_category, max) = max_by_id.get(&control.name).cloned().unwrap_or((None, 0.0));
        let category = control.category.clone().or(profile_category).unwrap_or_else(|| "Uncategorised".into());
        let entry = by_category.entry(category).or_default();
        entry.0 += control.score.unwrap_or(0.0);
        entry.1 += max;
    }
    let categories = by_category
        .into_iter()
        .map(|(category, (a, m))| CategoryScore { category, achieved: round2(a), max: round2(m) })
        .collect();
    let averages = serde_json::Value::Array(
        day.averages
            .iter()
            .map(|a| {
                let per_category: serde_json::Map<String, serde_json::Value> = a
                    .per_category
                    .iter()
                    .map(|(name, score, max)| (name.clone(), serde_json::json!({ "score": score, "max": max })))
                    .collect();
                serde_json::json!({ "basis": a.basis, "average_score": a.average_score, "categories": per_category })
            })
            .collect(),
    );
    IncomingSnapshot {
        day: day_of(day.created),
        product: Product::M365,
        scope: String::new(),
        current: day.current_score,
        max: day.max_score,
        categories,
        averages,
    }
}

fn day_of(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.date_naive()
}
