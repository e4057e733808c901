//! The OpenAPI document's links: from the answer of an operation that creates (or moves) a resource to the
//! operations that read, change, step or remove it, with the identifier and version taken from that answer. A
//! client sees what to call next; schemathesis's stateful phase follows them, so it reaches the states behind a
//! create (a submitted risk acceptance, a framework with controls) instead of guessing identifiers.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::Operation;

/// Links from one answer: `to` are the target operations; each target's path parameters are filled from `set`
/// when named there and otherwise from the same parameter of the request (`$request.path.…`).
struct Follow {
    from: &'static str,
    status: &'static str,
    set: &'static [(&'static str, &'static str)],
    /// Where the answer holds the resource's version: it goes into the target's body `version` (merged with the
    /// rest of the body), or into its `If-Match` header when the target has no body, so changes are not stale.
    version: Option<&'static str>,
    to: &'static [&'static str],
}

const ENTRY_STEPS_AFTER_SUBMIT: &[&str] = &[
    "get_risk_acceptance",
    "review_risk_acceptance",
    "approve_risk_acceptance",
    "reject_risk_acceptance",
    "return_risk_acceptance",
];

/// The links the document declares.
const FOLLOWS: &[Follow] = &[
    Follow {
        from: "create_tenant",
        status: "201",
        set: &[("tenant_id", "$response.body#/id")],
        version: Some("$response.body#/version"),
        to: &["get_tenant", "update_tenant"],
    },
    Follow {
        from: "create_user",
        status: "201",
        set: &[("user_id", "$response.body#/id")],
        version: Some("$response.body#/version"),
        to: &["get_user", "update_user", "reset_password"],
    },
    Follow {
        from: "issue_token",
        status: "201",
        set: &[("token_id", "$response.body#/token/id")],
        version: None,
        to: &["get_token", "revoke_token"],
    },
    Follow {
        from: "create_alert_channel",
        status: "201",
        set: &[("channel_id", "$response.body#/id")],
        version: Some("$response.body#/version"),
        to: &["get_alert_channel", "update_alert_channel", "list_alert_deliveries", "delete_alert_channel"],
    },
    Follow {
        from: "update_alert_channel",
        status: "200",
        set: &[],
        version: Some("$response.body#/version"),
        to: &["get_alert_channel", "delete_alert_channel"],
    },
    Follow {
        from: "upload_evidence",
        status: "201",
        set: &[("evidence_id", "$response.body#/id")],
        version: None,
        to: &["get_evidence", "download_evidence", "delete_evidence"],
    },
    Follow {
        from: "add_link",
        status: "201",
        set: &[("evidence_id", "$response.body#/id")],
        version: None,
        to: &["get_evidence", "delete_evidence"],
    },
    Follow {
        from: "import_file",
        status: "201",
        set: &[("run_id", "$response.body#/id")],
        version: None,
        to: &["get_import"],
    },
    Follow {
        from: "create_framework",
        status: "201",
        set: &[("framework", "$response.body#/key")],
        version: Some("$response.body#/version"),
        to: &["get_tenant_framework", "update_framework", "add_framework_control", "delete_framework"],
    },
    Follow {
        from: "add_framework_control",
        status: "201",
        set: &[("control_id", "$request.body#/control_id")],
        version: Some("$response.body#/version"),
        to: &["get_tenant_framework", "update_framework_control", "delete_framework"],
    },
    Follow {
        from: "add_mapping",
        status: "200",
        set: &[("framework", "$request.body#/framework"), ("control_id", "$request.body#/control_id")],
        version: None,
        to: &["get_recommendation", "remove_mapping"],
    },
    Follow { from: "add_note", status: "201", set: &[], version: None, to: &["list_notes"] },
    Follow {
        from: "create_risk_acceptance",
        status: "201",
        set: &[("entry_id", "$response.body#/id")],
        version: Some("$response.body#/version"),
        to: &["get_risk_acceptance", "update_risk_acceptance", "risk_acceptance_steps", "submit_risk_acceptance"],
    },
    Follow {
        from: "update_risk_acceptance",
        status: "200",
        set: &[],
        version: Some("$response.body#/version"),
        to: &["get_risk_acceptance", "submit_risk_acceptance"],
    },
    Follow {
        from: "submit_risk_acceptance",
        status: "200",
        set: &[],
        version: Some("$response.body#/version"),
        to: ENTRY_STEPS_AFTER_SUBMIT,
    },
    Follow {
        from: "review_risk_acceptance",
        status: "200",
        set: &[],
        version: Some("$response.body#/version"),
        to: ENTRY_STEPS_AFTER_SUBMIT,
    },
    Follow {
        from: "return_risk_acceptance",
        status: "200",
        set: &[],
        version: Some("$response.body#/version"),
        to: &["update_risk_acceptance", "submit_risk_acceptance"],
    },
    Follow {
        from: "approve_risk_acceptance",
        status: "200",
        set: &[],
        version: Some("$response.body#/version"),
        to: &["risk_acceptance_steps", "renew_risk_acceptance", "revoke_risk_acceptance"],
    },
    Follow {
        from: "renew_risk_acceptance",
        status: "200",
        set: &[],
        version: Some("$response.body#/version"),
        to: &["risk_acceptance_steps", "revoke_risk_acceptance"],
    },
    Follow {
        // The plan holds at least the item just added; the first of its items is one to work on.
        from: "add_roadmap_item",
        status: "200",
        set: &[("item_id", "$response.body#/items/0/id")],
        version: Some("$response.body#/items/0/version"),
        to: &[
            "get_roadmap",
            "update_roadmap_item",
            "set_roadmap_item_phase",
            "approve_roadmap_item",
            "record_business_lead_approval",
            "remove_roadmap_item",
        ],
    },
];

/// Adds the links of `FOLLOWS` to the answers they start from, one per target, named after the target.
///
/// They go in as the response's `links` member through its extension map: utoipa 5.5's `Link` serializes its
/// fields in snake case (`operation_id`, `request_body`), which no OpenAPI reader knows. One key in that map keeps
/// the output stable (its map is a `HashMap`), and a JSON object sorts the links and their fields.
pub fn declare_links(doc: &mut OpenApiDoc) {
    let json = serde_json::to_value(&*doc).unwrap_or_default();
    let targets = operations(&json);
    for follow in FOLLOWS {
        let links: Map<String, Value> = follow
            .to
            .iter()
            .filter_map(|id| targets.get(*id).map(|target| ((*id).to_owned(), link(follow, id, target))))
            .collect();
        let Some(response) =
            operation_mut(doc, follow.from).and_then(|op| op.responses.responses.get_mut(follow.status))
        else {
            continue;
        };
        if let RefOr::T(response) = response {
            response.extensions.get_or_insert_with(Default::default).insert("links".into(), Value::Object(links));
        }
    }
}

/// What a link needs to know of its target: path parameters, documented headers, and the body's properties.
struct Target {
    path: Vec<String>,
    headers: BTreeSet<String>,
    body: BTreeSet<String>,
}

/// An OpenAPI Link object to the operation `id`.
fn link(follow: &Follow, id: &str, target: &Target) -> Value {
    let mut parameters = Map::new();
    for name in &target.path {
        let given = follow.set.iter().find(|(param, _)| param == name).map(|(_, expression)| (*expression).to_owned());
        parameters.insert(name.clone(), json!(given.unwrap_or_else(|| format!("$request.path.{name}"))));
    }
    let mut link = json!({ "operationId": id });
    match follow.version {
        Some(version) if target.body.contains("version") => {
            link["requestBody"] = json!({ "version": version });
            link["description"] = json!("Sends this answer's `version` with the body's other fields.");
        }
        Some(version) if target.headers.contains("If-Match") => {
            parameters.insert("If-Match".into(), json!(version));
        }
        _ => {}
    }
    link["parameters"] = Value::Object(parameters);
    link
}

/// Every operation of the document by id, as a link target.
fn operations(doc: &Value) -> BTreeMap<String, Target> {
    let mut found = BTreeMap::new();
    for item in doc["paths"].as_object().into_iter().flat_map(|paths| paths.values()) {
        for op in item.as_object().into_iter().flat_map(|methods| methods.values()) {
            let Some(id) = op["operationId"].as_str() else { continue };
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let named = |place: &str| -> Vec<String> {
                let here = params.iter().filter(|p| p["in"] == place);
                here.filter_map(|p| p["name"].as_str().map(str::to_owned)).collect()
            };
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            let body = properties(doc, schema).into_iter().collect();
            found.insert(
                id.to_owned(),
                Target { path: named("path"), headers: named("header").into_iter().collect(), body },
            );
        }
    }
    found
}

/// The property names of an object schema, through `$ref`s and `allOf`s.
fn properties(doc: &Value, schema: &Value) -> Vec<String> {
    let schema = resolve(doc, schema);
    let mut names: Vec<String> =
        schema["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        names.extend(properties(doc, part));
    }
    names
}

/// The schema a `$ref` points to (itself when it is none).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => resolve(doc, doc.pointer(pointer).unwrap_or(&Value::Null)),
        None => schema,
    }
}

fn operation_mut<'a>(doc: &'a mut OpenApiDoc, id: &str) -> Option<&'a mut Operation> {
    doc.paths.paths.values_mut().find_map(|item| {
        [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete]
            .into_iter()
            .flatten()
            .find(|op| op.operation_id.as_deref() == Some(id))
    })
}

#[cfg(test)]
mod tests;
