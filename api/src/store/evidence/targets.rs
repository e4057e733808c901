//! What evidence may be attached to: each target checked to exist in the tenant, and named the way people and
//! pack folders name it (`AdminMFAV2`, `RA-0003`, `2027-Q1 AdminMFAV2`, `A.5.17`).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

use crate::domain::ValidationError;
use crate::domain::evidence::TargetKind;
use crate::domain::ids::TenantId;
use crate::entities::{framework, framework_control, recommendation, risk_acceptance, roadmap, roadmap_item};
use crate::store::StoreError;

/// The ISO/IEC 27001:2022 catalog key: Statement of Applicability rows are its Annex A controls.
pub const SOA_FRAMEWORK: &str = "iso27001";

/// A target known to exist, with its id as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: TargetKind,
    pub id: String,
}

/// Checks that `id` names a `kind` of thing in `tenant`; answers it as stored (a control as `5.17`).
pub async fn resolve(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    kind: TargetKind,
    id: &str,
) -> Result<Target, StoreError> {
    let missing = |what: &str| {
        StoreError::from(ValidationError::field("target_id", format!("no {what} with this id in the tenant")))
    };
    let id = id.trim();
    if kind == TargetKind::SoaControl {
        let control = id.trim_start_matches("A.").to_owned();
        let found = soa_controls(conn).await?.contains_key(&control);
        return if found {
            Ok(Target { kind, id: control })
        } else {
            Err(missing("ISO/IEC 27001:2022 Annex A control"))
        };
    }
    let Ok(uuid) = uuid::Uuid::parse_str(id) else { return Err(missing(kind.as_str())) };
    let exists = match kind {
        TargetKind::Recommendation => {
            recommendation::Entity::find_by_id(uuid)
                .filter(recommendation::Column::TenantId.eq(tenant.0))
                .select_only()
                .column(recommendation::Column::Id)
                .into_tuple::<uuid::Uuid>()
                .one(conn)
                .await?
        }
        TargetKind::RoadmapItem => {
            roadmap_item::Entity::find_by_id(uuid)
                .filter(roadmap_item::Column::TenantId.eq(tenant.0))
                .select_only()
                .column(roadmap_item::Column::Id)
                .into_tuple::<uuid::Uuid>()
                .one(conn)
                .await?
        }
        TargetKind::RiskAcceptance => {
            risk_acceptance::Entity::find_by_id(uuid)
                .filter(risk_acceptance::Column::TenantId.eq(tenant.0))
                .select_only()
                .column(risk_acceptance::Column::Id)
                .into_tuple::<uuid::Uuid>()
                .one(conn)
                .await?
        }
        TargetKind::SoaControl => None,
    };
    match exists {
        Some(found) => Ok(Target { kind, id: found.to_string() }),
        None => Err(missing(kind.as_str().replace('_', " ").as_str())),
    }
}

/// The Annex A controls of the shipped ISO/IEC 27001:2022 catalog, by control id, with their display ids.
pub async fn soa_controls(conn: &impl ConnectionTrait) -> Result<HashMap<String, String>, StoreError> {
    let Some(framework) = framework::Entity::find()
        .filter(framework::Column::Key.eq(SOA_FRAMEWORK))
        .filter(framework::Column::Owner.eq(""))
        .one(conn)
        .await?
    else {
        return Ok(HashMap::new());
    };
    let rows: Vec<(String, String)> = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(framework.id))
        .filter(framework_control::Column::Retired.eq(false))
        .select_only()
        .columns([framework_control::Column::ControlId, framework_control::Column::DisplayId])
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// How people name each target: the control key of an item, the reference of a register entry, the quarter and
/// control key of a roadmap item, the display id of a control. Unknown targets are named by their id.
pub async fn labels(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    targets: &[Target],
) -> Result<HashMap<(TargetKind, String), String>, StoreError> {
    let mut labels = HashMap::new();
    let ids_of = |kind: TargetKind| -> Vec<uuid::Uuid> {
        targets.iter().filter(|t| t.kind == kind).filter_map(|t| uuid::Uuid::parse_str(&t.id).ok()).collect()
    };
    for chunk in ids_of(TargetKind::Recommendation).chunks(500) {
        for (id, key, title) in item_names(conn, tenant, chunk).await? {
            labels.insert((TargetKind::Recommendation, id.to_string()), key.unwrap_or(title));
        }
    }
    for chunk in ids_of(TargetKind::RiskAcceptance).chunks(500) {
        let rows: Vec<(uuid::Uuid, String)> = risk_acceptance::Entity::find()
            .filter(risk_acceptance::Column::TenantId.eq(tenant.0))
            .filter(risk_acceptance::Column::Id.is_in(chunk.iter().copied()))
            .select_only()
            .columns([risk_acceptance::Column::Id, risk_acceptance::Column::Reference])
            .into_tuple()
            .all(conn)
            .await?;
        labels.extend(rows.into_iter().map(|(id, r)| ((TargetKind::RiskAcceptance, id.to_string()), r)));
    }
    for chunk in ids_of(TargetKind::RoadmapItem).chunks(500) {
        let rows: Vec<(uuid::Uuid, uuid::Uuid, uuid::Uuid)> = roadmap_item::Entity::find()
            .filter(roadmap_item::Column::TenantId.eq(tenant.0))
            .filter(roadmap_item::Column::Id.is_in(chunk.iter().copied()))
            .select_only()
            .columns([
                roadmap_item::Column::Id,
                roadmap_item::Column::RoadmapId,
                roadmap_item::Column::RecommendationId,
            ])
            .into_tuple()
            .all(conn)
            .await?;
        let plan_ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.1).collect();
        let quarters: HashMap<uuid::Uuid, String> = roadmap::Entity::find()
            .filter(roadmap::Column::Id.is_in(plan_ids))
            .select_only()
            .columns([roadmap::Column::Id, roadmap::Column::Quarter])
            .into_tuple::<(uuid::Uuid, String)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let item_ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.2).collect();
        let names: HashMap<uuid::Uuid, String> = item_names(conn, tenant, &item_ids)
            .await?
            .into_iter()
            .map(|(id, key, title)| (id, key.unwrap_or(title)))
            .collect();
        for (id, plan, item) in rows {
            let quarter = quarters.get(&plan).cloned().unwrap_or_default();
            let name = names.get(&item).cloned().unwrap_or_default();
            labels.insert((TargetKind::RoadmapItem, id.to_string()), format!("{quarter} {name}"));
        }
    }
    if targets.iter().any(|t| t.kind == TargetKind::SoaControl) {
        for (control, display) in soa_controls(conn).await? {
            labels.insert((TargetKind::SoaControl, control), display);
        }
    }
    for target in targets {
        labels.entry((target.kind, target.id.clone())).or_insert_with(|| target.id.clone());
    }
    Ok(labels)
}

async fn item_names(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[uuid::Uuid],
) -> Result<Vec<(uuid::Uuid, Option<String>, String)>, StoreError> {
    Ok(recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::Id.is_in(ids.iter().copied()))
        .select_only()
        .columns([recommendation::Column::Id, recommendation::Column::ControlKey, recommendation::Column::Title])
        .into_tuple()
        .all(conn)
        .await?)
}
