use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Settings {
    Table,
    Scope,
    Key,
    Value,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    // `platform` or a tenant id.
                    .col(string_len(Settings::Scope, 64))
                    .col(string_len(Settings::Key, 100))
                    // JSON text; secrets are sealed before they get here.
                    .col(text(Settings::Value))
                    .col(big_integer(Settings::Version))
                    .col(timestamp_with_time_zone(Settings::UpdatedAt))
                    .primary_key(Index::create().col(Settings::Scope).col(Settings::Key))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Settings::Table).to_owned()).await
    }
}
