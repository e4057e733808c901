use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Failed sign-ins, so the sign-in throttle holds across every instance on one database. One row per failure
/// inside the throttle's window; the failure that started a lock carries the lock's end. Rows whose failure is
/// outside the window and whose lock (if any) has ended are pruned on every write, so a spraying run cannot grow
/// the table without bound.
#[derive(DeriveIden)]
enum SignInFailures {
    Table,
    Id,
    /// `username` or `address`.
    Kind,
    /// A keyed digest (HMAC-SHA256) of the normalised username or the client address, in hex: never the text.
    KeyDigest,
    FailedAt,
    /// Set on the failure that started a lock: when the lock ends.
    LockedUntil,
}

/// Single-use download tokens, so a token issued by one instance is redeemed by any other. Keyed by the token's
/// SHA-256 (the token itself is never stored); the bearer credential it stands for is sealed with the data key.
#[derive(DeriveIden)]
enum DownloadTokens {
    Table,
    /// SHA-256 of the token, in hex.
    TokenSha256,
    /// The one download path the token is good for.
    Path,
    /// The caller's bearer credential, sealed for `download_token:{token_sha256}:{path}`.
    BearerSealed,
    ExpiresAt,
}

const FAILURES_BY_KEY: &str = "idx_sign_in_failures_kind_key_digest";
const FAILURES_BY_TIME: &str = "idx_sign_in_failures_failed_at";
const TOKENS_BY_EXPIRY: &str = "idx_download_tokens_expires_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInFailures::Table)
                    .col(big_pk_auto(SignInFailures::Id))
                    .col(string_len(SignInFailures::Kind, 16))
                    .col(string_len(SignInFailures::KeyDigest, 64))
                    .col(timestamp_with_time_zone(SignInFailures::FailedAt))
                    .col(timestamp_with_time_zone_null(SignInFailures::LockedUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(FAILURES_BY_KEY)
                    .table(SignInFailures::Table)
                    .col(SignInFailures::Kind)
                    .col(SignInFailures::KeyDigest)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(FAILURES_BY_TIME)
                    .table(SignInFailures::Table)
                    .col(SignInFailures::FailedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DownloadTokens::Table)
                    .col(string_len(DownloadTokens::TokenSha256, 64).primary_key())
                    .col(text(DownloadTokens::Path))
                    .col(text(DownloadTokens::BearerSealed))
                    .col(timestamp_with_time_zone(DownloadTokens::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(TOKENS_BY_EXPIRY)
                    .table(DownloadTokens::Table)
                    .col(DownloadTokens::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DownloadTokens::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SignInFailures::Table).to_owned()).await
    }
}
