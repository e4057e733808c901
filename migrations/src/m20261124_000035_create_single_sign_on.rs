use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Identities at an OpenID Connect provider that sign in as a scoregrc user. Keyed by the provider's issuer
/// (the discovery document's, with Entra's `{tenantid}` placeholder as is), the directory tenant (`tid`) and the
/// object id (`oid`): never by e-mail, which a directory lets people change.
#[derive(DeriveIden)]
enum ExternalIdentities {
    Table,
    Id,
    UserId,
    Issuer,
    /// The `tid` claim: the directory the person belongs to.
    TenantId,
    /// The `oid` claim: the person's immutable id in that directory.
    ObjectId,
    CreatedAt,
    LastSignInAt,
}

/// Browser sign-ins started and not yet finished: the `state` the provider hands back, the `nonce` the ID token
/// must carry and the PKCE verifier. Held in the database so any instance can finish what another started;
/// deleted when the provider comes back, whatever the outcome, so a state works once.
#[derive(DeriveIden)]
enum SsoAttempts {
    Table,
    /// SHA-256 of the `state`, in hex.
    StateSha256,
    Nonce,
    /// The PKCE code verifier, sealed with the data key.
    CodeVerifierSealed,
    RedirectUri,
    ExpiresAt,
}

/// One-time codes that hand a finished sign-in to the web UI (exchanged for a session within 60 seconds), so no
/// session token ever travels in a URL.
#[derive(DeriveIden)]
enum SsoCodes {
    Table,
    /// SHA-256 of the code, in hex.
    CodeSha256,
    UserId,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

const IDENTITY_KEY: &str = "idx_external_identities_issuer_tenant_object";
const IDENTITIES_BY_USER: &str = "idx_external_identities_user_id";
const ATTEMPTS_BY_EXPIRY: &str = "idx_sso_attempts_expires_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExternalIdentities::Table)
                    .col(uuid(ExternalIdentities::Id).primary_key())
                    .col(uuid(ExternalIdentities::UserId))
                    .col(text(ExternalIdentities::Issuer))
                    .col(string_len(ExternalIdentities::TenantId, 64))
                    .col(string_len(ExternalIdentities::ObjectId, 64))
                    .col(timestamp_with_time_zone(ExternalIdentities::CreatedAt))
                    .col(timestamp_with_time_zone_null(ExternalIdentities::LastSignInAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExternalIdentities::Table, ExternalIdentities::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(IDENTITY_KEY)
                    .table(ExternalIdentities::Table)
                    .col(ExternalIdentities::Issuer)
                    .col(ExternalIdentities::TenantId)
                    .col(ExternalIdentities::ObjectId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(IDENTITIES_BY_USER)
                    .table(ExternalIdentities::Table)
                    .col(ExternalIdentities::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SsoAttempts::Table)
                    .col(string_len(SsoAttempts::StateSha256, 64).primary_key())
                    .col(text(SsoAttempts::Nonce))
                    .col(text(SsoAttempts::CodeVerifierSealed))
                    .col(text(SsoAttempts::RedirectUri))
                    .col(timestamp_with_time_zone(SsoAttempts::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ATTEMPTS_BY_EXPIRY)
                    .table(SsoAttempts::Table)
                    .col(SsoAttempts::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SsoCodes::Table)
                    .col(string_len(SsoCodes::CodeSha256, 64).primary_key())
                    .col(uuid(SsoCodes::UserId))
                    .col(timestamp_with_time_zone(SsoCodes::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SsoCodes::Table, SsoCodes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SsoCodes::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SsoAttempts::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ExternalIdentities::Table).to_owned()).await
    }
}
