use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roadmap_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub roadmap_id: Uuid,
    pub tenant_id: Uuid,
    pub recommendation_id: Uuid,
    pub position: i32,
    pub owner_user_id: Option<Uuid>,
    pub owner_team: Option<String>,
    pub target_date: Option<Date>,
    pub phase: String,
    pub phase_started_on: Date,
    pub phase_observation_days: i32,
    pub phase_notes: Option<String>,
    pub previous_phase: Option<String>,
    pub previous_phase_started_on: Option<Date>,
    pub previous_observation_days: Option<i32>,
    pub suggested: bool,
    pub added_by: String,
    pub added_at: DateTimeUtc,
    pub change_what: Option<String>,
    pub change_why: Option<String>,
    pub rollback_plan: Option<String>,
    pub communication_date: Option<Date>,
    pub user_impact: String,
    pub it_manager_approved_by: Option<String>,
    pub it_manager_approved_at: Option<DateTimeUtc>,
    pub business_lead_name: Option<String>,
    pub business_lead_approved_on: Option<Date>,
    pub business_lead_evidence_url: Option<String>,
    pub business_lead_recorded_by: Option<String>,
    pub done_at: Option<DateTimeUtc>,
    pub done_by: Option<String>,
    pub updated_at: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
