use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "frameworks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub key: String,
    /// Empty for shipped catalogs; the tenant id for a tenant's own framework.
    pub owner: String,
    pub name: String,
    pub shipped: bool,
    pub created_at: DateTimeUtc,
    pub description: Option<String>,
    /// A tenant's own framework: bumped by every write to it or its controls. Shipped ones stay at 1 (their
    /// catalog file's version is in `catalog_versions`).
    pub version: i64,
    /// A tenant's own framework that items map to is archived, not deleted.
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
