use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportRuns {
    Table,
    Id,
    TenantId,
    Source,
    ActorKind,
    ActorId,
    ActorName,
    FileName,
    FileSha256,
    Phase,
    Outcome,
    Pages,
    Counts,
    Changes,
    Errors,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportRuns::Table)
                    .col(uuid(ImportRuns::Id).primary_key())
                    .col(uuid(ImportRuns::TenantId))
                    // `csv`, `xlsx`, `graph`, `defender`.
                    .col(string_len(ImportRuns::Source, 20))
                    .col(string_len(ImportRuns::ActorKind, 20))
                    .col(string_len_null(ImportRuns::ActorId, 64))
                    .col(string_len(ImportRuns::ActorName, 200))
                    .col(string_len_null(ImportRuns::FileName, 300))
                    .col(string_len_null(ImportRuns::FileSha256, 64))
                    // `queued`, `fetching`, `applying`, `finished`.
                    .col(string_len(ImportRuns::Phase, 20))
                    // NULL while running; `succeeded` or `failed`.
                    .col(string_len_null(ImportRuns::Outcome, 20))
                    .col(integer(ImportRuns::Pages))
                    // JSON counts, JSON change list, JSON errors.
                    .col(text(ImportRuns::Counts))
                    .col(text(ImportRuns::Changes))
                    .col(text(ImportRuns::Errors))
                    .col(timestamp_with_time_zone(ImportRuns::StartedAt))
                    .col(timestamp_with_time_zone_null(ImportRuns::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImportRuns::Table, ImportRuns::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_import_runs_tenant")
                    .table(ImportRuns::Table)
                    .col(ImportRuns::TenantId)
                    .col(ImportRuns::StartedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ImportRuns::Table).to_owned()).await
    }
}
