use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mapping_overrides")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub recommendation_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub framework_control_id: Uuid,
    pub tenant_id: Uuid,
    /// A person added it (true) or removed a shipped default (false).
    pub added: bool,
    pub actor_name: String,
    pub at: DateTimeUtc,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
