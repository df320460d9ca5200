//! `step.wait_for_event`: pauses until a matching event arrives or a timeout.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Reached, Step, base_op};
use crate::context::TypedEvent;
use crate::error::Error;
use crate::time_fmt::duration_string;
use crate::wire::{Memo, Opcode};

/// What to wait for.
#[derive(Debug, Clone)]
pub struct WaitForEvent {
    /// Event name to wait for.
    pub event: String,
    /// How long to wait; the executor treats an empty timeout as "expire now",
    /// so one is always sent.
    pub timeout: Duration,
    /// Optional CEL expression; `event` is this run's trigger and `async` the
    /// candidate event, e.g. `async.data.call_id == event.data.call_id`.
    pub if_expression: Option<String>,
}

impl WaitForEvent {
    /// Waits for `event` up to `timeout`.
    pub fn new(event: impl Into<String>, timeout: Duration) -> Self {
        Self {
            event: event.into(),
            timeout,
            if_expression: None,
        }
    }

    /// Only accept events for which `expression` holds.
    pub fn matching(mut self, expression: impl Into<String>) -> Self {
        self.if_expression = Some(expression.into());
        self
    }

    /// Only accept events whose `data.<field>` equals the trigger's.
    pub fn matching_field(self, field: &str) -> Self {
        self.matching(format!("event.{field} == async.{field}"))
    }
}

impl Step {
    /// Waits for an event. Returns `None` when the timeout passed first.
    ///
    /// # Errors
    /// A non-retriable error when the matched event's data does not parse
    /// into `T`; that is never reported as a timeout.
    pub async fn wait_for_event<T: DeserializeOwned>(
        &self,
        id: &str,
        wait: WaitForEvent,
    ) -> Result<Option<TypedEvent<T>>, Error> {
        let id = match self.reach(id) {
            Reached::Memoized(_, Memo::Data(Value::Null)) => return Ok(None),
            Reached::Memoized(id, Memo::Data(event)) => {
                return parse_event(&id.user_id, event).map(Some);
            }
            Reached::Memoized(_, Memo::Error(error)) => return Err(Error::from_memoized(error)),
            Reached::Memoized(id, Memo::Input(_)) | Reached::New(id) => id,
        };

        // `name` carries the step id and `opts.event` the event name: the
        // executor reads `opts.event` first, and Inngest's conformance suite
        // expects exactly this shape.
        let mut opts = Map::new();
        opts.insert("event".to_owned(), Value::String(wait.event.clone()));
        if let Some(expression) = &wait.if_expression {
            opts.insert("if".to_owned(), Value::String(expression.clone()));
        }
        opts.insert(
            "timeout".to_owned(),
            Value::String(duration_string(wait.timeout)),
        );

        let mut op = base_op(&id, Opcode::WaitForEvent, &id.user_id);
        op.opts = Some(Value::Object(opts));
        op.data = Some(Value::Null);
        let display_name = id.user_id.clone();
        self.suspend_with(id, display_name, op).await
    }
}

fn parse_event<T: DeserializeOwned>(step_id: &str, event: Value) -> Result<TypedEvent<T>, Error> {
    serde_json::from_value(event).map_err(|error| {
        Error::non_retriable(format!(
            "the event matched by wait step `{step_id}` does not parse into the expected type: {error}"
        ))
    })
}
