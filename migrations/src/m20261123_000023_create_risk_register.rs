use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Risk-acceptance register entries. `state` holds the last stored step; `expired` is computed on read.
#[derive(DeriveIden)]
enum RiskAcceptances {
    Table,
    Id,
    TenantId,
    /// `RA-0001`, per tenant: what comments and people quote.
    Reference,
    Decision,
    State,
    /// For third_party / alternate_mitigation: the product or control that covers the gap.
    CoveredBy,
    RiskDescription,
    BusinessJustification,
    CompensatingControls,
    ResidualRisk,
    /// The covered items' categories, comma-separated.
    Category,
    /// Snapshotted at proposal, kept current while open, frozen at approval and renewal.
    PointsAtStake,
    ProposerId,
    ProposerName,
    ReviewerId,
    ReviewerName,
    BusinessContext,
    ApproverId,
    ApproverName,
    ApprovedAt,
    /// The approval or the latest renewal: the baseline re-review compares against.
    DecidedAt,
    ReviewDate,
    LastReturnReason,
    /// When the items were put back after expiry (so it happens once).
    ExpiryAppliedAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

/// Which items an entry covers; each item links back to its entries.
#[derive(DeriveIden)]
enum RiskAcceptanceItems {
    Table,
    EntryId,
    RecommendationId,
    TenantId,
}

/// Every step taken on an entry, with who, when and why.
#[derive(DeriveIden)]
enum RiskAcceptanceEvents {
    Table,
    Id,
    EntryId,
    TenantId,
    At,
    Action,
    FromState,
    ToState,
    ActorId,
    ActorName,
    Comment,
}

/// Notifications waiting for delivery (webhooks and e-mail come with monitoring); `dedupe_key` is unique so a
/// reminder is written once however often the runner ticks.
#[derive(DeriveIden)]
enum NotificationOutbox {
    Table,
    Id,
    TenantId,
    Kind,
    DedupeKey,
    Payload,
    CreatedAt,
    DeliveredAt,
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
                    .table(RiskAcceptances::Table)
                    .col(uuid(RiskAcceptances::Id).primary_key())
                    .col(uuid(RiskAcceptances::TenantId))
                    .col(string_len(RiskAcceptances::Reference, 20))
                    .col(string_len(RiskAcceptances::Decision, 30))
                    .col(string_len(RiskAcceptances::State, 20))
                    .col(text_null(RiskAcceptances::CoveredBy))
                    .col(text(RiskAcceptances::RiskDescription))
                    .col(text(RiskAcceptances::BusinessJustification))
                    .col(text(RiskAcceptances::CompensatingControls))
                    .col(string_len(RiskAcceptances::ResidualRisk, 10))
                    .col(string_len(RiskAcceptances::Category, 200))
                    .col(double(RiskAcceptances::PointsAtStake))
                    .col(string_len_null(RiskAcceptances::ProposerId, 64))
                    .col(string_len(RiskAcceptances::ProposerName, 200))
                    .col(string_len_null(RiskAcceptances::ReviewerId, 64))
                    .col(string_len_null(RiskAcceptances::ReviewerName, 200))
                    .col(text_null(RiskAcceptances::BusinessContext))
                    .col(string_len_null(RiskAcceptances::ApproverId, 64))
                    .col(string_len_null(RiskAcceptances::ApproverName, 200))
                    .col(timestamp_with_time_zone_null(RiskAcceptances::ApprovedAt))
                    .col(timestamp_with_time_zone_null(RiskAcceptances::DecidedAt))
                    .col(date_null(RiskAcceptances::ReviewDate))
                    .col(text_null(RiskAcceptances::LastReturnReason))
                    .col(timestamp_with_time_zone_null(RiskAcceptances::ExpiryAppliedAt))
                    .col(timestamp_with_time_zone(RiskAcceptances::CreatedAt))
                    .col(timestamp_with_time_zone(RiskAcceptances::UpdatedAt))
                    .col(big_integer(RiskAcceptances::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_risk_acceptances_reference")
                    .table(RiskAcceptances::Table)
                    .col(RiskAcceptances::TenantId)
                    .col(RiskAcceptances::Reference)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskAcceptanceItems::Table)
                    .col(uuid(RiskAcceptanceItems::EntryId))
                    .col(uuid(RiskAcceptanceItems::RecommendationId))
                    .col(uuid(RiskAcceptanceItems::TenantId))
                    .primary_key(
                        Index::create().col(RiskAcceptanceItems::EntryId).col(RiskAcceptanceItems::RecommendationId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RiskAcceptanceItems::Table, RiskAcceptanceItems::EntryId)
                            .to(RiskAcceptances::Table, RiskAcceptances::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RiskAcceptanceItems::Table, RiskAcceptanceItems::RecommendationId)
                            .to(Recommendations::Table, Recommendations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_risk_acceptance_items_item")
                    .table(RiskAcceptanceItems::Table)
                    .col(RiskAcceptanceItems::RecommendationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RiskAcceptanceEvents::Table)
                    .col(big_pk_auto(RiskAcceptanceEvents::Id))
                    .col(uuid(RiskAcceptanceEvents::EntryId))
                    .col(uuid(RiskAcceptanceEvents::TenantId))
                    .col(timestamp_with_time_zone(RiskAcceptanceEvents::At))
                    .col(string_len(RiskAcceptanceEvents::Action, 30))
                    .col(string_len_null(RiskAcceptanceEvents::FromState, 20))
                    .col(string_len(RiskAcceptanceEvents::ToState, 20))
                    .col(string_len_null(RiskAcceptanceEvents::ActorId, 64))
                    .col(string_len(RiskAcceptanceEvents::ActorName, 200))
                    .col(text_null(RiskAcceptanceEvents::Comment))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RiskAcceptanceEvents::Table, RiskAcceptanceEvents::EntryId)
                            .to(RiskAcceptances::Table, RiskAcceptances::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationOutbox::Table)
                    .col(uuid(NotificationOutbox::Id).primary_key())
                    .col(uuid_null(NotificationOutbox::TenantId))
                    .col(string_len(NotificationOutbox::Kind, 60))
                    .col(string_len(NotificationOutbox::DedupeKey, 300).unique_key())
                    .col(text(NotificationOutbox::Payload))
                    .col(timestamp_with_time_zone(NotificationOutbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(NotificationOutbox::DeliveredAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(NotificationOutbox::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(RiskAcceptanceEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(RiskAcceptanceItems::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(RiskAcceptances::Table).to_owned()).await
    }
}
