use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "default_mappings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub secure_score_control: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub framework_control_id: Uuid,
    pub rationale: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
