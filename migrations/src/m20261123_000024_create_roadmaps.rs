use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One plan per tenant per quarter.
#[derive(DeriveIden)]
enum Roadmaps {
    Table,
    Id,
    TenantId,
    /// `2027-Q1`.
    Quarter,
    /// `open`, `closed` (after its quarter).
    State,
    /// JSON list of the items as locked at quarter start.
    Baseline,
    BaselineLockedAt,
    BaselineLockedBy,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

/// A recommendation on a plan, with its owner, target, rollout phase and change record.
#[derive(DeriveIden)]
enum RoadmapItems {
    Table,
    Id,
    RoadmapId,
    TenantId,
    RecommendationId,
    Position,
    OwnerUserId,
    OwnerTeam,
    TargetDate,
    Phase,
    PhaseStartedOn,
    PhaseObservationDays,
    PhaseNotes,
    PreviousPhase,
    PreviousPhaseStartedOn,
    PreviousObservationDays,
    Suggested,
    AddedBy,
    AddedAt,
    ChangeWhat,
    ChangeWhy,
    RollbackPlan,
    CommunicationDate,
    UserImpact,
    ItManagerApprovedBy,
    ItManagerApprovedAt,
    BusinessLeadName,
    BusinessLeadApprovedOn,
    BusinessLeadEvidenceUrl,
    BusinessLeadRecordedBy,
    DoneAt,
    DoneBy,
    UpdatedAt,
    Version,
}

/// What an item waits for: another item of the plan, or something outside it.
#[derive(DeriveIden)]
enum RoadmapDependencies {
    Table,
    Id,
    ItemId,
    Kind,
    DependsOnItemId,
    Description,
    ExpectedDate,
}

/// Every change to a plan, marked when it came after the baseline was locked.
#[derive(DeriveIden)]
enum RoadmapEvents {
    Table,
    Id,
    RoadmapId,
    TenantId,
    ItemId,
    RecommendationId,
    At,
    ActorName,
    Kind,
    Detail,
    AfterBaseline,
}

/// A quarter's board report: figures snapshotted when the quarter closed, and the signed-off copy.
#[derive(DeriveIden)]
enum BoardReports {
    Table,
    TenantId,
    Quarter,
    Snapshot,
    SnapshotAt,
    SignedReport,
    SignedHtml,
    SignedBy,
    SignedAt,
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
                    .table(Roadmaps::Table)
                    .col(uuid(Roadmaps::Id).primary_key())
                    .col(uuid(Roadmaps::TenantId))
                    .col(string_len(Roadmaps::Quarter, 7))
                    .col(string_len(Roadmaps::State, 10))
                    .col(text_null(Roadmaps::Baseline))
                    .col(timestamp_with_time_zone_null(Roadmaps::BaselineLockedAt))
                    .col(string_len_null(Roadmaps::BaselineLockedBy, 200))
                    .col(timestamp_with_time_zone_null(Roadmaps::ClosedAt))
                    .col(timestamp_with_time_zone(Roadmaps::CreatedAt))
                    .col(timestamp_with_time_zone(Roadmaps::UpdatedAt))
                    .col(big_integer(Roadmaps::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_roadmaps_tenant_quarter")
                    .table(Roadmaps::Table)
                    .col(Roadmaps::TenantId)
                    .col(Roadmaps::Quarter)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoadmapItems::Table)
                    .col(uuid(RoadmapItems::Id).primary_key())
                    .col(uuid(RoadmapItems::RoadmapId))
                    .col(uuid(RoadmapItems::TenantId))
                    .col(uuid(RoadmapItems::RecommendationId))
                    .col(integer(RoadmapItems::Position))
                    .col(uuid_null(RoadmapItems::OwnerUserId))
                    .col(string_len_null(RoadmapItems::OwnerTeam, 200))
                    .col(date_null(RoadmapItems::TargetDate))
                    .col(string_len(RoadmapItems::Phase, 20))
                    .col(date(RoadmapItems::PhaseStartedOn))
                    .col(integer(RoadmapItems::PhaseObservationDays))
                    .col(text_null(RoadmapItems::PhaseNotes))
                    .col(string_len_null(RoadmapItems::PreviousPhase, 20))
                    .col(date_null(RoadmapItems::PreviousPhaseStartedOn))
                    .col(integer_null(RoadmapItems::PreviousObservationDays))
                    .col(boolean(RoadmapItems::Suggested))
                    .col(string_len(RoadmapItems::AddedBy, 200))
                    .col(timestamp_with_time_zone(RoadmapItems::AddedAt))
                    .col(text_null(RoadmapItems::ChangeWhat))
                    .col(text_null(RoadmapItems::ChangeWhy))
                    .col(text_null(RoadmapItems::RollbackPlan))
                    .col(date_null(RoadmapItems::CommunicationDate))
                    .col(string_len(RoadmapItems::UserImpact, 10))
                    .col(string_len_null(RoadmapItems::ItManagerApprovedBy, 200))
                    .col(timestamp_with_time_zone_null(RoadmapItems::ItManagerApprovedAt))
                    .col(string_len_null(RoadmapItems::BusinessLeadName, 200))
                    .col(date_null(RoadmapItems::BusinessLeadApprovedOn))
                    .col(text_null(RoadmapItems::BusinessLeadEvidenceUrl))
                    .col(string_len_null(RoadmapItems::BusinessLeadRecordedBy, 200))
                    .col(timestamp_with_time_zone_null(RoadmapItems::DoneAt))
                    .col(string_len_null(RoadmapItems::DoneBy, 200))
                    .col(timestamp_with_time_zone(RoadmapItems::UpdatedAt))
                    .col(big_integer(RoadmapItems::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoadmapItems::Table, RoadmapItems::RoadmapId)
                            .to(Roadmaps::Table, Roadmaps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoadmapItems::Table, RoadmapItems::RecommendationId)
                            .to(Recommendations::Table, Recommendations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_roadmap_items_plan_item")
                    .table(RoadmapItems::Table)
                    .col(RoadmapItems::RoadmapId)
                    .col(RoadmapItems::RecommendationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoadmapDependencies::Table)
                    .col(big_pk_auto(RoadmapDependencies::Id))
                    .col(uuid(RoadmapDependencies::ItemId))
                    .col(string_len(RoadmapDependencies::Kind, 20))
                    .col(uuid_null(RoadmapDependencies::DependsOnItemId))
                    .col(text_null(RoadmapDependencies::Description))
                    .col(date_null(RoadmapDependencies::ExpectedDate))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoadmapDependencies::Table, RoadmapDependencies::ItemId)
                            .to(RoadmapItems::Table, RoadmapItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoadmapDependencies::Table, RoadmapDependencies::DependsOnItemId)
                            .to(RoadmapItems::Table, RoadmapItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoadmapEvents::Table)
                    .col(big_pk_auto(RoadmapEvents::Id))
                    .col(uuid(RoadmapEvents::RoadmapId))
                    .col(uuid(RoadmapEvents::TenantId))
                    .col(uuid_null(RoadmapEvents::ItemId))
                    .col(uuid_null(RoadmapEvents::RecommendationId))
                    .col(timestamp_with_time_zone(RoadmapEvents::At))
                    .col(string_len(RoadmapEvents::ActorName, 200))
                    .col(string_len(RoadmapEvents::Kind, 30))
                    .col(text(RoadmapEvents::Detail))
                    .col(boolean(RoadmapEvents::AfterBaseline))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoadmapEvents::Table, RoadmapEvents::RoadmapId)
                            .to(Roadmaps::Table, Roadmaps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BoardReports::Table)
                    .col(uuid(BoardReports::TenantId))
                    .col(string_len(BoardReports::Quarter, 7))
                    .col(text_null(BoardReports::Snapshot))
                    .col(timestamp_with_time_zone_null(BoardReports::SnapshotAt))
                    .col(text_null(BoardReports::SignedReport))
                    .col(text_null(BoardReports::SignedHtml))
                    .col(string_len_null(BoardReports::SignedBy, 200))
                    .col(timestamp_with_time_zone_null(BoardReports::SignedAt))
                    .primary_key(Index::create().col(BoardReports::TenantId).col(BoardReports::Quarter))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(BoardReports::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(RoadmapEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(RoadmapDependencies::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(RoadmapItems::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Roadmaps::Table).to_owned()).await
    }
}
