use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Frameworks {
    Table,
    Id,
    Key,
    Owner,
    Name,
    Shipped,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FrameworkControls {
    Table,
    Id,
    FrameworkId,
    ControlId,
    DisplayId,
    Title,
    Theme,
    Description,
    Position,
    Retired,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Frameworks::Table)
                    .col(uuid(Frameworks::Id).primary_key())
                    // `iso27001`, `nis2`, `gdpr`, or a tenant's own key.
                    .col(string_len(Frameworks::Key, 50))
                    // Empty for the shipped catalogs (global, read-only); the tenant id for a custom framework.
                    .col(string_len(Frameworks::Owner, 64))
                    .col(string_len(Frameworks::Name, 200))
                    .col(boolean(Frameworks::Shipped))
                    .col(timestamp_with_time_zone(Frameworks::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_frameworks_key")
                    .table(Frameworks::Table)
                    .col(Frameworks::Owner)
                    .col(Frameworks::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FrameworkControls::Table)
                    .col(uuid(FrameworkControls::Id).primary_key())
                    .col(uuid(FrameworkControls::FrameworkId))
                    // As in the data: `5.17`, `21.2.j`, `32.1.b`.
                    .col(string_len(FrameworkControls::ControlId, 50))
                    // As shown: `A.5.17`, `Art. 21(2)(j)`, `Art. 32(1)(b)`.
                    .col(string_len(FrameworkControls::DisplayId, 50))
                    .col(text(FrameworkControls::Title))
                    .col(string_len_null(FrameworkControls::Theme, 50))
                    .col(text(FrameworkControls::Description))
                    .col(integer(FrameworkControls::Position))
                    // No longer in the shipped catalog; kept so history and mappings stay readable.
                    .col(boolean(FrameworkControls::Retired))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FrameworkControls::Table, FrameworkControls::FrameworkId)
                            .to(Frameworks::Table, Frameworks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_framework_controls_id")
                    .table(FrameworkControls::Table)
                    .col(FrameworkControls::FrameworkId)
                    .col(FrameworkControls::ControlId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FrameworkControls::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Frameworks::Table).to_owned()).await
    }
}
