use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A person's status change can carry a note and a link to its evidence.
#[derive(DeriveIden)]
enum StatusChanges {
    Table,
    Note,
    EvidenceUrl,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        manager
            .alter_table(
                Table::alter().table(StatusChanges::Table).add_column(text_null(StatusChanges::Note)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(StatusChanges::Table).add_column(text_null(StatusChanges::EvidenceUrl)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(StatusChanges::Table).drop_column(StatusChanges::EvidenceUrl).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(StatusChanges::Table).drop_column(StatusChanges::Note).to_owned())
            .await
    }
}
