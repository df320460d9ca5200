//! Event batching: one run for many events.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration::TimeString;

/// `batchEvents`: start one run with up to `max_size` events, or with what
/// has arrived once `timeout` has passed since the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchEvents {
    /// Events per batch, 1 to 100.
    #[serde(default)]
    pub max_size: u32,
    /// Maximum wait for a batch to fill, 1 s to 60 s.
    #[serde(default)]
    pub timeout: TimeString,
    /// CEL expression that batches each value separately.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// CEL expression an event must match to join a batch; the other events
    /// start runs of their own.
    #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

impl BatchEvents {
    /// Batches up to `max_size` events, waiting at most `timeout`.
    pub fn new(max_size: u32, timeout: Duration) -> Self {
        Self {
            max_size,
            timeout: timeout.into(),
            key: None,
            expression: None,
        }
    }

    /// Batches per value of a CEL expression.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Batches only the events for which a CEL expression holds.
    pub fn expression(mut self, expression: impl Into<String>) -> Self {
        self.expression = Some(expression.into());
        self
    }
}
