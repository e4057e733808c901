use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "status_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: Uuid,
    pub recommendation_id: Uuid,
    pub at: DateTimeUtc,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: String,
    pub actor_name: String,
    pub import_run_id: Option<Uuid>,
    pub note: Option<String>,
    pub evidence_url: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
