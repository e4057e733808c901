use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_failures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `username` or `address`.
    pub kind: String,
    /// A keyed digest of the normalised username or the client address, in hex.
    pub key_digest: String,
    pub failed_at: DateTimeUtc,
    /// Set on the failure that started a lock: when the lock ends.
    pub locked_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
