//! The OpenAPI document's frame: info, tags, the bearer scheme, and the error answers every operation shares.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "scoregrc",
        description = "Self-hosted GRC for Microsoft Secure Score: import, triage, roadmap, risk-acceptance register, audit evidence.\n\nEvery operation lists the roles it allows as the scopes of its `bearer` security requirement.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerScheme),
    components(schemas(problem::Problem)),
    tags(
        (name = "auth", description = "Signing in and passwords"),
        (name = "tenants", description = "Tenants and memberships"),
        (name = "users", description = "Accounts"),
        (name = "tokens", description = "Service tokens for automation"),
        (name = "audit", description = "The hash-chained audit trail"),
        (name = "connectors", description = "Connections to Microsoft Graph and Defender for Cloud"),
        (name = "imports", description = "Importing Secure Score and following import runs"),
        (name = "recommendations", description = "The tenant's recommended actions"),
        (name = "priorities", description = "Priority rules, audit scope and buckets"),
        (name = "frameworks", description = "Framework catalogs: the shipped ones, a tenant's own, and catalog updates"),
        (name = "seed-ui", description = "The seed UI's paths, as aliases over the tenant-scoped API"),
        (name = "soa", description = "The Statement of Applicability (ISO/IEC 27001:2022 clause 6.1.3 d)"),
        (name = "exports", description = "Workbooks for auditors, the quarterly triage round-trip, and the signed evidence pack"),
        (name = "evidence", description = "Audit evidence attached to items, roadmap items, register entries and SoA rows"),
        (name = "score", description = "The score now and over time"),
        (name = "reviews", description = "The weekly review, the weekly digest and its schedule"),
        (name = "alerts", description = "Alert channels (webhook, Teams, e-mail), their deliveries, and the notification outbox"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("session JWT from /api/v1/auth/login, or an sgt_ service token")
            .description(Some("Scopes list the roles allowed: admin, ciso, it_manager, engineer, auditor."))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Adds the problem answers that come from the framework rather than the handler: every operation that takes
/// a body can also answer 400 (malformed JSON), 413 (too large), 415 (not JSON) and 422 (wrong shape).
pub fn document_shared_errors(doc: &mut OpenApiDoc) {
    for item in doc.paths.paths.values_mut() {
        for operation in [&mut item.post, &mut item.put, &mut item.patch].into_iter().flatten() {
            if operation.request_body.is_some() {
                for (status, description) in [
                    ("400", "Malformed JSON"),
                    ("413", "Request body too large"),
                    ("415", "Body is not application/json"),
                    ("422", "Invalid input"),
                ] {
                    add_problem(operation, status, description);
                }
            }
        }
    }
}

fn add_problem(operation: &mut Operation, status: &str, description: &str) {
    if operation.responses.responses.contains_key(status) {
        return;
    }
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    let response = ResponseBuilder::new().description(description).content("application/problem+json", content).build();
    operation.responses.responses.insert(status.to_owned(), response.into());
}
