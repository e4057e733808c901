use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Chain,
    Seq,
    At,
    ActorKind,
    ActorId,
    ActorName,
    Entity,
    EntityId,
    Action,
    BeforeJson,
    AfterJson,
    Comment,
    RunId,
    ChangeListSha256,
    PrevHash,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    // `platform` or the tenant's id: one hash chain each.
                    .col(string_len(AuditLog::Chain, 64))
                    .col(big_integer(AuditLog::Seq))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(string_len(AuditLog::ActorKind, 20))
                    .col(string_len_null(AuditLog::ActorId, 64))
                    .col(string_len(AuditLog::ActorName, 200))
                    .col(string_len(AuditLog::Entity, 64))
                    .col(string_len(AuditLog::EntityId, 200))
                    .col(string_len(AuditLog::Action, 64))
                    // Canonical JSON text, kept byte for byte so the hash can be recomputed on any backend.
                    .col(text_null(AuditLog::BeforeJson))
                    .col(text_null(AuditLog::AfterJson))
                    .col(text_null(AuditLog::Comment))
                    .col(string_len_null(AuditLog::RunId, 64))
                    .col(string_len_null(AuditLog::ChangeListSha256, 64))
                    .col(string_len(AuditLog::PrevHash, 64))
                    .col(string_len(AuditLog::Hash, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_chain_seq")
                    .table(AuditLog::Table)
                    .col(AuditLog::Chain)
                    .col(AuditLog::Seq)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await
    }
}
