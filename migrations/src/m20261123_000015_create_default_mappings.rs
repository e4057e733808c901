use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The shipped Secure Score control → framework control mappings (`seed-mappings/secure-score-mappings.csv`).
#[derive(DeriveIden)]
enum DefaultMappings {
    Table,
    SecureScoreControl,
    FrameworkControlId,
    Rationale,
}

#[derive(DeriveIden)]
enum FrameworkControls {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DefaultMappings::Table)
                    .col(string_len(DefaultMappings::SecureScoreControl, 300))
                    .col(uuid(DefaultMappings::FrameworkControlId))
                    .col(text(DefaultMappings::Rationale))
                    .primary_key(
                        Index::create()
                            .col(DefaultMappings::SecureScoreControl)
                            .col(DefaultMappings::FrameworkControlId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DefaultMappings::Table, DefaultMappings::FrameworkControlId)
                            .to(FrameworkControls::Table, FrameworkControls::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DefaultMappings::Table).to_owned()).await
    }
}
