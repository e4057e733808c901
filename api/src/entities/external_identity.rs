use sea_orm::entity::prelude::*;

/// An identity at an OpenID Connect provider that signs in as a scoregrc user.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "external_identities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// The discovery document's issuer, Entra's `{tenantid}` placeholder as is.
    pub issuer: String,
    /// The `tid` claim.
    pub tenant_id: String,
    /// The `oid` claim.
    pub object_id: String,
    pub created_at: DateTimeUtc,
    pub last_sign_in_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
