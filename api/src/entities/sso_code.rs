use sea_orm::entity::prelude::*;

/// A one-time code that hands a finished sign-in to the web UI.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_codes")]
pub struct Model {
    /// SHA-256 of the code, in hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_sha256: String,
    pub user_id: Uuid,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
