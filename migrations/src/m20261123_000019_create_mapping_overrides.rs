use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A person's change to an item's mappings: a control added, or a shipped default removed. Removals survive
/// catalog updates; untouched defaults follow the catalog.
#[derive(DeriveIden)]
enum MappingOverrides {
    Table,
    RecommendationId,
    FrameworkControlId,
    TenantId,
    Added,
    ActorName,
    At,
    Reason,
}

/// "Not mapped, reviewed": a person looked and decided the item maps to nothing.
#[derive(DeriveIden)]
enum MappingReviews {
    Table,
    RecommendationId,
    TenantId,
    ActorName,
    At,
    Note,
}

#[derive(DeriveIden)]
enum Recommendations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FrameworkControls {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MappingOverrides::Table)
                    .col(uuid(MappingOverrides::RecommendationId))
                    .col(uuid(MappingOverrides::FrameworkControlId))
                    .col(uuid(MappingOverrides::TenantId))
                    // true: a person added the mapping; false: a person removed a shipped default.
                    .col(boolean(MappingOverrides::Added))
                    .col(string_len(MappingOverrides::ActorName, 200))
                    .col(timestamp_with_time_zone(MappingOverrides::At))
                    .col(text_null(MappingOverrides::Reason))
                    .primary_key(
                        Index::create()
                            .col(MappingOverrides::RecommendationId)
                            .col(MappingOverrides::FrameworkControlId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MappingOverrides::Table, MappingOverrides::RecommendationId)
                            .to(Recommendations::Table, Recommendations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MappingOverrides::Table, MappingOverrides::FrameworkControlId)
                            .to(FrameworkControls::Table, FrameworkControls::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MappingReviews::Table)
                    .col(uuid(MappingReviews::RecommendationId).primary_key())
                    .col(uuid(MappingReviews::TenantId))
                    .col(string_len(MappingReviews::ActorName, 200))
                    .col(timestamp_with_time_zone(MappingReviews::At))
                    .col(text_null(MappingReviews::Note))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MappingReviews::Table, MappingReviews::RecommendationId)
                            .to(Recommendations::Table, Recommendations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MappingReviews::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(MappingOverrides::Table).to_owned()).await
    }
}
