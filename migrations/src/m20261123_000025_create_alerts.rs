use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Alerts raised by monitoring (score drops, regressions), kept until acknowledged and after.
#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    TenantId,
    /// `score_drop`, `regression`.
    Kind,
    /// `info`, `warning`, `critical`.
    Severity,
    Title,
    Summary,
    /// JSON: the figures and the items behind the alert.
    Detail,
    /// The import that raised it.
    ImportRunId,
    /// Unique per tenant: the same drop or run never raises twice.
    DedupeKey,
    RaisedAt,
    AcknowledgedAt,
    AcknowledgedBy,
    AckComment,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .col(uuid(Alerts::Id).primary_key())
                    .col(uuid(Alerts::TenantId))
                    .col(string_len(Alerts::Kind, 30))
                    .col(string_len(Alerts::Severity, 10))
                    .col(text(Alerts::Title))
                    .col(text(Alerts::Summary))
                    .col(text(Alerts::Detail))
                    .col(uuid_null(Alerts::ImportRunId))
                    .col(string_len(Alerts::DedupeKey, 200))
                    .col(timestamp_with_time_zone(Alerts::RaisedAt))
                    .col(timestamp_with_time_zone_null(Alerts::AcknowledgedAt))
                    .col(string_len_null(Alerts::AcknowledgedBy, 200))
                    .col(text_null(Alerts::AckComment))
                    .col(big_integer(Alerts::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alerts_dedupe")
                    .table(Alerts::Table)
                    .col(Alerts::TenantId)
                    .col(Alerts::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Alerts::Table).to_owned()).await
    }
}
