use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ScoreSnapshots {
    Table,
    Id,
    TenantId,
    Product,
    Scope,
    Day,
    Current,
    Max,
    Categories,
    Averages,
    Source,
    RecordedAt,
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
                    .table(ScoreSnapshots::Table)
                    .col(big_pk_auto(ScoreSnapshots::Id))
                    .col(uuid(ScoreSnapshots::TenantId))
                    // `m365` or `defender_cloud`; the two scores never mix.
                    .col(string_len(ScoreSnapshots::Product, 20))
                    // Empty for the tenant's Microsoft 365 score; the subscription id for Defender for Cloud.
                    .col(string_len(ScoreSnapshots::Scope, 100))
                    // ISO date (UTC day).
                    .col(string_len(ScoreSnapshots::Day, 10))
                    .col(double(ScoreSnapshots::Current))
                    .col(double(ScoreSnapshots::Max))
                    // JSON: [{category, achieved, max}].
                    .col(text(ScoreSnapshots::Categories))
                    // JSON: Microsoft's comparative averages, as given.
                    .col(text(ScoreSnapshots::Averages))
                    .col(string_len(ScoreSnapshots::Source, 20))
                    .col(timestamp_with_time_zone(ScoreSnapshots::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScoreSnapshots::Table, ScoreSnapshots::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_score_snapshots_day")
                    .table(ScoreSnapshots::Table)
                    .col(ScoreSnapshots::TenantId)
                    .col(ScoreSnapshots::Product)
                    .col(ScoreSnapshots::Scope)
                    .col(ScoreSnapshots::Day)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ScoreSnapshots::Table).to_owned()).await
    }
}
