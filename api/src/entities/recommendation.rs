use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "recommendations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub product: String,
    pub control_key: Option<String>,
    pub match_key: String,
    pub unmatched: bool,
    pub title: String,
    pub category: Option<String>,
    pub service: Option<String>,
    pub max_score: f64,
    pub achieved: Option<f64>,
    pub score_impact: Option<f64>,
    pub rank: Option<i32>,
    pub implementation_cost: String,
    pub user_impact: String,
    pub tier: Option<String>,
    /// JSON array of threat names.
    pub threats: String,
    pub remediation: Option<String>,
    pub remediation_impact: Option<String>,
    pub action_type: Option<String>,
    pub action_url: Option<String>,
    pub deprecated: bool,
    pub ms_state: Option<String>,
    pub implementation_status: Option<String>,
    pub healthy_count: Option<i64>,
    pub unhealthy_count: Option<i64>,
    pub not_applicable_count: Option<i64>,
    pub status: String,
    pub status_confirmed: bool,
    pub unmanaged_acceptance: bool,
    pub regressed: bool,
    pub regressed_at: Option<DateTimeUtc>,
    pub last_synced: Option<DateTimeUtc>,
    pub first_seen: DateTimeUtc,
    pub last_seen: DateTimeUtc,
    pub removed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i64,
    /// The portal export's `Have license?`; `None` while no source has said.
    pub licensed: Option<bool>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
