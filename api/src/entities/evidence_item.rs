use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evidence_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub target_kind: String,
    pub target_id: String,
    pub kind: String,
    pub title: String,
    pub proves: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub sha256: String,
    pub size: i64,
    pub url: Option<String>,
    pub supersedes_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub created_by_kind: String,
    pub created_by_id: Option<String>,
    pub created_by_name: String,
    pub deleted_at: Option<DateTimeUtc>,
    pub deleted_by_name: Option<String>,
    pub delete_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
