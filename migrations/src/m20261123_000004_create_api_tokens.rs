use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    Role,
    SecretSha256,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum ApiTokenTenants {
    Table,
    TokenId,
    TenantId,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(uuid(ApiTokens::Id).primary_key())
                    .col(string_len(ApiTokens::Name, 200))
                    .col(string_len(ApiTokens::Role, 20))
                    .col(string_len_uniq(ApiTokens::SecretSha256, 64))
                    .col(string_len(ApiTokens::CreatedBy, 200))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone(ApiTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .to_owned(),
            )
            .await?;
        // A service token's explicit tenant memberships.
        manager
            .create_table(
                Table::create()
                    .table(ApiTokenTenants::Table)
                    .col(uuid(ApiTokenTenants::TokenId))
                    .col(uuid(ApiTokenTenants::TenantId))
                    .primary_key(Index::create().col(ApiTokenTenants::TokenId).col(ApiTokenTenants::TenantId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokenTenants::Table, ApiTokenTenants::TokenId)
                            .to(ApiTokens::Table, ApiTokens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokenTenants::Table, ApiTokenTenants::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApiTokenTenants::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ApiTokens::Table).to_owned()).await
    }
}
