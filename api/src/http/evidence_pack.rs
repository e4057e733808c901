//! The evidence pack download and the public key that verifies its signature.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::download::{export_file, file_name_part, recorded_attachment};
use super::extract::{ReadAudit, TenantCaller};
use super::problem::Problem;
use super::{Query, Reply};
use crate::export::evidence_pack::{self, PackRequest};
use crate::state::AppState;

/// Mounts the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_evidence_pack).service(signing_key);
}

/// The period of a pack.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PackQuery {
    /// First day (UTC) of the period, included; default: one year before `to`.
    pub from: Option<NaiveDate>,
    /// Last day (UTC) of the period, included; default: today.
    pub to: Option<NaiveDate>,
}

/// The instance's public key for evidence packs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SigningKey {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The first 16 hex digits of the key's SHA-256, as manifests name it.
    pub key_id: String,
    /// The 32-byte public key, base64: give it to `scoregrc verify-pack --key`.
    pub public_key: String,
}

/// The evidence pack
///
/// One zip for the auditor: the auditor workbook, every evidence file added in the period (under
/// `evidence/<recommendations|roadmap|risk-acceptances|statement-of-applicability>/<target>/`), the tenant's audit
/// log rows of the period as a contiguous segment of its hash chain, the chain head, and `manifest.json` /
/// `manifest.csv` (path, SHA-256, size, what it proves, who, when) with `manifest.json.sig`, an Ed25519 signature
/// by the instance's key (see `GET /api/v1/signing-key`). `scoregrc verify-pack` checks it offline. The download
/// is recorded in the audit trail with the zip's SHA-256, repeated in `x-content-sha256`.
#[utoipa::path(
    tag = "exports",
    params(("tenant_id" = uuid::Uuid, Path), PackQuery),
    responses(
        (status = 200, content_type = "application/zip", body = Vec<u8>,
         headers(("x-content-sha256" = String, description = "SHA-256 of the zip, as recorded in the audit trail"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Stored evidence no longer matches its recorded hash"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`from` after `to`, or not a date"),
    ),
    security(("bearer" = ["admin", "ciso", "auditor"]))
)]
#[get("/tenants/{tenant_id}/exports/evidence-pack.zip")]
async fn get_evidence_pack(
    state: web::Data<AppState>,
    caller: TenantCaller<ReadAudit>,
    query: Query<PackQuery>,
) -> Reply<HttpResponse> {
    let query = query?.into_inner();
    let now = state.clock.now();
    let to = query.to.unwrap_or(now.date_naive());
    let from = query.from.unwrap_or_else(|| to.checked_sub_months(chrono::Months::new(12)).unwrap_or(to));
    let request = PackRequest { tenant: caller.tenant.id, from, to, generated_by: caller.principal.name.clone(), now };
    let file = export_file()?;
    let actor = caller.principal.actor();
    let written =
        evidence_pack::write_and_record(&state.db, &state.pack_signer, &request, &actor, file.path(), &mut |_| {})
            .await?;
    let name = format!("scoregrc-evidence-{}-{from}-to-{to}.zip", file_name_part(&caller.tenant.name));
    recorded_attachment(file, "application/zip", &name, &written.sha256)
}

/// The evidence-pack signing key
///
/// The public half of the instance's Ed25519 key that signs evidence-pack manifests. Public by design: it proves
/// nothing by itself, so an auditor should also get it from the administrator (`scoregrc keys show`) and compare.
#[utoipa::path(
    tag = "exports",
    responses((status = 200, body = SigningKey)),
    security(())
)]
#[get("/signing-key")]
async fn signing_key(state: web::Data<AppState>) -> web::Json<SigningKey> {
    web::Json(SigningKey {
        algorithm: "Ed25519".into(),
        key_id: state.pack_signer.key_id(),
        public_key: state.pack_signer.public_key_base64(),
    })
}
