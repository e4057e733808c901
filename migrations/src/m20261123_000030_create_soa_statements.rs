use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A tenant's Statement of Applicability entry for one ISO/IEC 27001:2022 Annex A control (ISO 27001 clause
/// 6.1.3 d): whether it applies and why, and, where a person attests it, how far it is implemented and the
/// evidence for that. A control without a row is applicable and its implementation is computed or not assessed.
#[derive(DeriveIden)]
enum SoaStatements {
    Table,
    TenantId,
    /// The Annex A control id as in the catalog (`5.17`, no `A.` prefix).
    ControlId,
    Applicable,
    /// Required when not applicable; allowed when applicable (e.g. the risk treatment that selected it).
    ApplicabilityJustification,
    /// `implemented`, `partially_implemented`, `planned` or `not_implemented`, when a person attests it.
    Implementation,
    /// Required when the attestation overrides a computed implementation.
    ImplementationJustification,
    /// JSON array of evidence item ids of the same tenant.
    EvidenceIds,
    AttestedById,
    AttestedByName,
    AttestedAt,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SoaStatements::Table)
                    .col(uuid(SoaStatements::TenantId))
                    .col(string_len(SoaStatements::ControlId, 20))
                    .col(boolean(SoaStatements::Applicable))
                    .col(text_null(SoaStatements::ApplicabilityJustification))
                    .col(string_len_null(SoaStatements::Implementation, 30))
                    .col(text_null(SoaStatements::ImplementationJustification))
                    .col(text(SoaStatements::EvidenceIds))
                    .col(string_len_null(SoaStatements::AttestedById, 64))
                    .col(string_len_null(SoaStatements::AttestedByName, 200))
                    .col(timestamp_with_time_zone_null(SoaStatements::AttestedAt))
                    .col(big_integer(SoaStatements::Version))
                    .col(timestamp_with_time_zone(SoaStatements::UpdatedAt))
                    .primary_key(Index::create().col(SoaStatements::TenantId).col(SoaStatements::ControlId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SoaStatements::Table, SoaStatements::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SoaStatements::Table).to_owned()).await
    }
}
