use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_acceptances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub reference: String,
    pub decision: String,
    pub state: String,
    pub covered_by: Option<String>,
    pub risk_description: String,
    pub business_justification: String,
    pub compensating_controls: String,
    pub residual_risk: String,
    pub category: String,
    pub points_at_stake: f64,
    pub proposer_id: Option<String>,
    pub proposer_name: String,
    pub reviewer_id: Option<String>,
    pub reviewer_name: Option<String>,
    pub business_context: Option<String>,
    pub approver_id: Option<String>,
    pub approver_name: Option<String>,
    pub approved_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub review_date: Option<Date>,
    pub last_return_reason: Option<String>,
    pub expiry_applied_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
