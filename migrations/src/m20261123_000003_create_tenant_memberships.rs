use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TenantMemberships {
    Table,
    TenantId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TenantMemberships::Table)
                    .col(uuid(TenantMemberships::TenantId))
                    .col(uuid(TenantMemberships::UserId))
                    .col(timestamp_with_time_zone(TenantMemberships::CreatedAt))
                    .primary_key(Index::create().col(TenantMemberships::TenantId).col(TenantMemberships::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TenantMemberships::Table, TenantMemberships::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TenantMemberships::Table, TenantMemberships::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Membership look-ups on every request go by user.
        manager
            .create_index(
                Index::create()
                    .name("idx_tenant_memberships_user")
                    .table(TenantMemberships::Table)
                    .col(TenantMemberships::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TenantMemberships::Table).to_owned()).await
    }
}
