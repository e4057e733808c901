use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_acceptance_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub entry_id: Uuid,
    pub tenant_id: Uuid,
    pub at: DateTimeUtc,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
