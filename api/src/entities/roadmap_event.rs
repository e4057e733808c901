use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roadmap_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub roadmap_id: Uuid,
    pub tenant_id: Uuid,
    pub item_id: Option<Uuid>,
    pub recommendation_id: Option<Uuid>,
    pub at: DateTimeUtc,
    pub actor_name: String,
    pub kind: String,
    pub detail: String,
    pub after_baseline: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
