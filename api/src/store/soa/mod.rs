//! The tenant's Statement of Applicability: every ISO/IEC 27001:2022 Annex A control in catalog order, even those
//! nobody has stated anything about, with applicability, the implementation (`domain::soa::assess` over the one
//! coverage function, `domain::coverage`), the mapped recommendations (the tenant's mapping overrides honoured,
//! as coverage does), the live register entries touching them, and the evidence count. Each table is read in one
//! pass for all 93 controls, never once per control.

mod write;

pub use write::{StatementChange, history, put};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

use super::StoreError;
use super::priority_order::{RankedItem, ranked_items};
use super::register::{ItemRegisterLink, Participant, live_entries_by_item};
use crate::domain::bucket::Bucket;
use crate::domain::coverage::{CoverageState, CoveredItem, control_coverage};
use crate::domain::ids::TenantId;
use crate::domain::recommendation::Status;
use crate::domain::soa::{Assessment, Implementation, SoaSummary, Statement, assess, computed, summarise};
use crate::entities::{evidence_item, framework_control, recommendation, soa_statement};

/// The framework whose Annex A the statement covers.
pub const FRAMEWORK: &str = "iso27001";
/// Evidence attached to a recommendation (`target_id` is its id).
const ON_RECOMMENDATION: &str = "recommendation";
/// Evidence attached to a row of the statement (`target_id` is the control id).
const ON_SOA_CONTROL: &str = "soa_control";

/// A recommendation mapped to a control, as its row shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SoaRecommendation {
    pub id: uuid::Uuid,
    /// The Secure Score control id.
    pub external_id: Option<String>,
    pub title: String,
    pub status: Status,
    pub bucket: Bucket,
    /// Deprecated, zero-point or not-applicable items are listed but not counted.
    pub scored: bool,
}

/// One Annex A control's row.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SoaRow {
    pub control_id: String,
    /// `A.5.17`.
    pub display_id: String,
    pub title: String,
    /// Organizational, People, Physical or Technological.
    pub theme: Option<String>,
    pub applicable: bool,
    pub applicability_justification: Option<String>,
    /// The implementation, where it comes from (`computed`, `attested`, `not_assessed`) and how it was reached.
    #[serde(flatten)]
    pub assessment: Assessment,
    /// The coverage of the mapped recommendations.
    pub coverage: CoverageState,
    /// What the mapped recommendations give, whatever was attested; `null` without technical mappings.
    pub computed_implementation: Option<Implementation>,
    /// The implementation a person attested, as stored (it counts only as the rules of `basis` say).
    pub attested_implementation: Option<Implementation>,
    pub implementation_justification: Option<String>,
    /// Who last stated something about the control, and when; `null` while nobody has.
    pub attested_by: Option<Participant>,
    pub attested_at: Option<DateTime<Utc>>,
    /// The evidence the attestation links to.
    pub evidence_ids: Vec<uuid::Uuid>,
    pub mapped_recommendations: Vec<SoaRecommendation>,
    /// Register entries submitted, reviewed or approved that cover a mapped recommendation.
    pub risk_acceptances: Vec<ItemRegisterLink>,
    /// Distinct, not deleted evidence items (the newest version of a corrected one): on the mapped recommendations,
    /// on this row, and linked by it.
    pub evidence_count: usize,
    /// 0 until someone states something; send it back on the next write.
    pub version: i64,
}

/// The tenant's Statement of Applicability.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StatementOfApplicability {
    pub framework: String,
    pub name: String,
    pub summary: SoaSummary,
    /// Every Annex A control in force, in catalog order.
    pub controls: Vec<SoaRow>,
}

/// The tenant's Statement of Applicability now.
pub async fn read(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<StatementOfApplicability, StoreError> {
    let ranked = ranked_items(conn, tenant).await?;
    read_with(conn, tenant, &ranked, now).await
}

/// [`read`] over items already placed (`priority_order::ranked_items`), so an export reads them once.
pub async fn read_with(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ranked: &[RankedItem],
    now: DateTime<Utc>,
) -> Result<StatementOfApplicability, StoreError> {
    let (name, controls) = rows(conn, tenant, ranked, now, None).await?;
    let summary = summarise(controls.iter().map(|r| (r.applicable, &r.assessment)));
    Ok(StatementOfApplicability { framework: FRAMEWORK.to_owned(), name, summary, controls })
}

/// The Annex A controls in force (all, or only `only`), in catalog order, with the framework's name.
async fn annex_a(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    only: Option<&str>,
) -> Result<(String, Vec<framework_control::Model>), StoreError> {
    let framework =
        super::frameworks::visible(conn, tenant, FRAMEWORK).await?.ok_or(StoreError::NotFound("framework"))?;
    let mut query = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(framework.id))
        .filter(framework_control::Column::Retired.eq(false));
    if let Some(control_id) = only {
        query = query.filter(framework_control::Column::ControlId.eq(control_id));
    }
    let controls = query.order_by_asc(framework_control::Column::Position).all(conn).await?;
    Ok((framework.name, controls))
}

/// The rows of the controls in force (all, or only `only`), with the framework's name.
async fn rows(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ranked: &[RankedItem],
    now: DateTime<Utc>,
    only: Option<&str>,
) -> Result<(String, Vec<SoaRow>), StoreError> {
    let (name, controls) = annex_a(conn, tenant, only).await?;
    let wanted: HashSet<&str> = controls.iter().map(|c| c.control_id.as_str()).collect();
    let mut items_by_control: HashMap<&str, Vec<&RankedItem>> = HashMap::new();
    for item in ranked {
        for (framework, control) in &item.mapped {
            if framework == FRAMEWORK && wanted.contains(control.as_str()) {
                items_by_control.entry(control.as_str()).or_default().push(item);
            }
        }
    }
    let mapped_ids: BTreeSet<uuid::Uuid> = items_by_control.values().flatten().map(|i| i.id).collect();
    let names = item_names(conn, &mapped_ids).await?;
    let entries = live_entries_by_item(conn, tenant, now).await?;
    let mut statements = soa_statement::Entity::find().filter(soa_statement::Column::TenantId.eq(tenant.0));
    if let Some(control_id) = only {
        statements = statements.filter(soa_statement::Column::ControlId.eq(control_id));
    }
    let statements: HashMap<String, soa_statement::Model> =
        statements.all(conn).await?.into_iter().map(|s| (s.control_id.clone(), s)).collect();
    let linked: Vec<uuid::Uuid> = statements.values().flat_map(evidence_ids).collect();
    let evidence = Evidence::read(conn, tenant, &linked).await?;
    let rows = controls
        .into_iter()
        .map(|control| {
            let items = items_by_control.remove(control.control_id.as_str()).unwrap_or_default();
            let stored = statements.get(&control.control_id);
            row(control, &items, stored, &names, &entries, &evidence)
        })
        .collect();
    Ok((name, rows))
}

/// `(external id, title)` of each item among `ids`.
async fn item_names(
    conn: &impl ConnectionTrait,
    ids: &BTreeSet<uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, (Option<String>, String)>, StoreError> {
    let mut names = HashMap::with_capacity(ids.len());
    let ids: Vec<uuid::Uuid> = ids.iter().copied().collect();
    // One value bound per item; SQLite allows 32 766 per statement.
    for chunk in ids.chunks(10_000) {
        let rows: Vec<(uuid::Uuid, Option<String>, String)> = recommendation::Entity::find()
            .select_only()
            .columns([recommendation::Column::Id, recommendation::Column::ControlKey, recommendation::Column::Title])
            .filter(recommendation::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        names.extend(rows.into_iter().map(|(id, key, title)| (id, (key, title))));
    }
    Ok(names)
}

/// The evidence ids a stored statement links to.
fn evidence_ids(statement: &soa_statement::Model) -> Vec<uuid::Uuid> {
    serde_json::from_str(&statement.evidence_ids).unwrap_or_default()
}

/// The tenant's live (not deleted) evidence the statement counts, read in one query. A version another one
/// corrects counts once, through its newest version.
struct Evidence {
    on_recommendation: HashMap<uuid::Uuid, Vec<uuid::Uuid>>,
    on_control: HashMap<String, Vec<uuid::Uuid>>,
    live: HashSet<uuid::Uuid>,
}

impl Evidence {
    async fn read(conn: &impl ConnectionTrait, tenant: TenantId, linked: &[uuid::Uuid]) -> Result<Self, StoreError> {
        let mut wanted =
            Condition::any().add(evidence_item::Column::TargetKind.is_in([ON_RECOMMENDATION, ON_SOA_CONTROL]));
        if !linked.is_empty() {
            wanted = wanted.add(evidence_item::Column::Id.is_in(linked.to_vec()));
        }
        let rows: Vec<(uuid::Uuid, String, String, Option<uuid::Uuid>)> = evidence_item::Entity::find()
            .select_only()
            .columns([
                evidence_item::Column::Id,
                evidence_item::Column::TargetKind,
                evidence_item::Column::TargetId,
                evidence_item::Column::SupersedesId,
            ])
            .filter(evidence_item::Column::TenantId.eq(tenant.0))
            .filter(evidence_item::Column::DeletedAt.is_null())
            .filter(wanted)
            .into_tuple()
            .all(conn)
            .await?;
        let mut evidence =
            Evidence { on_recommendation: HashMap::new(), on_control: HashMap::new(), live: HashSet::new() };
        let corrected: HashSet<uuid::Uuid> = rows.iter().filter_map(|r| r.3).collect();
        for (id, kind, target, _) in rows {
            evidence.live.insert(id);
            if corrected.contains(&id) {
                continue;
            }
            match kind.as_str() {
                ON_RECOMMENDATION => {
                    if let Ok(item) = uuid::Uuid::parse_str(&target) {
                        evidence.on_recommendation.entry(item).or_default().push(id);
                    }
                }
                ON_SOA_CONTROL => evidence.on_control.entry(target).or_default().push(id),
                _ => {}
            }
        }
        Ok(evidence)
    }

    /// Distinct live evidence for a control: on its items, on its row, and linked by its statement.
    fn count(&self, control_id: &str, items: &[&RankedItem], linked: &[uuid::Uuid]) -> usize {
        let mut ids: HashSet<uuid::Uuid> = linked.iter().copied().filter(|id| self.live.contains(id)).collect();
        ids.extend(self.on_control.get(control_id).into_iter().flatten());
        for item in items {
            ids.extend(self.on_recommendation.get(&item.id).into_iter().flatten());
        }
        ids.len()
    }
}

fn row(
    control: framework_control::Model,
    items: &[&RankedItem],
    stored: Option<&soa_statement::Model>,
    names: &HashMap<uuid::Uuid, (Option<String>, String)>,
    entries: &HashMap<uuid::Uuid, Vec<ItemRegisterLink>>,
    evidence: &Evidence,
) -> SoaRow {
    let covered: Vec<CoveredItem> = items.iter().map(|i| i.covered).collect();
    let coverage = control_coverage(&covered);
    let attested_implementation: Option<Implementation> =
        stored.and_then(|s| s.implementation.as_deref()).and_then(|i| i.parse().ok());
    let statement = match stored {
        None => Statement::UNSTATED,
        Some(s) => Statement {
            applicable: s.applicable,
            applicability_justification: s.applicability_justification.as_deref(),
            implementation: attested_implementation,
            implementation_justification: s.implementation_justification.as_deref(),
        },
    };
    let assessment = assess(&coverage, &covered, &statement);
    let mut mapped_recommendations: Vec<SoaRecommendation> = items
        .iter()
        .map(|i| {
            let (external_id, title) = names.get(&i.id).cloned().unwrap_or_default();
            SoaRecommendation {
                id: i.id,
                external_id,
                title,
                status: i.covered.status,
                bucket: i.bucket,
                scored: i.covered.scored,
            }
        })
        .collect();
    mapped_recommendations.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    let mut risk_acceptances: Vec<ItemRegisterLink> =
        items.iter().flat_map(|i| entries.get(&i.id).into_iter().flatten().cloned()).collect();
    risk_acceptances.sort_by(|a, b| a.reference.cmp(&b.reference));
    risk_acceptances.dedup_by_key(|e| e.id);
    let linked = stored.map(evidence_ids).unwrap_or_default();
    SoaRow {
        evidence_count: evidence.count(&control.control_id, items, &linked),
        computed_implementation: computed(&coverage, &covered).map(|(value, _)| value),
        control_id: control.control_id,
        display_id: control.display_id,
        title: control.title,
        theme: control.theme,
        applicable: statement.applicable,
        applicability_justification: stored.and_then(|s| s.applicability_justification.clone()),
        assessment,
        coverage: coverage.state,
        attested_implementation,
        implementation_justification: stored.and_then(|s| s.implementation_justification.clone()),
        attested_by: stored
            .and_then(|s| s.attested_by_name.clone().map(|name| Participant { id: s.attested_by_id.clone(), name })),
        attested_at: stored.and_then(|s| s.attested_at),
        evidence_ids: linked,
        mapped_recommendations,
        risk_acceptances,
        version: stored.map_or(0, |s| s.version),
    }
}
