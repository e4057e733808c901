use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "download_tokens")]
pub struct Model {
    /// SHA-256 of the token, in hex: the token itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_sha256: String,
    /// The one download path the token is good for.
    pub path: String,
    /// The bearer credential the token stands for, sealed with the data key.
    pub bearer_sealed: String,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
