use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Persisted background work, so a restart resumes or fails it visibly.
#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    TenantId,
    Payload,
    State,
    Attempts,
    RunAt,
    StartedAt,
    FinishedAt,
    LastError,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(uuid(Jobs::Id).primary_key())
                    .col(string_len(Jobs::Kind, 50))
                    .col(uuid_null(Jobs::TenantId))
                    .col(text(Jobs::Payload))
                    // `queued`, `running`, `succeeded`, `failed`.
                    .col(string_len(Jobs::State, 20))
                    .col(integer(Jobs::Attempts))
                    .col(timestamp_with_time_zone(Jobs::RunAt))
                    .col(timestamp_with_time_zone_null(Jobs::StartedAt))
                    .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                    .col(text_null(Jobs::LastError))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_jobs_due").table(Jobs::Table).col(Jobs::State).col(Jobs::RunAt).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Jobs::Table).to_owned()).await
    }
}
