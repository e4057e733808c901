use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Who owns an item and how the team tags it: team-owned, never touched by imports.
#[derive(DeriveIden)]
enum ItemOwnership {
    Table,
    RecommendationId,
    TenantId,
    OwnerUserId,
    OwnerTeam,
    Tags,
    UpdatedBy,
    UpdatedAt,
    Version,
}

/// Append-only notes on an item.
#[derive(DeriveIden)]
enum ItemNotes {
    Table,
    Id,
    TenantId,
    RecommendationId,
    At,
    ActorName,
    Text,
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
                    .table(ItemOwnership::Table)
                    .col(uuid(ItemOwnership::RecommendationId).primary_key())
                    .col(uuid(ItemOwnership::TenantId))
                    .col(uuid_null(ItemOwnership::OwnerUserId))
                    .col(string_len_null(ItemOwnership::OwnerTeam, 200))
                    // JSON array of lower-case tags.
                    .col(text(ItemOwnership::Tags))
                    .col(string_len(ItemOwnership::UpdatedBy, 200))
                    .col(timestamp_with_time_zone(ItemOwnership::UpdatedAt))
                    .col(big_integer(ItemOwnership::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ItemOwnership::Table, ItemOwnership::RecommendationId)
                            .to(Recommendations::Table, Recommendations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ItemNotes::Table)
                    .col(big_pk_auto(ItemNotes::Id))
                    .col(uuid(ItemNotes::TenantId))
                    .col(uuid(ItemNotes::RecommendationId))
                    .col(timestamp_with_time_zone(ItemNotes::At))
                    .col(string_len(ItemNotes::ActorName, 200))
                    .col(text(ItemNotes::Text))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ItemNotes::Table, ItemNotes::RecommendationId)
                            .to(Recommendations::Table, Recommendations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ItemNotes::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ItemOwnership::Table).to_owned()).await
    }
}
