use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Whether the tenant holds the licence an item needs (the portal export's `Have license?`); `NULL` while no
/// source has said. An unlicensed item is not scored, which the item's diagnosis explains.
#[derive(DeriveIden)]
enum Recommendations {
    Table,
    Licensed,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Recommendations::Table)
                    .add_column(boolean_null(Recommendations::Licensed))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Recommendations::Table).drop_column(Recommendations::Licensed).to_owned())
            .await
    }
}
