//! How a recommendation is shown: the import-owned row with its sources, mappings and rating, and what the
//! domain derives from them (suggested rating, alignment, bucket, diagnosis). `links` reads what is linked.

mod links;

pub(super) use links::{LINK_CHUNK, Links, TenantContext, links_of, with_links};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::diagnosis::{Context, Diagnosis, ItemFacts, diagnose};
use crate::domain::recommendation::{Channel, Product, Status};
use crate::entities::recommendation;

/// A channel an item came through and its last import.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SourceSeen {
    pub channel: Channel,
    pub last_imported_at: DateTime<Utc>,
}

/// A recommendation as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub id: uuid::Uuid,
    pub product: Product,
    /// The Secure Score control id (e.g. `AdminMFAV2`), or `{subscription}/{control}`; `null` while unmatched.
    pub external_id: Option<String>,
    /// A file row whose control id was not found; link it with `PUT …/external-id`.
    pub unmatched: bool,
    /// Normalised title used to match files that carry no control id.
    pub match_key: String,
    pub title: String,
    pub category: Option<String>,
    pub service: Option<String>,
    /// Points Microsoft awards at most.
    pub max: f64,
    /// Points achieved; `null` = not applicable to this tenant.
    pub achieved: Option<f64>,
    /// max − achieved (0 when not applicable).
    pub points_available: f64,
    pub score_impact: Option<f64>,
    pub rank: Option<i32>,
    pub implementation_cost: String,
    pub user_impact: String,
    pub tier: Option<String>,
    pub threats: Vec<String>,
    /// Microsoft's remediation text; may contain HTML (render it sanitised).
    pub remediation: Option<String>,
    pub remediation_impact: Option<String>,
    pub action_type: Option<String>,
    pub action_url: Option<String>,
    pub deprecated: bool,
    /// Microsoft's state as imported (`Default`, `Ignored`, "Risk accepted", …).
    pub ms_state: Option<String>,
    pub implementation_status: Option<String>,
    /// Defender for Cloud resource counts.
    pub healthy_count: Option<i64>,
    pub unhealthy_count: Option<i64>,
    pub not_applicable_count: Option<i64>,
    /// The team's status.
    pub status: Status,
    /// Completed and confirmed by Microsoft's data.
    pub status_confirmed: bool,
    /// Completed by a person, not yet confirmed by Microsoft (it refreshes within about 24–48 h).
    pub pending_confirmation: bool,
    /// Microsoft says "risk accepted" but no approved register entry covers it.
    pub unmanaged_acceptance: bool,
    /// Third party or alternate mitigation that no approved register entry documents yet.
    pub undocumented: bool,
    pub regressed: bool,
    pub regressed_at: Option<DateTime<Utc>>,
    pub sources: Vec<SourceSeen>,
    /// The framework controls the item maps to (shipped defaults for its control id, changed by people).
    pub mappings: Vec<super::catalogs::MappedControl>,
    /// A person reviewed the item and decided it maps to nothing (unmapped by decision, not by neglect).
    pub mapping_reviewed: bool,
    /// The team's rating; unrated until both axes are set.
    pub rating: super::ratings::RatingView,
    /// Who owns the item, and its tags.
    pub ownership: super::ownership::Ownership,
    /// What Microsoft's fields suggest; never counts until a person accepts it.
    pub suggested_rating: crate::domain::suggestion::SuggestedRating,
    /// The register entry that holds the item, or proposes to (draft, submitted, reviewed, approved).
    pub register_entry: Option<super::register::ItemRegisterLink>,
    /// The newest Graph write-back of the item's status (queued, sent, skipped or failed), when write-back is on.
    pub graph_write_back: Option<super::write_backs::WriteBack>,
    /// Maps to at least one control of a framework in the tenant's audit scope.
    pub regulatory_alignment: bool,
    pub bucket: crate::domain::bucket::Bucket,
    /// The rule that placed the item (`null` while unrated).
    pub bucket_rule: Option<String>,
    /// In P1: high risk reduction, low effort, aligned.
    pub quick_win: bool,
    pub last_synced: Option<DateTime<Utc>>,
    /// The portal export's `Have license?`; `null` while no source has said.
    pub licensed: Option<bool>,
    /// Why its points are not moving (seed 000's reason classes) with the evidence; `null` when scored and fine.
    pub diagnosis: Option<Diagnosis>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// When Microsoft's catalog stopped listing it.
    pub removed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// Whether an approved entry in force holds the item with the decision that gives `status`.
fn held_by(entry: &Option<super::register::ItemRegisterLink>, status: Status) -> bool {
    entry
        .as_ref()
        .is_some_and(|e| e.state == crate::domain::register::EntryState::Approved && e.decision.item_status() == status)
}

/// What the item list places an item by: its bucket and rule, and whether it is aligned to the audit scope.
pub(super) fn placement(links: &Links, context: &TenantContext) -> (crate::domain::bucket::Placement, bool) {
    let aligned = context.aligned(&links.mappings);
    (context.rules.place_item(links.rating.rating(), aligned), aligned)
}

/// The view of an item on `now`'s date.
pub(super) fn view(
    m: recommendation::Model,
    links: Links,
    context: &TenantContext,
    now: DateTime<Utc>,
) -> Recommendation {
    use crate::domain::bucket::Bucket;
    use crate::domain::suggestion::{ProfileFacts, suggest};
    let status: Status = m.status.parse().unwrap_or(Status::ToAddress);
    let threats: Vec<String> = serde_json::from_str(&m.threats).unwrap_or_default();
    let suggested_rating = suggest(ProfileFacts {
        implementation_cost: &m.implementation_cost,
        max_score: m.max_score,
        tier: m.tier.as_deref(),
        threats: &threats,
    });
    let (placement, regulatory_alignment) = placement(&links, context);
    let register_entry = crate::store::register::held(&links.register_entries, &context.register_policy, now);
    let points_available = m.achieved.map(|a| (m.max_score - a).max(0.0)).unwrap_or(0.0);
    let product = m.product.parse().unwrap_or(Product::M365);
    let holding = register_entry.as_ref().filter(|e| e.state == crate::domain::register::EntryState::Approved);
    let facts = ItemFacts {
        product,
        control_key: m.control_key.as_deref(),
        status,
        status_confirmed: m.status_confirmed,
        unmanaged_acceptance: m.unmanaged_acceptance && !held_by(&register_entry, Status::RiskAccepted),
        ms_state: m.ms_state.as_deref(),
        achieved: m.achieved,
        max: m.max_score,
        deprecated: m.deprecated,
        licensed: m.licensed,
        removed_at: m.removed_at,
        healthy_count: m.healthy_count,
        unhealthy_count: m.unhealthy_count,
        not_applicable_count: m.not_applicable_count,
        last_synced: m.last_synced,
        last_seen: m.last_seen,
        marked_done_at: links.marked_done_at,
        register_reference: holding.map(|e| e.reference.as_str()),
    };
    let dated = Context { now, defender_subscriptions: context.defender_subscriptions.as_deref() };
    let diagnosis = diagnose(&facts, &dated);
    Recommendation {
        id: m.id,
        product,
        external_id: m.control_key,
        unmatched: m.unmatched,
        match_key: m.match_key,
        title: m.title,
        category: m.category,
        service: m.service,
        max: m.max_score,
        achieved: m.achieved,
        points_available: crate::domain::score::round2(points_available),
        score_impact: m.score_impact,
        rank: m.rank,
        implementation_cost: m.implementation_cost,
        user_impact: m.user_impact,
        tier: m.tier,
        threats,
        remediation: m.remediation,
        remediation_impact: m.remediation_impact,
        action_type: m.action_type,
        action_url: m.action_url,
        deprecated: m.deprecated,
        ms_state: m.ms_state,
        implementation_status: m.implementation_status,
        healthy_count: m.healthy_count,
        unhealthy_count: m.unhealthy_count,
        not_applicable_count: m.not_applicable_count,
        pending_confirmation: status == Status::Completed && !m.status_confirmed,
        status,
        status_confirmed: m.status_confirmed,
        // Microsoft's "risk accepted" (or a team's third party / mitigation) counts as managed only with an
        // approved register entry of that decision behind it.
        unmanaged_acceptance: m.unmanaged_acceptance && !held_by(&register_entry, Status::RiskAccepted),
        undocumented: matches!(status, Status::ThirdParty | Status::AlternateMitigation)
            && !held_by(&register_entry, status),
        regressed: m.regressed,
        regressed_at: m.regressed_at,
        sources: links.sources,
        mappings: links.mappings,
        mapping_reviewed: links.mapping_reviewed,
        rating: links.rating,
        ownership: links.ownership,
        suggested_rating,
        graph_write_back: links.write_back,
        register_entry,
        regulatory_alignment,
        quick_win: placement.bucket == Bucket::P1,
        bucket: placement.bucket,
        bucket_rule: placement.rule,
        last_synced: m.last_synced,
        licensed: m.licensed,
        diagnosis,
        first_seen: m.first_seen,
        last_seen: m.last_seen,
        removed_at: m.removed_at,
        version: m.version,
    }
}
