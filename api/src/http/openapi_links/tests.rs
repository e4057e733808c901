//! The links are complete and point at what exists: every target operation, parameter and property.

use super::*;

fn document() -> Value {
    serde_json::to_value(crate::http::openapi_document()).unwrap()
}

/// The schema of the value at `pointer` inside an instance of `schema`: properties by name, array items by
/// index, through `$ref`, `allOf`, `oneOf` and `anyOf`.
fn schema_at<'a>(doc: &'a Value, schema: &'a Value, pointer: &str) -> Option<&'a Value> {
    pointer.split('/').skip(1).try_fold(resolve(doc, schema), |schema, token| step(doc, schema, token))
}

fn step<'a>(doc: &'a Value, schema: &'a Value, token: &str) -> Option<&'a Value> {
    let schema = resolve(doc, schema);
    if let Some(property) = schema["properties"].get(token) {
        return Some(resolve(doc, property));
    }
    if token.parse::<usize>().is_ok() && schema["items"].is_object() {
        return Some(resolve(doc, &schema["items"]));
    }
    ["allOf", "oneOf", "anyOf"]
        .iter()
        .flat_map(|key| schema[*key].as_array().into_iter().flatten())
        .find_map(|part| step(doc, part, token))
}

fn is_integer(schema: &Value) -> bool {
    schema["type"] == "integer" || schema["type"].as_array().is_some_and(|t| t.contains(&json!("integer")))
}

/// Checks one runtime expression of a link from `source`'s `response`; `integer` when it must be a number.
fn check_expression(doc: &Value, source: &Value, response: &Value, expression: &str, integer: bool) {
    let id = &source["operationId"];
    let schema = if let Some(name) = expression.strip_prefix("$request.path.") {
        let params = source["parameters"].as_array().unwrap();
        assert!(
            params.iter().any(|p| p["in"] == "path" && p["name"] == name),
            "{id}: {expression} names no path parameter of the request"
        );
        return;
    } else if let Some(pointer) = expression.strip_prefix("$response.body#") {
        schema_at(doc, &response["content"]["application/json"]["schema"], pointer)
    } else if let Some(pointer) = expression.strip_prefix("$request.body#") {
        schema_at(doc, &source["requestBody"]["content"]["application/json"]["schema"], pointer)
    } else {
        panic!("{id}: {expression} is not an expression this document uses")
    };
    let schema = schema.unwrap_or_else(|| panic!("{id}: {expression} points to nothing the schema has"));
    assert!(!integer || is_integer(schema), "{id}: {expression} is not an integer");
}

#[test]
fn every_link_names_an_operation_and_fills_it_from_what_the_answer_and_request_hold() {
    let doc = document();
    let operations: BTreeMap<&str, &Value> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| (op["operationId"].as_str().unwrap(), op))
        .collect();
    let mut declared = 0;
    for source in operations.values() {
        for response in source["responses"].as_object().unwrap().values() {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                declared += 1;
                let id = link["operationId"].as_str().unwrap();
                let target = operations.get(id).unwrap_or_else(|| panic!("link {name}: no operation {id}"));
                let params = target["parameters"].as_array().cloned().unwrap_or_default();
                for param in params.iter().filter(|p| p["in"] == "path") {
                    let param = param["name"].as_str().unwrap();
                    assert!(link["parameters"].get(param).is_some(), "link {name} leaves {id}'s {param} open");
                }
                for (param, expression) in link["parameters"].as_object().unwrap() {
                    assert!(params.iter().any(|p| p["name"] == *param), "{id} takes no parameter {param}");
                    check_expression(&doc, source, response, expression.as_str().unwrap(), param == "If-Match");
                }
                for (field, expression) in link["requestBody"].as_object().into_iter().flatten() {
                    let body = &target["requestBody"]["content"]["application/json"]["schema"];
                    assert!(properties(&doc, body).contains(field), "{id}'s body has no {field}");
                    check_expression(&doc, source, response, expression.as_str().unwrap(), field == "version");
                }
            }
        }
    }
    let listed: usize = FOLLOWS.iter().map(|follow| follow.to.len()).sum();
    assert_eq!(declared, listed, "a link of FOLLOWS was dropped: its source, status or target does not exist");
}

#[test]
fn a_change_is_sent_with_the_version_the_answer_holds() {
    let doc = document();
    let links = &doc["paths"]["/api/v1/tenants/{tenant_id}/alert-channels"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["update_alert_channel"]["requestBody"], json!({"version": "$response.body#/version"}));
    assert_eq!(links["delete_alert_channel"]["parameters"]["If-Match"], "$response.body#/version");
    assert_eq!(links["get_alert_channel"]["parameters"]["tenant_id"], "$request.path.tenant_id");
    assert_eq!(links["get_alert_channel"]["parameters"]["channel_id"], "$response.body#/id");
    assert!(links["get_alert_channel"].get("requestBody").is_none());
}
