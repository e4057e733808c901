use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every change of a recommendation's team status, by a person or an import.
#[derive(DeriveIden)]
enum StatusChanges {
    Table,
    Id,
    TenantId,
    RecommendationId,
    At,
    FromStatus,
    ToStatus,
    Reason,
    ActorName,
    ImportRunId,
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
                    .table(StatusChanges::Table)
                    .col(big_pk_auto(StatusChanges::Id))
                    .col(uuid(StatusChanges::TenantId))
                    .col(uuid(StatusChanges::RecommendationId))
                    .col(timestamp_with_time_zone(StatusChanges::At))
                    .col(string_len_null(StatusChanges::FromStatus, 30))
                    .col(string_len(StatusChanges::ToStatus, 30))
                    .col(text(StatusChanges::Reason))
                    .col(string_len(StatusChanges::ActorName, 200))
                    .col(uuid_null(StatusChanges::ImportRunId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StatusChanges::Table, StatusChanges::RecommendationId)
                            .to(Recommendations::Table, Recommendations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_status_changes_recommendation")
                    .table(StatusChanges::Table)
                    .col(StatusChanges::RecommendationId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StatusChanges::Table).to_owned()).await
    }
}
