//! The checked-in OpenAPI document is the one the server serves, and it documents every operation fully.

use serde_json::Value;
use std::collections::HashSet;

use crate::helpers::{json_of, spawn_app};

fn checked_in() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let text = std::fs::read_to_string(path).expect("openapi/openapi.json exists");
    serde_json::from_str(&text).expect("openapi/openapi.json is JSON")
}

#[tokio::test]
async fn the_served_spec_matches_the_checked_in_file() {
    let app = spawn_app().await;
    let served = json_of(app.get("/api/v1/openapi.json", "").await).await;
    assert!(
        served == checked_in(),
        "openapi/openapi.json is stale: regenerate it with `cargo run -q -p scoregrc -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn the_spec_is_openapi_3_1_with_a_bearer_scheme() {
    let spec = checked_in();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(spec["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[test]
fn every_operation_has_a_unique_id_a_summary_and_documents_its_errors_as_problems() {
    let spec = checked_in();
    let mut ids = HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(op["summary"].is_string(), "{method} {path} has no summary");
            let responses = op["responses"].as_object().unwrap();
            let secured = op["security"][0].as_object().is_some_and(|r| !r.is_empty());
            if secured {
                assert!(responses.contains_key("401"), "{id} does not document 401");
            }
            if path.contains("{tenant_id}") {
                assert!(responses.contains_key("404"), "{id} does not document 404");
            }
            if op.get("requestBody").is_some() {
                assert!(
                    responses.contains_key("400") || responses.contains_key("422"),
                    "{id} documents no input error"
                );
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/Problem", "{id} {status} is not a problem");
                }
            }
            if method == "post" && responses.contains_key("201") {
                assert!(responses["201"]["headers"].get("Location").is_some(), "{id} 201 has no Location");
            }
        }
    }
}
