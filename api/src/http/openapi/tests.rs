//! What the document states of inputs is what the server enforces: every value a documented pattern or limit
//! admits passes the server's own check.

use super::*;
use crate::domain::framework::{MAX_CONTROL_ID, MAX_KEY, MAX_NAME, MAX_TITLE, check_control_id, check_key};
use crate::domain::register::proposal::{MAX_ITEMS, MAX_TEXT, check_text};
use crate::domain::user::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Username, check_name};
use crate::http::extract::expected_version;
use crate::http::register_steps::MAX_COMMENT;
use crate::http::tenants::MAX_TENANT_NAME;
use actix_web::test::TestRequest;
use regex::Regex;
use serde_json::Value;

fn document() -> Value {
    serde_json::to_value(crate::http::openapi_document()).unwrap()
}

/// A property of a component schema, looking into its `allOf` parts.
fn property(doc: &Value, schema: &str, field: &str) -> Value {
    let schema = &doc["components"]["schemas"][schema];
    let parts = schema["allOf"].as_array().cloned().unwrap_or_else(|| vec![schema.clone()]);
    parts.iter().find_map(|p| p["properties"].get(field).cloned()).unwrap_or_else(|| panic!("no {field}"))
}

/// Every sample the pattern matches passes `accepts`; the samples hold both matches and misses, so the check
/// means something.
fn pattern_admits_only_accepted(pattern: &str, samples: &[&str], accepts: impl Fn(&str) -> bool) {
    let regex = Regex::new(pattern).unwrap();
    let (matched, missed): (Vec<&str>, Vec<&str>) = samples.iter().partition(|s| regex.is_match(s));
    assert!(!matched.is_empty() && !missed.is_empty(), "{pattern}: the samples test nothing");
    for sample in matched {
        assert!(accepts(sample), "{pattern} admits {sample:?}, which the server refuses");
    }
}

#[test]
fn the_if_match_pattern_admits_only_versions_the_server_reads() {
    let samples = [r#""3""#, r#"W/"12""#, "7", r#""999999999999999999""#, "abc", r#"W/3"#, r#""""#, "-1", "1e3"];
    pattern_admits_only_accepted(IF_MATCH_PATTERN, &samples, |header| {
        let req = TestRequest::default().insert_header(("If-Match", header)).to_http_request();
        expected_version(&req, None).is_ok_and(|v| v.is_some())
    });
    let doc = document();
    let params = doc["paths"]["/api/v1/users/{user_id}"]["patch"]["parameters"].as_array().unwrap().clone();
    let if_match = params.iter().find(|p| p["name"] == "If-Match").unwrap();
    assert_eq!(if_match["schema"], serde_json::json!({"type": "string", "pattern": IF_MATCH_PATTERN}));
}

#[test]
fn documented_patterns_admit_only_what_the_checks_accept() {
    let doc = document();
    let pattern = |schema: &str, field: &str| property(&doc, schema, field)["pattern"].as_str().unwrap().to_owned();
    let texts = ["", " ", "\t\n", "a", " a\n\tb ", "a\u{7}", "\u{85}", "\u{a0}x", "x\u{9f}", "\u{feff}", "\u{1b}[0m"];
    for field in ["risk_description", "business_justification", "compensating_controls"] {
        pattern_admits_only_accepted(&pattern("Proposal", field), &texts, |t| check_text(field, t, MAX_TEXT).is_ok());
    }
    pattern_admits_only_accepted(&pattern("ReasonBody", "reason"), &texts, |t| {
        check_text("reason", t, MAX_TEXT).is_ok()
    });
    for (schema, field) in [("CreateTenant", "name"), ("FrameworkDraft", "name"), ("ControlDraft", "title")] {
        let names = ["", " ", "a", " Contoso Ltd ", "a\nb", "a\tb", "\u{85}", "\u{a0}x", "x\u{9f}", "\u{feff}"];
        pattern_admits_only_accepted(&pattern(schema, field), &names, |n| check_name(field, n, 300).is_ok());
    }
    let names = ["eve", "Eve.Admin@contoso", "ab", "a b c", "ünï", "x_y-z", &"a".repeat(64), &"a".repeat(65)];
    pattern_admits_only_accepted(&pattern("CreateUser", "username"), &names, |n| Username::parse(n).is_ok());
    let keys = ["acme-policy", "a", "ab", "a--b", "a-", "1ab", "Acme", "iso-27001-2022"];
    pattern_admits_only_accepted(&pattern("FrameworkDraft", "key"), &keys, |k| {
        k.len() < 2 || k.len() > MAX_KEY || check_key("key", k).is_ok()
    });
    let controls = ["AC-2.a", "5.1", "_x", ".5", "A B", "a_b-c.d", &"a".repeat(MAX_CONTROL_ID)];
    pattern_admits_only_accepted(&pattern("ControlDraft", "control_id"), &controls, |c| {
        c.len() > MAX_CONTROL_ID || check_control_id("control_id", c).is_ok()
    });
}

/// The limits the schemas state are the ones the checks apply (the derive takes literals only).
#[test]
fn documented_limits_are_the_enforced_ones() {
    let doc = document();
    let limit = |schema: &str, field: &str, limit: &str| {
        property(&doc, schema, field)[limit].as_u64().and_then(|n| usize::try_from(n).ok())
    };
    assert_eq!(limit("Proposal", "recommendation_ids", "maxItems"), Some(MAX_ITEMS));
    assert_eq!(limit("Proposal", "recommendation_ids", "minItems"), Some(1));
    for field in ["risk_description", "business_justification", "compensating_controls"] {
        assert_eq!(limit("Proposal", field, "maxLength"), Some(MAX_TEXT), "{field}");
    }
    assert_eq!(limit("ReasonBody", "reason", "maxLength"), Some(MAX_COMMENT));
    assert_eq!(limit("FrameworkDraft", "key", "maxLength"), Some(MAX_KEY));
    assert_eq!(limit("CreateTenant", "name", "maxLength"), Some(MAX_TENANT_NAME));
    assert_eq!(limit("FrameworkDraft", "name", "maxLength"), Some(MAX_NAME));
    assert_eq!(limit("ControlDraft", "title", "maxLength"), Some(MAX_TITLE));
    assert_eq!(limit("ControlDraft", "control_id", "maxLength"), Some(MAX_CONTROL_ID));
    assert_eq!(limit("CreateUser", "password", "minLength"), Some(MIN_PASSWORD_CHARS));
    assert_eq!(limit("CreateUser", "password", "maxLength"), Some(MAX_PASSWORD_CHARS));
}
