use sea_orm::entity::prelude::*;

/// A row of the change log the database's triggers keep for the item lists (written only by triggers).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "list_changes")]
pub struct Model {
    /// An item id (`item`), a tenant id (`context`), or a fixed id (`catalog`, every tenant's `context`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: Uuid,
    /// `item`, `context` or `catalog`.
    pub kind: String,
    pub tenant_id: Option<Uuid>,
    pub seq: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
