//! Framework catalogs and default mappings in the database: the shipped files applied when their version is
//! newer (with a stored report of each update), read for recommendations and screens.

mod effective;
mod listing;
mod report;
mod shipped;
pub mod updates;

pub use effective::{MappedControl, effective_mappings};
pub use listing::{FrameworkControl, FrameworkSummary, controls, frameworks};
pub use report::{
    CatalogControlChange, CatalogMappingChange, CatalogReport, ControlChangeKind, ControlField, ManualEditsKept,
    MappingChangeKind,
};
pub use shipped::apply_shipped;

use sea_orm::{ConnectionTrait, EntityTrait};

use super::StoreError;
use crate::entities::catalog_version;

/// The version of the shipped file `name` the database holds (0 before the first load).
pub(crate) async fn stored_version(conn: &impl ConnectionTrait, name: &str) -> Result<i64, StoreError> {
    Ok(catalog_version::Entity::find_by_id(name.to_owned()).one(conn).await?.map_or(0, |v| v.version))
}
