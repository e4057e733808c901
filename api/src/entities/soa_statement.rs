use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "soa_statements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    /// The Annex A control id (`5.17`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub control_id: String,
    pub applicable: bool,
    pub applicability_justification: Option<String>,
    /// `implemented`, `partially_implemented`, `planned`, `not_implemented`, when attested.
    pub implementation: Option<String>,
    pub implementation_justification: Option<String>,
    /// JSON array of evidence item ids.
    pub evidence_ids: String,
    pub attested_by_id: Option<String>,
    pub attested_by_name: Option<String>,
    pub attested_at: Option<DateTimeUtc>,
    pub version: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
