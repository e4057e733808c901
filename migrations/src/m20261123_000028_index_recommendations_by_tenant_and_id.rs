use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Reading a tenant's items in id order, a page at a time (exports, keyset paging): without this index SQLite
/// takes the `(tenant_id, match_key)` index and sorts every item of the tenant for each page.
#[derive(DeriveIden)]
enum Recommendations {
    Table,
    TenantId,
    Id,
}

const INDEX: &str = "idx_recommendations_tenant_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Recommendations::Table)
                    .col(Recommendations::TenantId)
                    .col(Recommendations::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(Recommendations::Table).to_owned()).await
    }
}
