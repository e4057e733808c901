use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The Graph write-back queue: one row per state scoregrc means to write to a Secure Score control profile,
/// kept after it is sent so the item and the connector can show what was written, skipped or failed.
#[derive(DeriveIden)]
enum GraphWriteBacks {
    Table,
    Id,
    TenantId,
    RecommendationId,
    ControlId,
    /// The Graph state to write (`Default`, `ThirdParty`, …); empty for a skipped item.
    State,
    Comment,
    /// `queued`, `succeeded`, `failed`, `skipped`, `superseded`.
    Outcome,
    /// The item status that asked for it.
    ForStatus,
    Attempts,
    NextAttemptAt,
    LastError,
    LastHttpStatus,
    RequestedBy,
    RequestedAt,
    FinishedAt,
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
                    .table(GraphWriteBacks::Table)
                    .col(uuid(GraphWriteBacks::Id).primary_key())
                    .col(uuid(GraphWriteBacks::TenantId))
                    .col(uuid(GraphWriteBacks::RecommendationId))
                    .col(string_len(GraphWriteBacks::ControlId, 200))
                    .col(string_len(GraphWriteBacks::State, 40))
                    .col(text_null(GraphWriteBacks::Comment))
                    .col(string_len(GraphWriteBacks::Outcome, 20))
                    .col(string_len(GraphWriteBacks::ForStatus, 40))
                    .col(integer(GraphWriteBacks::Attempts))
                    .col(timestamp_with_time_zone_null(GraphWriteBacks::NextAttemptAt))
                    .col(text_null(GraphWriteBacks::LastError))
                    .col(integer_null(GraphWriteBacks::LastHttpStatus))
                    .col(string_len(GraphWriteBacks::RequestedBy, 200))
                    .col(timestamp_with_time_zone(GraphWriteBacks::RequestedAt))
                    .col(timestamp_with_time_zone_null(GraphWriteBacks::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GraphWriteBacks::Table, GraphWriteBacks::RecommendationId)
                            .to(Recommendations::Table, Recommendations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_graph_write_backs_item")
                    .table(GraphWriteBacks::Table)
                    .col(GraphWriteBacks::RecommendationId)
                    .col(GraphWriteBacks::RequestedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_graph_write_backs_tenant")
                    .table(GraphWriteBacks::Table)
                    .col(GraphWriteBacks::TenantId)
                    .col(GraphWriteBacks::Outcome)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(GraphWriteBacks::Table).to_owned()).await
    }
}
