use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Where a tenant's notifications are delivered: a signed JSON webhook, a Microsoft Teams Workflows webhook or
/// an SMTP relay. The non-secret settings are JSON in `config`; the secret (HMAC key, Teams URL, SMTP password)
/// is sealed with the data key. The health columns are the delivery path's, not the admin's: they do not move
/// `version`.
#[derive(DeriveIden)]
enum AlertChannels {
    Table,
    Id,
    TenantId,
    /// `webhook`, `teams` or `email`.
    Kind,
    Name,
    Config,
    SecretSealed,
    Enabled,
    Version,
    /// Failed attempts since the last success.
    ConsecutiveFailures,
    /// The first failure of the current run of failures.
    FailingSince,
    LastSuccessAt,
    LastFailureAt,
    LastError,
    CreatedAt,
    UpdatedAt,
}

/// One row per delivery attempt of a notification to a channel, kept so every attempt can be shown.
#[derive(DeriveIden)]
enum AlertDeliveries {
    Table,
    Id,
    TenantId,
    NotificationId,
    ChannelId,
    /// 1-based, per notification and channel.
    Attempt,
    AttemptedAt,
    /// `delivered`, `failed` (retried at `next_attempt_at`) or `gave_up`.
    Outcome,
    HttpStatus,
    SmtpReply,
    Error,
    NextAttemptAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum NotificationOutbox {
    Table,
    Id,
    DeliveredAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AlertChannels::Table)
                    .col(uuid(AlertChannels::Id).primary_key())
                    .col(uuid(AlertChannels::TenantId))
                    .col(string_len(AlertChannels::Kind, 20))
                    .col(string_len(AlertChannels::Name, 100))
                    .col(text(AlertChannels::Config))
                    .col(text_null(AlertChannels::SecretSealed))
                    .col(boolean(AlertChannels::Enabled))
                    .col(big_integer(AlertChannels::Version))
                    .col(integer(AlertChannels::ConsecutiveFailures))
                    .col(timestamp_with_time_zone_null(AlertChannels::FailingSince))
                    .col(timestamp_with_time_zone_null(AlertChannels::LastSuccessAt))
                    .col(timestamp_with_time_zone_null(AlertChannels::LastFailureAt))
                    .col(text_null(AlertChannels::LastError))
                    .col(timestamp_with_time_zone(AlertChannels::CreatedAt))
                    .col(timestamp_with_time_zone(AlertChannels::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertChannels::Table, AlertChannels::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_channels_tenant_name")
                    .table(AlertChannels::Table)
                    .col(AlertChannels::TenantId)
                    .col(AlertChannels::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertDeliveries::Table)
                    .col(uuid(AlertDeliveries::Id).primary_key())
                    .col(uuid(AlertDeliveries::TenantId))
                    .col(uuid(AlertDeliveries::NotificationId))
                    .col(uuid(AlertDeliveries::ChannelId))
                    .col(integer(AlertDeliveries::Attempt))
                    .col(timestamp_with_time_zone(AlertDeliveries::AttemptedAt))
                    .col(string_len(AlertDeliveries::Outcome, 20))
                    .col(integer_null(AlertDeliveries::HttpStatus))
                    .col(text_null(AlertDeliveries::SmtpReply))
                    .col(text_null(AlertDeliveries::Error))
                    .col(timestamp_with_time_zone_null(AlertDeliveries::NextAttemptAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertDeliveries::Table, AlertDeliveries::ChannelId)
                            .to(AlertChannels::Table, AlertChannels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AlertDeliveries::Table, AlertDeliveries::NotificationId)
                            .to(NotificationOutbox::Table, NotificationOutbox::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_deliveries_attempt")
                    .table(AlertDeliveries::Table)
                    .col(AlertDeliveries::NotificationId)
                    .col(AlertDeliveries::ChannelId)
                    .col(AlertDeliveries::Attempt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_deliveries_channel")
                    .table(AlertDeliveries::Table)
                    .col(AlertDeliveries::ChannelId)
                    .col(AlertDeliveries::Id)
                    .to_owned(),
            )
            .await?;
        // The runner looks for undelivered notifications every second; delivered ones pile up behind them.
        manager
            .create_index(
                Index::create()
                    .name("idx_notification_outbox_undelivered")
                    .table(NotificationOutbox::Table)
                    .col(NotificationOutbox::DeliveredAt)
                    .col(NotificationOutbox::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop().name("idx_notification_outbox_undelivered").table(NotificationOutbox::Table).to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(AlertDeliveries::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AlertChannels::Table).to_owned()).await
    }
}
