use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each channel an item arrived through, with its last import: history, not identity.
#[derive(DeriveIden)]
enum RecommendationSources {
    Table,
    RecommendationId,
    Channel,
    LastImportedAt,
}

#[derive(DeriveIden)]
enum Recommendations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RecommendationSources::Table)
                    .col(uuid(RecommendationSources::RecommendationId))
                    .col(string_len(RecommendationSources::Channel, 20))
                    .col(timestamp_with_time_zone(RecommendationSources::LastImportedAt))
                    .primary_key(
                        Index::create()
                            .col(RecommendationSources::RecommendationId)
                            .col(RecommendationSources::Channel),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RecommendationSources::Table, RecommendationSources::RecommendationId)
                            .to(Recommendations::Table, Recommendations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RecommendationSources::Table).to_owned()).await
    }
}
