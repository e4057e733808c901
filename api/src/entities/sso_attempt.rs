use sea_orm::entity::prelude::*;

/// A browser sign-in sent to the provider and not yet back.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_attempts")]
pub struct Model {
    /// SHA-256 of the `state`, in hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_sha256: String,
    pub nonce: String,
    /// The PKCE code verifier, sealed with the data key.
    pub code_verifier_sealed: String,
    pub redirect_uri: String,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
