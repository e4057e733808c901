use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A tenant's own framework is a versioned document: a description, a version for optimistic writes, and an
/// archive mark (archived, not deleted, once items map to it).
#[derive(DeriveIden)]
enum Frameworks {
    Table,
    Description,
    Version,
    ArchivedAt,
}

/// Every shipped-catalog update with what it changed, so the history outlives the process that applied it.
#[derive(DeriveIden)]
enum CatalogUpdates {
    Table,
    Id,
    AppliedAt,
    Report,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        manager
            .alter_table(
                Table::alter().table(Frameworks::Table).add_column(text_null(Frameworks::Description)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Frameworks::Table)
                    .add_column(big_integer(Frameworks::Version).default(1))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Frameworks::Table)
                    .add_column(timestamp_with_time_zone_null(Frameworks::ArchivedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CatalogUpdates::Table)
                    .col(uuid(CatalogUpdates::Id).primary_key())
                    .col(timestamp_with_time_zone(CatalogUpdates::AppliedAt))
                    // The whole report as JSON: files applied, counts, and each control and mapping changed.
                    .col(text(CatalogUpdates::Report))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CatalogUpdates::Table).to_owned()).await?;
        for column in [Frameworks::ArchivedAt, Frameworks::Version, Frameworks::Description] {
            manager.alter_table(Table::alter().table(Frameworks::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
