use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roadmap_dependencies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub item_id: Uuid,
    pub kind: String,
    pub depends_on_item_id: Option<Uuid>,
    pub description: Option<String>,
    pub expected_date: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
