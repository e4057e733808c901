//! The shipped frameworks and their controls, as every signed-in user may read them.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::stored_version;
use crate::entities::{framework, framework_control};
use crate::store::StoreError;

/// A shipped framework as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FrameworkSummary {
    /// `iso27001`, `nis2`, `gdpr`.
    pub key: String,
    pub name: String,
    /// Controls in force (retired ones left out).
    pub controls: u64,
    /// The catalog file's version the database holds.
    pub version: i64,
}

/// A framework control as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FrameworkControl {
    pub control_id: String,
    pub display_id: String,
    pub title: String,
    pub theme: Option<String>,
    pub description: String,
    /// No longer in force: kept because mappings and history name it; left out of coverage.
    pub retired: bool,
}

impl From<framework_control::Model> for FrameworkControl {
    fn from(c: framework_control::Model) -> Self {
        Self {
            control_id: c.control_id,
            display_id: c.display_id,
            title: c.title,
            theme: c.theme,
            description: c.description,
            retired: c.retired,
        }
    }
}

/// The shipped frameworks.
pub async fn frameworks(conn: &impl ConnectionTrait) -> Result<Vec<FrameworkSummary>, StoreError> {
    let mut list = Vec::new();
    for f in framework::Entity::find().filter(framework::Column::Owner.eq("")).all(conn).await? {
        let controls = sea_orm::PaginatorTrait::count(
            framework_control::Entity::find()
                .filter(framework_control::Column::FrameworkId.eq(f.id))
                .filter(framework_control::Column::Retired.eq(false)),
            conn,
        )
        .await?;
        let version = stored_version(conn, &format!("framework:{}", f.key)).await?;
        list.push(FrameworkSummary { key: f.key, name: f.name, controls, version });
    }
    list.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(list)
}

/// The controls in force of the shipped framework `key`, in catalog order; `None` when there is no such framework.
pub async fn controls(conn: &impl ConnectionTrait, key: &str) -> Result<Option<Vec<FrameworkControl>>, StoreError> {
    let Some(f) = framework::Entity::find()
        .filter(framework::Column::Owner.eq(""))
        .filter(framework::Column::Key.eq(key))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let rows = framework_control::Entity::find()
        .filter(framework_control::Column::FrameworkId.eq(f.id))
        .filter(framework_control::Column::Retired.eq(false))
        .order_by_asc(framework_control::Column::Position)
        .all(conn)
        .await?;
    Ok(Some(rows.into_iter().map(FrameworkControl::from).collect()))
}
