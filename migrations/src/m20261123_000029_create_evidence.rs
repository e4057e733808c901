use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One stored file content, shared by every evidence item with the same bytes.
#[derive(DeriveIden)]
enum EvidenceBlobs {
    Table,
    /// SHA-256 (hex) of the whole content: the identity of the bytes.
    Sha256,
    Size,
    /// The type found from the bytes (magic numbers), never the uploader's claim alone.
    ContentType,
    ChunkCount,
    CreatedAt,
}

/// The bytes, in chunks of at most 1 MiB, so reads and writes stream and no row grows without bound.
#[derive(DeriveIden)]
enum EvidenceBlobChunks {
    Table,
    Sha256,
    Idx,
    Data,
}

/// Proof attached to a recommendation, a roadmap item, a register entry or a Statement of Applicability row.
/// Rows are never edited: a correction is a new row whose `supersedes_id` names the old one; an admin delete
/// sets the `deleted_*` columns, drops the bytes and leaves the rest as a tombstone.
#[derive(DeriveIden)]
enum EvidenceItems {
    Table,
    Id,
    TenantId,
    /// `recommendation`, `roadmap_item`, `risk_acceptance`, `soa_control`.
    TargetKind,
    TargetId,
    /// `file`, `link`, `completion_snapshot`, `approval_snapshot`.
    Kind,
    Title,
    /// What the evidence shows, in the uploader's words.
    Proves,
    FileName,
    ContentType,
    /// SHA-256 of the file, the snapshot or the link's URL text.
    Sha256,
    Size,
    Url,
    SupersedesId,
    CreatedAt,
    CreatedByKind,
    CreatedById,
    CreatedByName,
    DeletedAt,
    DeletedByName,
    DeleteReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EvidenceBlobs::Table)
                    .col(string_len(EvidenceBlobs::Sha256, 64).primary_key())
                    .col(big_integer(EvidenceBlobs::Size))
                    .col(string_len(EvidenceBlobs::ContentType, 120))
                    .col(integer(EvidenceBlobs::ChunkCount))
                    .col(timestamp_with_time_zone(EvidenceBlobs::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvidenceBlobChunks::Table)
                    .col(string_len(EvidenceBlobChunks::Sha256, 64))
                    .col(integer(EvidenceBlobChunks::Idx))
                    .col(blob(EvidenceBlobChunks::Data))
                    .primary_key(Index::create().col(EvidenceBlobChunks::Sha256).col(EvidenceBlobChunks::Idx))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvidenceBlobChunks::Table, EvidenceBlobChunks::Sha256)
                            .to(EvidenceBlobs::Table, EvidenceBlobs::Sha256)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvidenceItems::Table)
                    .col(uuid(EvidenceItems::Id).primary_key())
                    .col(uuid(EvidenceItems::TenantId))
                    .col(string_len(EvidenceItems::TargetKind, 30))
                    .col(string_len(EvidenceItems::TargetId, 64))
                    .col(string_len(EvidenceItems::Kind, 30))
                    .col(string_len(EvidenceItems::Title, 300))
                    .col(text(EvidenceItems::Proves))
                    .col(string_len_null(EvidenceItems::FileName, 255))
                    .col(string_len_null(EvidenceItems::ContentType, 120))
                    .col(string_len(EvidenceItems::Sha256, 64))
                    .col(big_integer(EvidenceItems::Size))
                    .col(text_null(EvidenceItems::Url))
                    .col(uuid_null(EvidenceItems::SupersedesId))
                    .col(timestamp_with_time_zone(EvidenceItems::CreatedAt))
                    .col(string_len(EvidenceItems::CreatedByKind, 20))
                    .col(string_len_null(EvidenceItems::CreatedById, 64))
                    .col(string_len(EvidenceItems::CreatedByName, 200))
                    .col(timestamp_with_time_zone_null(EvidenceItems::DeletedAt))
                    .col(string_len_null(EvidenceItems::DeletedByName, 200))
                    .col(text_null(EvidenceItems::DeleteReason))
                    .to_owned(),
            )
            .await?;
        let indexes = [
            (
                "idx_evidence_items_target",
                vec![EvidenceItems::TenantId, EvidenceItems::TargetKind, EvidenceItems::TargetId],
            ),
            ("idx_evidence_items_created", vec![EvidenceItems::TenantId, EvidenceItems::CreatedAt]),
            ("idx_evidence_items_sha256", vec![EvidenceItems::Sha256]),
        ];
        for (name, cols) in indexes {
            let mut index = Index::create();
            index.name(name).table(EvidenceItems::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // One correction per version keeps the history a line, never a tree.
        manager
            .create_index(
                Index::create()
                    .name("idx_evidence_items_supersedes")
                    .table(EvidenceItems::Table)
                    .col(EvidenceItems::SupersedesId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EvidenceItems::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(EvidenceBlobChunks::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(EvidenceBlobs::Table).to_owned()).await
    }
}
