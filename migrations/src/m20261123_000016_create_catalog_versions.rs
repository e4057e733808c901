use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Which version of each shipped data file the database holds, so a newer file is applied once.
#[derive(DeriveIden)]
enum CatalogVersions {
    Table,
    Name,
    Version,
    AppliedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CatalogVersions::Table)
                    .col(string_len(CatalogVersions::Name, 100).primary_key())
                    .col(big_integer(CatalogVersions::Version))
                    .col(timestamp_with_time_zone(CatalogVersions::AppliedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CatalogVersions::Table).to_owned()).await
    }
}
