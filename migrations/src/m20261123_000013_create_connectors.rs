use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Connectors {
    Table,
    TenantId,
    Kind,
    Config,
    SecretSealed,
    Version,
    UpdatedAt,
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
                    .table(Connectors::Table)
                    .col(uuid(Connectors::TenantId))
                    // `graph` or `defender`.
                    .col(string_len(Connectors::Kind, 20))
                    // JSON of the non-secret settings.
                    .col(text(Connectors::Config))
                    // The client secret, sealed with the data key; never returned.
                    .col(text(Connectors::SecretSealed))
                    .col(big_integer(Connectors::Version))
                    .col(timestamp_with_time_zone(Connectors::UpdatedAt))
                    .primary_key(Index::create().col(Connectors::TenantId).col(Connectors::Kind))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Connectors::Table, Connectors::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Connectors::Table).to_owned()).await
    }
}
