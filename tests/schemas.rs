//! The published event schemas: valid JSON Schema documents that the events
//! the Rust code sends satisfy.
//!
//! The checker below implements the keywords the schemas use: `type`,
//! `const`, `required`, `properties`, `additionalProperties` (boolean) and
//! `pattern`. A test fails when a schema uses any other validation keyword,
//! so no rule is skipped silently.

use std::path::PathBuf;

use call_insights::api::events;
use functions::domain::{CallId, JobId};
use functions::generate_insights::InsightsStart;
use functions::transcribe_call::CallUploaded;
use regex_automata::meta::Regex;
use serde_json::{Value, json};

const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// Keywords the checker enforces, and annotations it may ignore.
const ENFORCED: &[&str] = &[
    "type",
    "const",
    "required",
    "properties",
    "additionalProperties",
    "pattern",
];
const ANNOTATIONS: &[&str] = &["$schema", "$id", "title", "description", "examples"];

fn schema(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not valid JSON: {error}", path.display()))
}

/// Returns every violation of `schema` by `instance`, each with its JSON path.
fn violations(schema: &Value, instance: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(schema, instance, "$", &mut found);
    found
}

fn check(schema: &Value, instance: &Value, path: &str, found: &mut Vec<String>) {
    if let Some(expected) = schema.get("const")
        && instance != expected
    {
        found.push(format!("{path}: expected {expected}, got {instance}"));
    }
    if let Some(kind) = schema.get("type").and_then(Value::as_str)
        && !has_type(instance, kind)
    {
        found.push(format!("{path}: expected {kind}, got {instance}"));
        return;
    }
    if let (Some(pattern), Some(text)) = (
        schema.get("pattern").and_then(Value::as_str),
        instance.as_str(),
    ) {
        let regex = Regex::new(pattern).unwrap();
        if !regex.is_match(text) {
            found.push(format!("{path}: {text:?} does not match {pattern}"));
        }
    }
    let Some(object) = instance.as_object() else {
        return;
    };
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        if !object.contains_key(name) {
            found.push(format!("{path}: missing required property {name:?}"));
        }
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    for (name, value) in object {
        match properties.and_then(|properties| properties.get(name)) {
            Some(property) => check(property, value, &format!("{path}.{name}"), found),
            None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                found.push(format!("{path}: unexpected property {name:?}"));
            }
            None => {}
        }
    }
}

fn has_type(instance: &Value, kind: &str) -> bool {
    match kind {
        "object" => instance.is_object(),
        "string" => instance.is_string(),
        "integer" => instance.is_i64() || instance.is_u64(),
        "number" => instance.is_number(),
        "boolean" => instance.is_boolean(),
        "array" => instance.is_array(),
        "null" => instance.is_null(),
        other => panic!("unknown type {other:?} in a schema"),
    }
}

/// Panics on a keyword the checker does not enforce; patterns must compile.
fn assert_supported(schema: &Value, path: &str) {
    let object = schema.as_object().unwrap();
    for (keyword, value) in object {
        assert!(
            ENFORCED.contains(&keyword.as_str()) || ANNOTATIONS.contains(&keyword.as_str()),
            "{path}: keyword {keyword:?} is not checked by this test"
        );
        if keyword == "pattern" {
            Regex::new(value.as_str().unwrap()).expect("patterns compile");
        }
        if keyword == "additionalProperties" {
            assert!(
                value.is_boolean(),
                "{path}: additionalProperties must be a boolean here"
            );
        }
    }
    for (name, property) in object
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        assert_supported(property, &format!("{path}.{name}"));
    }
}

#[test]
fn schemas_are_draft_2020_12() {
    for name in ["calls-uploaded.schema.json", "insights-start.schema.json"] {
        let schema = schema(name);
        assert_eq!(schema["$schema"], DRAFT_2020_12, "{name}");
        assert_eq!(schema["$id"], name);
        assert_supported(&schema, name);
        for example in schema["examples"].as_array().unwrap() {
            assert_eq!(violations(&schema, example), Vec::<String>::new(), "{name}");
        }
    }
}

#[test]
fn sent_events_match_schemas() {
    let call_id = CallId::generate();
    let job_id = JobId::generate();
    let cases = [
        (
            "calls-uploaded.schema.json",
            events::call_uploaded(&call_id, &job_id),
        ),
        (
            "insights-start.schema.json",
            events::insights_start(&job_id, &call_id),
        ),
    ];
    for (name, event) in cases {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(
            violations(&schema(name), &value),
            Vec::<String>::new(),
            "{name}: {value}"
        );
    }
}

#[test]
fn schema_examples_deserialize_into_event_data() {
    let uploaded = schema("calls-uploaded.schema.json");
    let data = uploaded["examples"][0]["data"].clone();
    let parsed: CallUploaded = serde_json::from_value(data.clone()).unwrap();
    assert_eq!(serde_json::to_value(parsed).unwrap(), data);

    let start = schema("insights-start.schema.json");
    let data = start["examples"][0]["data"].clone();
    let parsed: InsightsStart = serde_json::from_value(data.clone()).unwrap();
    assert_eq!(serde_json::to_value(parsed).unwrap(), data);
}

#[test]
fn schemas_reject_malformed_events() {
    let start = schema("insights-start.schema.json");
    let valid = start["examples"][0].clone();
    let mut cases = Vec::new();

    let mut wrong_name = valid.clone();
    wrong_name["name"] = json!("insights/started");
    cases.push((wrong_name, "expected \"insights/start\""));
    let mut missing_call = valid.clone();
    missing_call["data"]
        .as_object_mut()
        .unwrap()
        .remove("call_id");
    cases.push((missing_call, "missing required property \"call_id\""));
    let mut extra = valid.clone();
    extra["data"]["callId"] = json!("x");
    cases.push((extra, "unexpected property \"callId\""));
    let mut bad_id = valid.clone();
    bad_id["data"]["job_id"] = json!("job 1");
    cases.push((bad_id, "does not match"));
    let mut number = valid.clone();
    number["data"]["call_id"] = json!(42);
    cases.push((number, "expected string"));
    let mut no_id = valid;
    no_id.as_object_mut().unwrap().remove("id");
    cases.push((no_id, "missing required property \"id\""));

    for (event, expected) in cases {
        let found = violations(&start, &event);
        assert!(
            found.iter().any(|violation| violation.contains(expected)),
            "{event}: {found:?} lacks {expected:?}"
        );
    }
}
