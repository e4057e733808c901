//! The OpenAPI document's frame: info, tags, the bearer scheme, and the error answers every operation shares.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{AllOf, Discriminator, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, RefOr};
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
    // Enums used only as query parameters: `IntoParams` refers to them without adding them.
    components(schemas(
        problem::Problem,
        crate::store::recommendations::RecommendationSort,
        crate::store::comparison::CompareBy
    )),
    tags(
        (name = "auth", description = "Signing in, passwords, two-step sign-in and the sign-in policy"),
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
        for operation in [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten() {
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

/// Describes file bodies as files. `Vec<u8>` in a `utoipa::path` becomes an array of integers; uploads and
/// downloads are bytes: `string`/`binary` for a raw body, and an object with a binary `file` for a multipart
/// form, so clients and fuzzers send files, not number lists.
pub fn describe_file_bodies(doc: &mut OpenApiDoc) {
    for item in doc.paths.paths.values_mut() {
        for operation in [&mut item.get, &mut item.post, &mut item.put].into_iter().flatten() {
            if let Some(body) = operation.request_body.as_mut() {
                body.content.iter_mut().for_each(|(media, content)| describe_file(media, content));
            }
            for response in operation.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    response.content.iter_mut().for_each(|(media, content)| describe_file(media, content));
                }
            }
        }
    }
}

fn describe_file(media: &str, content: &mut Content) {
    let is_numbers = matches!(&content.schema, Some(RefOr::T(Schema::Array(_))));
    if !is_numbers || media.contains("json") {
        return;
    }
    let binary =
        || ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)));
    let schema = if media == "multipart/form-data" {
        ObjectBuilder::new().schema_type(Type::Object).property("file", binary()).required("file").build()
    } else {
        binary().build()
    };
    content.schema = Some(RefOr::T(Schema::Object(schema)));
}

/// The `If-Match` values `extract::expected_version` reads: a version as an ETag (`"3"`, weak `W/"3"`) or bare.
pub const IF_MATCH_PATTERN: &str = r#"^(W/)?"[0-9]{1,18}"$|^[0-9]{1,18}$"#;

/// Describes every `If-Match` header as the version forms the server reads, a string (never null): the handlers
/// declare it `Option<String>`, which only says it may be left out.
pub fn describe_if_match(doc: &mut OpenApiDoc) {
    for item in doc.paths.paths.values_mut() {
        for operation in [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten() {
            let headers = operation.parameters.iter_mut().flatten().filter(|p| p.parameter_in == ParameterIn::Header);
            for parameter in headers.filter(|p| p.name == "If-Match") {
                let schema = ObjectBuilder::new().schema_type(Type::String).pattern(Some(IF_MATCH_PATTERN));
                parameter.schema = Some(RefOr::T(Schema::Object(schema.build())));
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

/// Gives every variant of an internally tagged enum (a `oneOf` of inline `allOf`s, one part of each fixing `kind`
/// to one value) its own named component, its inline parts merged into one object, and the `oneOf` a
/// discriminator on `kind`. The document means the same; client generators that cannot read inline unions
/// (openapi-python-client) then make a model per variant instead of dropping the type and all that use it.
pub fn name_tagged_variants(doc: &mut OpenApiDoc) {
    let Some(components) = doc.components.as_mut() else { return };
    let mut added = Vec::new();
    for (name, schema) in components.schemas.iter_mut() {
        let RefOr::T(Schema::OneOf(union)) = schema else { continue };
        let Some(named) = union.items.iter().map(flatten_variant).collect::<Option<Vec<_>>>() else { continue };
        let mut mapping = Vec::new();
        union.items = named
            .into_iter()
            .map(|(tag, variant)| {
                let component = format!("{name}{}", pascal(&tag));
                mapping.push((tag, format!("#/components/schemas/{component}")));
                added.push((component.clone(), variant));
                RefOr::Ref(Ref::from_schema_name(component))
            })
            .collect();
        union.discriminator = Some(Discriminator::with_mapping("kind", mapping));
    }
    for (component, variant) in added {
        components.schemas.insert(component, RefOr::T(Schema::AllOf(variant)));
    }
}

/// The variant's `kind` value and the variant with its shared parts (`$ref`s) kept and its own inline parts
/// merged into one object; `None` when it is not such an `allOf`.
fn flatten_variant(variant: &RefOr<Schema>) -> Option<(String, AllOf)> {
    let RefOr::T(Schema::AllOf(parts)) = variant else { return None };
    let mut own = ObjectBuilder::new().schema_type(Type::Object).build();
    let mut items = Vec::new();
    for part in &parts.items {
        match part {
            RefOr::Ref(_) => items.push(part.clone()),
            RefOr::T(Schema::Object(object)) => {
                own.properties.extend(object.properties.clone());
                own.required.extend(object.required.iter().cloned());
            }
            RefOr::T(_) => return None,
        }
    }
    let RefOr::T(Schema::Object(kind)) = own.properties.get("kind")? else { return None };
    let [tag] = kind.enum_values.as_deref()? else { return None };
    let tag = tag.as_str()?.to_owned();
    items.push(RefOr::T(Schema::Object(own)));
    let mut merged = AllOf::new();
    merged.items = items;
    merged.description = parts.description.clone();
    Some((tag, merged))
}

/// `score_changed` → `ScoreChanged`.
fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests;
