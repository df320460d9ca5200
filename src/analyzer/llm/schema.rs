//! The JSON schema of what a model writes: the insights without the fields
//! computed locally (`schema_version`, `talk_metrics`, `analyzer`).
//!
//! It follows the strict structured-output rules that OpenAI documents and
//! that local servers accept. Every object lists all its keys in `required`
//! and sets `additionalProperties: false`, and optional values are nullable
//! type arrays. There are no numeric bounds, because several servers reject
//! them, so the bounds are checked after parsing.

use serde_json::{Map, Value, json};

/// Name given to the schema in requests.
pub const SCHEMA_NAME: &str = "call_insights";

/// Builds the schema of [`super::PartialInsights`].
pub fn insights_schema() -> Value {
    let label = json!({"type": "string", "enum": ["positive", "neutral", "negative", "mixed"]});
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let nullable = |kind: &str| json!({"type": [kind, "null"]});
    let seconds = || json!({"type": ["number", "null"], "description": "Seconds from the start of the call, from the [t=...] marks; null when unknown."});

    let score = json!({"type": "number", "description": "From -1 (negative) to 1 (positive)."});
    let sentiment = object([
        (
            "overall",
            object([("label", label.clone()), ("score", score.clone())]),
        ),
        (
            "by_speaker",
            array(object([
                ("speaker", json!({"type": "string"})),
                ("label", label),
                ("score", score),
            ])),
        ),
    ]);
    let topic = object([
        ("name", json!({"type": "string"})),
        (
            "mentions",
            json!({"type": "integer", "description": "Times the topic came up, 1 or more."}),
        ),
        ("first_at_s", seconds()),
    ]);
    let action_item = object([
        ("description", json!({"type": "string"})),
        ("owner", nullable("string")),
        (
            "owner_side",
            json!({"type": "string", "enum": ["rep", "customer", "unknown"]}),
        ),
        (
            "due",
            json!({"type": ["string", "null"], "description": "ISO date (YYYY-MM-DD) when the due text names one."}),
        ),
        ("due_text", nullable("string")),
        (
            "evidence",
            object([("quote", json!({"type": "string"})), ("at_s", seconds())]),
        ),
    ]);
    let question = object([
        ("text", json!({"type": "string"})),
        ("asked_by", nullable("string")),
        ("answered", nullable("boolean")),
        ("at_s", seconds()),
    ]);
    let objection = object([
        ("text", json!({"type": "string"})),
        (
            "category",
            json!({"type": "string", "enum": ["price", "timing", "authority", "need", "competition", "other"]}),
        ),
        ("raised_by", nullable("string")),
        ("addressed", nullable("boolean")),
        ("at_s", seconds()),
    ]);

    object([
        (
            "summary",
            json!({"type": "string", "description": "Two to five sentences."}),
        ),
        ("key_points", strings.clone()),
        ("sentiment", sentiment),
        ("topics", array(topic)),
        ("action_items", array(action_item)),
        ("next_steps", strings.clone()),
        ("decisions", strings.clone()),
        ("questions", array(question)),
        ("objections", array(objection)),
        ("risks", strings),
    ])
}

/// Builds an object schema that requires every property and allows no others.
fn object<const N: usize>(properties: [(&str, Value); N]) -> Value {
    let required: Vec<Value> = properties.iter().map(|(name, _)| json!(name)).collect();
    let properties: Map<String, Value> = properties
        .into_iter()
        .map(|(name, schema)| (name.to_owned(), schema))
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks the strict-mode rules on every object of the schema.
    fn assert_strict(schema: &Value, path: &str) {
        if schema["type"] == "object" {
            let properties = schema["properties"].as_object().unwrap();
            let required: Vec<&str> = schema["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|name| name.as_str().unwrap())
                .collect();
            let names: Vec<&str> = properties.keys().map(String::as_str).collect();
            assert_eq!(required, names, "{path}: every property must be required");
            assert_eq!(schema["additionalProperties"], false, "{path}");
            for (name, property) in properties {
                assert_strict(property, &format!("{path}.{name}"));
            }
        }
        if schema["type"] == "array" {
            assert_strict(&schema["items"], &format!("{path}[]"));
        }
    }

    #[test]
    fn schema_follows_strict_rules() {
        assert_strict(&insights_schema(), "$");
    }

    #[test]
    fn schema_has_no_numeric_bounds() {
        let text = insights_schema().to_string();
        for keyword in ["minimum", "maximum", "pattern", "format"] {
            assert!(!text.contains(&format!("\"{keyword}\"")), "{keyword}");
        }
    }
}
