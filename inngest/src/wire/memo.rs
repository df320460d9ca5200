//! Memoized step values as the executor sends them back.

use serde_json::Value;

use crate::error::SerializedError;

/// One entry of the `steps` map of a call request.
#[derive(Debug, Clone, PartialEq)]
pub enum Memo {
    /// A finished step's output (`{"data": ..}`, or a bare value such as a
    /// matched event or the `null` of a finished sleep).
    Data(Value),
    /// A step that failed for good (`{"error": ..}`).
    Error(SerializedError),
    /// A step that has not run yet but has input edited in the UI (`{"input": [..]}`).
    Input(Value),
}

impl Memo {
    /// Reads a memo value the way the official SDK does: an object whose only
    /// key is `data`, `error` or `input` is unwrapped; anything else, `null`
    /// included, is the data itself.
    pub fn parse(value: &Value) -> Self {
        let Value::Object(map) = value else {
            return Self::Data(value.clone());
        };
        if map.len() != 1 {
            return Self::Data(value.clone());
        }

        let (key, inner) = map.iter().next().expect("map has exactly one entry");
        match key.as_str() {
            "data" => Self::Data(inner.clone()),
            "error" => Self::Error(parse_error(inner)),
            "input" => Self::Input(inner.clone()),
            _ => Self::Data(value.clone()),
        }
    }
}

/// Accepts partial errors: a missing name becomes `Error`, a missing message
/// falls back to an `error` string field or `Unknown error`.
fn parse_error(value: &Value) -> SerializedError {
    if let Ok(mut error) = serde_json::from_value::<SerializedError>(value.clone()) {
        if error.message.is_empty() {
            error.message = value
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("Unknown error")
                .to_owned();
        }
        return error;
    }

    let message = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    SerializedError::new("Error", message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unwraps_single_key_objects() {
        assert_eq!(Memo::parse(&json!({"data": 1})), Memo::Data(json!(1)));
        assert_eq!(Memo::parse(&json!({"input": [2]})), Memo::Input(json!([2])));
        assert!(
            matches!(Memo::parse(&json!({"error": {"message": "x"}})), Memo::Error(e) if e.name == "Error")
        );
    }

    #[test]
    fn keeps_other_shapes_as_data() {
        let event = json!({"name": "a", "data": {}});
        assert_eq!(Memo::parse(&event), Memo::Data(event.clone()));
        assert_eq!(Memo::parse(&Value::Null), Memo::Data(Value::Null));
        assert_eq!(
            Memo::parse(&json!({"data": 1, "extra": 2})),
            Memo::Data(json!({"data": 1, "extra": 2}))
        );
    }
}
