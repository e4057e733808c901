//! The demo tenant's evidence beyond what scoregrc records by itself (completions and approvals): a change ticket
//! linked to an item and a policy export attached to an SoA row, so the evidence list and the pack show both kinds.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::domain::evidence::TargetKind;
use crate::domain::evidence::file_type::FileType;
use crate::domain::ids::TenantId;
use crate::domain::role::Role;
use crate::entities::recommendation;
use crate::store::StoreError;
use crate::store::evidence::write::{Content, NewEvidence, add};

const POLICY_EXPORT: &str = "Policy,State,Users,Grant\n\
    CA001 Require MFA for administrators,On,All directory roles,Require multifactor authentication\n\
    CA002 Block legacy authentication,On,All users,Block\n";

/// Adds the demo's evidence (only to a freshly loaded demo tenant).
pub async fn load(db: &DatabaseConnection, tenant: TenantId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let engineer = super::register::demo_actor(db, Role::Engineer).await?;
    let quota = u64::MAX;
    if let Some(item) = recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::ControlKey.eq("AdminMFAV2"))
        .one(db)
        .await?
    {
        let new = NewEvidence {
            target: Some((TargetKind::Recommendation, item.id.to_string())),
            title: "Change ticket CHG-1042: MFA for every admin role".into(),
            proves: Some("the rollout was approved and carried out".into()),
            supersedes: None,
        };
        let link = Content::Link { url: "https://servicedesk.contoso.example/CHG-1042".into() };
        add(db, &engineer, now, tenant, quota, new, link).await?;
    }
    let io = |e: std::io::Error| StoreError::Conflict(format!("writing the demo policy export: {e}"));
    let file = tempfile::NamedTempFile::new().map_err(io)?;
    std::fs::write(file.path(), POLICY_EXPORT).map_err(io)?;
    let new = NewEvidence {
        target: Some((TargetKind::SoaControl, "5.17".into())),
        title: "Conditional Access policy export".into(),
        proves: Some("MFA is required for administrators and legacy authentication is blocked".into()),
        supersedes: None,
    };
    let content = Content::File {
        path: file.path(),
        file_name: Some("conditional-access-policies.csv".into()),
        file_type: FileType::Csv,
        sha256: hex::encode(Sha256::digest(POLICY_EXPORT.as_bytes())),
        size: POLICY_EXPORT.len() as u64,
    };
    add(db, &engineer, now, tenant, quota, new, content).await?;
    Ok(())
}
