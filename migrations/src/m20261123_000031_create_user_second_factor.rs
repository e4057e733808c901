use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A local account's second factor (RFC 6238 TOTP): the shared secret sealed with the data key, whether the
/// enrolment was confirmed, the last time step a code was accepted for (so no code is accepted twice), and the
/// account's recovery codes, stored only as digests.
#[derive(DeriveIden)]
enum UserSecondFactors {
    Table,
    UserId,
    /// The TOTP secret, sealed for `second_factor:{user_id}`.
    SecretSealed,
    /// Null while an enrolment waits for its first code.
    EnabledAt,
    LastUsedStep,
    /// JSON array of `{"sha256": …, "used_at": …}`.
    RecoveryCodes,
    CreatedAt,
    UpdatedAt,
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
                    .table(UserSecondFactors::Table)
                    .col(uuid(UserSecondFactors::UserId).primary_key())
                    .col(text(UserSecondFactors::SecretSealed))
                    .col(timestamp_with_time_zone_null(UserSecondFactors::EnabledAt))
                    .col(big_integer_null(UserSecondFactors::LastUsedStep))
                    .col(text(UserSecondFactors::RecoveryCodes))
                    .col(timestamp_with_time_zone(UserSecondFactors::CreatedAt))
                    .col(timestamp_with_time_zone(UserSecondFactors::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserSecondFactors::Table, UserSecondFactors::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UserSecondFactors::Table).to_owned()).await
    }
}
