use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Recommendations {
    Table,
    Id,
    TenantId,
    Product,
    ControlKey,
    MatchKey,
    Unmatched,
    Title,
    Category,
    Service,
    MaxScore,
    Achieved,
    ScoreImpact,
    Rank,
    ImplementationCost,
    UserImpact,
    Tier,
    Threats,
    Remediation,
    RemediationImpact,
    ActionType,
    ActionUrl,
    Deprecated,
    MsState,
    ImplementationStatus,
    HealthyCount,
    UnhealthyCount,
    NotApplicableCount,
    Status,
    StatusConfirmed,
    UnmanagedAcceptance,
    Regressed,
    RegressedAt,
    LastSynced,
    FirstSeen,
    LastSeen,
    RemovedAt,
    CreatedAt,
    UpdatedAt,
    Version,
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
                    .table(Recommendations::Table)
                    .col(uuid(Recommendations::Id).primary_key())
                    .col(uuid(Recommendations::TenantId))
                    // `m365` or `defender_cloud`.
                    .col(string_len(Recommendations::Product, 20))
                    // The Secure Score control id, or `{subscription}/{control}`; NULL while unmatched.
                    .col(string_len_null(Recommendations::ControlKey, 300))
                    // Normalised title, for matching files that carry no control id.
                    .col(string_len(Recommendations::MatchKey, 500))
                    .col(boolean(Recommendations::Unmatched))
                    .col(text(Recommendations::Title))
                    .col(string_len_null(Recommendations::Category, 50))
                    .col(string_len_null(Recommendations::Service, 100))
                    .col(double(Recommendations::MaxScore))
                    // NULL = not applicable (a profile without a score), never zero.
                    .col(double_null(Recommendations::Achieved))
                    .col(double_null(Recommendations::ScoreImpact))
                    .col(integer_null(Recommendations::Rank))
                    .col(string_len(Recommendations::ImplementationCost, 20))
                    .col(string_len(Recommendations::UserImpact, 20))
                    .col(string_len_null(Recommendations::Tier, 50))
                    .col(text(Recommendations::Threats))
                    .col(text_null(Recommendations::Remediation))
                    .col(text_null(Recommendations::RemediationImpact))
                    .col(string_len_null(Recommendations::ActionType, 50))
                    .col(text_null(Recommendations::ActionUrl))
                    .col(boolean(Recommendations::Deprecated))
                    .col(string_len_null(Recommendations::MsState, 100))
                    .col(text_null(Recommendations::ImplementationStatus))
                    .col(big_integer_null(Recommendations::HealthyCount))
                    .col(big_integer_null(Recommendations::UnhealthyCount))
                    .col(big_integer_null(Recommendations::NotApplicableCount))
                    .col(string_len(Recommendations::Status, 30))
                    .col(boolean(Recommendations::StatusConfirmed))
                    .col(boolean(Recommendations::UnmanagedAcceptance))
                    .col(boolean(Recommendations::Regressed))
                    .col(timestamp_with_time_zone_null(Recommendations::RegressedAt))
                    .col(timestamp_with_time_zone_null(Recommendations::LastSynced))
                    .col(timestamp_with_time_zone(Recommendations::FirstSeen))
                    .col(timestamp_with_time_zone(Recommendations::LastSeen))
                    .col(timestamp_with_time_zone_null(Recommendations::RemovedAt))
                    .col(timestamp_with_time_zone(Recommendations::CreatedAt))
                    .col(timestamp_with_time_zone(Recommendations::UpdatedAt))
                    .col(big_integer(Recommendations::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Recommendations::Table, Recommendations::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_recommendations_identity")
                    .table(Recommendations::Table)
                    .col(Recommendations::TenantId)
                    .col(Recommendations::Product)
                    .col(Recommendations::ControlKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_recommendations_match_key")
                    .table(Recommendations::Table)
                    .col(Recommendations::TenantId)
                    .col(Recommendations::MatchKey)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Recommendations::Table).to_owned()).await
    }
}
