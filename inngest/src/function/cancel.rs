//! Cancellation by event (`cancelOn` in the options, `cancel` in the sync
//! payload).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::duration::TimeString;

/// One `cancelOn` entry: an event that cancels a run in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancel {
    /// Name of the event that cancels the run.
    #[serde(default)]
    pub event: String,
    /// CEL expression over `event` (the run's trigger) and `async` (the
    /// cancelling event) that must hold.
    #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// A field path, such as `data.call_id`, that must be equal in both
    /// events. When set, it replaces `expression`.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub match_field: Option<String>,
    /// How long after the run starts the event still cancels it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<TimeString>,
}

impl Cancel {
    /// Cancels the run when an event named `event` arrives.
    pub fn new(event: impl Into<String>) -> Self {
        Self {
            event: event.into(),
            expression: None,
            match_field: None,
            timeout: None,
        }
    }

    /// Cancels only when a CEL expression over `event` and `async` holds.
    pub fn expression(mut self, expression: impl Into<String>) -> Self {
        self.expression = Some(expression.into());
        self
    }

    /// Cancels only when a field, such as `data.call_id`, is equal in the
    /// trigger and the cancelling event.
    pub fn match_field(mut self, field: impl Into<String>) -> Self {
        self.match_field = Some(field.into());
        self
    }

    /// Stops listening for the event `timeout` after the run starts.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout.into());
        self
    }

    /// Builds the entry in the sync payload's `cancel` array. As in the JavaScript
    /// SDK, `match: "data.x"` becomes `"event.data.x == async.data.x"` and the
    /// timeout is rewritten in canonical form.
    pub(crate) fn to_sync(&self) -> Value {
        let mut entry = Map::new();
        entry.insert("event".to_owned(), json!(self.event));
        // Empty strings count as unset, as they do in JavaScript.
        if let Some(timeout) = self.timeout.as_ref().filter(|timeout| !timeout.is_empty()) {
            entry.insert("timeout".to_owned(), json!(timeout.normalized()));
        }
        let match_field = self
            .match_field
            .as_deref()
            .filter(|field| !field.is_empty());
        let expression = self
            .expression
            .as_deref()
            .filter(|expression| !expression.is_empty());
        let condition = match (match_field, expression) {
            (Some(field), _) => Some(format!("event.{field} == async.{field}")),
            (None, Some(expression)) => Some(expression.to_owned()),
            (None, None) => None,
        };
        if let Some(condition) = condition {
            entry.insert("if".to_owned(), json!(condition));
        }
        Value::Object(entry)
    }
}
