use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_second_factors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The TOTP secret, sealed with the data key.
    pub secret_sealed: String,
    /// Null while the enrolment waits for its first code.
    pub enabled_at: Option<DateTimeUtc>,
    /// The last time step a code was accepted for; only later steps are accepted.
    pub last_used_step: Option<i64>,
    /// JSON: the recovery codes' digests and when each was used.
    pub recovery_codes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
