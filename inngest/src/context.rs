//! What a function receives besides the step API: its typed event and run facts.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SerializedError;
use crate::wire::Event;

/// An event whose `data` is parsed into `T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypedEvent<T> {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    pub data: T,
    #[serde(default)]
    pub ts: Option<i64>,
    #[serde(default)]
    pub user: Option<Value>,
}

impl<T: DeserializeOwned> TypedEvent<T> {
    /// Parses a wire event's data into `T`.
    ///
    /// # Errors
    /// The serde error when `data` does not match `T`.
    pub fn parse(event: &Event) -> Result<Self, serde_json::Error> {
        Ok(Self {
            id: event.id.clone(),
            name: event.name.clone(),
            data: serde_json::from_value(event.data.clone())?,
            ts: event.ts,
            user: event.user.clone(),
        })
    }
}

/// Data of the `inngest/function.failed` event a failure handler receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionFailed<T> {
    /// Composite id of the function that failed.
    pub function_id: String,
    /// Run that failed.
    pub run_id: String,
    /// The final error.
    pub error: SerializedError,
    /// The event that triggered the failed run.
    pub event: TypedEvent<T>,
}

/// The run a function body executes in.
#[derive(Debug, Clone)]
pub struct Context<T> {
    /// The triggering event, typed.
    pub event: TypedEvent<T>,
    /// Every triggering event (more than one with batching), untyped.
    pub events: Vec<Event>,
    /// Run id (a ULID).
    pub run_id: String,
    /// Zero-based attempt of this request.
    pub attempt: u32,
    /// Attempts allowed in total (retries plus one).
    pub max_attempts: u32,
    /// Logger that is silent while memoized steps replay.
    pub log: crate::log::Logger,
}
