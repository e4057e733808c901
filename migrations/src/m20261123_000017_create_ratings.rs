use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The team's rating of an item: team-owned, apart from the import-owned recommendation row.
#[derive(DeriveIden)]
enum Ratings {
    Table,
    RecommendationId,
    TenantId,
    RiskReduction,
    ImplementationEffort,
    RatedBy,
    RatedAt,
    Version,
}

/// Every rating change: who, when, old → new, and why.
#[derive(DeriveIden)]
enum RatingChanges {
    Table,
    Id,
    TenantId,
    RecommendationId,
    At,
    ActorName,
    FromRisk,
    FromEffort,
    ToRisk,
    ToEffort,
    Note,
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
                    .table(Ratings::Table)
                    .col(uuid(Ratings::RecommendationId).primary_key())
                    .col(uuid(Ratings::TenantId))
                    .col(string_len_null(Ratings::RiskReduction, 10))
                    .col(string_len_null(Ratings::ImplementationEffort, 10))
                    .col(string_len(Ratings::RatedBy, 200))
                    .col(timestamp_with_time_zone(Ratings::RatedAt))
                    .col(big_integer(Ratings::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Ratings::Table, Ratings::RecommendationId)
                            .to(Recommendations::Table, Recommendations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RatingChanges::Table)
                    .col(big_pk_auto(RatingChanges::Id))
                    .col(uuid(RatingChanges::TenantId))
                    .col(uuid(RatingChanges::RecommendationId))
                    .col(timestamp_with_time_zone(RatingChanges::At))
                    .col(string_len(RatingChanges::ActorName, 200))
                    .col(string_len_null(RatingChanges::FromRisk, 10))
                    .col(string_len_null(RatingChanges::FromEffort, 10))
                    .col(string_len_null(RatingChanges::ToRisk, 10))
                    .col(string_len_null(RatingChanges::ToEffort, 10))
                    .col(text_null(RatingChanges::Note))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RatingChanges::Table, RatingChanges::RecommendationId)
                            .to(Recommendations::Table, Recommendations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RatingChanges::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Ratings::Table).to_owned()).await
    }
}
