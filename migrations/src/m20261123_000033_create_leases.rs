use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Named leases, so work that must happen once across every instance on the database (the job runner's loop)
/// is done by whichever instance holds the lease, and taken over when that instance stops renewing it.
#[derive(DeriveIden)]
enum Leases {
    Table,
    Name,
    Holder,
    ExpiresAt,
    TakenAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Leases::Table)
                    .col(string_len(Leases::Name, 100).primary_key())
                    // The holding instance's id (`pid <pid> <random>`).
                    .col(text(Leases::Holder))
                    .col(timestamp_with_time_zone(Leases::ExpiresAt))
                    // When the current holder took it (renewals keep it), for an operator asking since when.
                    .col(timestamp_with_time_zone(Leases::TakenAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Leases::Table).to_owned()).await
    }
}
