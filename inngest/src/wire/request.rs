//! The call request the executor POSTs to the serve endpoint.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An event as the executor and the event API carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default = "empty_object")]
    pub data: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Value>,
    /// Milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<i64>,
    /// Event schema version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<String>,
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

impl Event {
    /// A new event with a name and data and no id.
    pub fn new(name: impl Into<String>, data: Value) -> Self {
        Self {
            id: None,
            name: name.into(),
            data,
            user: None,
            ts: None,
            v: None,
        }
    }

    /// Sets the id, which makes sending idempotent for 24 hours.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// Memoized steps in the order they completed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stack {
    #[serde(default)]
    pub stack: Vec<String>,
    #[serde(default)]
    pub current: u64,
}

/// The `ctx` object of a call request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallCtx {
    #[serde(default)]
    pub run_id: String,
    /// The executor's internal function id (not the composite id used for routing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fn_id: Option<String>,
    #[serde(default)]
    pub attempt: u32,
    /// Retries plus one; absent from some executors, then read as the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(default)]
    pub stack: Stack,
    #[serde(default)]
    pub disable_immediate_execution: bool,
    #[serde(default)]
    pub use_api: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qi_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

/// Body of `POST /api/inngest?fnId=..&stepId=..`.
///
/// Every field has a default because executors differ in what they send;
/// the official SDK tolerates a missing `ctx`, `events` or `steps` too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallRequest {
    #[serde(default)]
    pub ctx: CallCtx,
    #[serde(default)]
    pub event: Option<Event>,
    #[serde(default)]
    pub events: Vec<Event>,
    /// Hashed step id to memoized value; see [`crate::wire::Memo`].
    #[serde(default)]
    pub steps: Map<String, Value>,
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub use_api: bool,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub defers: Map<String, Value>,
}

impl CallRequest {
    /// The triggering events: `events`, or `event` alone when `events` is empty.
    pub fn trigger_events(&self) -> Vec<Event> {
        if !self.events.is_empty() {
            return self.events.clone();
        }
        self.event.iter().cloned().collect()
    }

    /// Whether the executor trimmed state and expects it fetched from the API.
    pub fn wants_api_state(&self) -> bool {
        self.ctx.use_api || self.use_api
    }
}
