//! Checking a model's JSON against the subset of JSON Schema used in
//! [`super::schema`]: `type` (a name or an array of names), `enum`,
//! `properties` with `required` and `additionalProperties: false`, and `items`.
//!
//! Servers that ignore `strict` can return anything, and serde's messages do
//! not say where a nested field is, so this walk names the path of the first
//! problem, such as `topics[2].first_at_s`.

use std::fmt;

use serde_json::Value;

/// The first place where a value breaks the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Path of the field, such as `sentiment.overall.score`; empty for the root.
    pub path: String,
    pub reason: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "output: {}", self.reason)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

/// Checks `value` against `schema`.
///
/// # Errors
/// The first [`Violation`], in document order.
pub fn validate(schema: &Value, value: &Value) -> Result<(), Violation> {
    check(schema, value, "")
}

fn check(schema: &Value, value: &Value, path: &str) -> Result<(), Violation> {
    let violation = |reason: String| Violation {
        path: path.to_owned(),
        reason,
    };

    let types = allowed_types(schema);
    if !types.is_empty() && !types.iter().any(|kind| has_type(value, kind)) {
        return Err(violation(format!(
            "expected {}, got {}",
            types.join(" or "),
            describe(value)
        )));
    }
    if let Some(options) = schema["enum"].as_array()
        && !value.is_null()
        && !options.contains(value)
    {
        let options: Vec<String> = options.iter().map(Value::to_string).collect();
        return Err(violation(format!(
            "expected one of {}, got {value}",
            options.join(", ")
        )));
    }

    match value {
        Value::Object(fields) => {
            let properties = schema["properties"].as_object();
            for name in fields.keys() {
                if !properties.is_some_and(|properties| properties.contains_key(name)) {
                    return Err(violation(format!("unknown field `{name}`")));
                }
            }
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                if !fields.contains_key(name) {
                    return Err(violation(format!("missing field `{name}`")));
                }
            }
            for (name, field) in fields {
                let field_schema = &schema["properties"][name];
                check(field_schema, field, &join(path, name))?;
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                check(&schema["items"], item, &format!("{path}[{index}]"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn allowed_types(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::String(kind) => vec![kind.as_str()],
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Integers must be non-negative and fit in `u32`, because every integer in
/// the insights is a count.
fn has_type(value: &Value, kind: &str) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value
            .as_u64()
            .is_some_and(|number| number <= u64::from(u32::MAX)),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Object(_) => "an object".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "count": {"type": "integer"},
                "items": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"at": {"type": ["number", "null"]}, "kind": {"type": "string", "enum": ["a", "b"]}},
                    "required": ["at", "kind"],
                    "additionalProperties": false
                }}
            },
            "required": ["name", "count", "items"],
            "additionalProperties": false
        })
    }

    #[test]
    fn valid_value_passes() {
        let value = json!({"name": "x", "count": 3, "items": [{"at": null, "kind": "a"}, {"at": 1.5, "kind": "b"}]});
        assert_eq!(validate(&schema(), &value), Ok(()));
    }

    #[test]
    fn violations_name_the_path() {
        let cases = [
            (
                json!({"name": "x", "count": 3}),
                "",
                "missing field `items`",
            ),
            (
                json!({"name": "x", "count": 3, "items": [], "extra": 1}),
                "",
                "unknown field `extra`",
            ),
            (
                json!({"name": 1, "count": 3, "items": []}),
                "name",
                "expected string, got 1",
            ),
            (
                json!({"name": "x", "count": -1, "items": []}),
                "count",
                "expected integer, got -1",
            ),
            (
                json!({"name": "x", "count": 1, "items": [{"at": null, "kind": "a"}, {"at": "soon", "kind": "a"}]}),
                "items[1].at",
                "expected number or null, got \"soon\"",
            ),
            (
                json!({"name": "x", "count": 1, "items": [{"at": 1, "kind": "c"}]}),
                "items[0].kind",
                "expected one of \"a\", \"b\", got \"c\"",
            ),
        ];
        for (value, path, reason) in cases {
            let violation = validate(&schema(), &value).unwrap_err();
            assert_eq!(violation.path, path, "{value}");
            assert_eq!(violation.reason, reason, "{value}");
        }
    }
}
