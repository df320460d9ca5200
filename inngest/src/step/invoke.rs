//! `step.invoke`: runs another function and waits for its result.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{Reached, Step, base_op, decode_memo};
use crate::error::Error;
use crate::time_fmt::duration_string;
use crate::wire::{Memo, Opcode};

/// What to invoke.
#[derive(Debug, Clone)]
pub struct Invoke {
    /// Composite id of the function to run (`<app id>-<function id>`).
    pub function_id: String,
    /// The invoked run's event data.
    pub data: Value,
    /// How long to wait for the result.
    pub timeout: Duration,
}

impl Invoke {
    /// Invokes `function_id` with `data`, waiting up to `timeout`.
    pub fn new(function_id: impl Into<String>, data: Value, timeout: Duration) -> Self {
        Self {
            function_id: function_id.into(),
            data,
            timeout,
        }
    }
}

impl Step {
    /// Runs another function with `data` and returns its output.
    ///
    /// # Errors
    /// The invoked function's final error, a timeout reported by the
    /// executor, or a decode error when the output does not match `T`.
    pub async fn invoke<T: DeserializeOwned>(&self, id: &str, invoke: Invoke) -> Result<T, Error> {
        let id = match self.reach(id) {
            Reached::Memoized(id, Memo::Data(value)) => return decode_memo(&id, value),
            Reached::Memoized(_, Memo::Error(error)) => return Err(Error::from_memoized(error)),
            Reached::Memoized(id, Memo::Input(_)) | Reached::New(id) => id,
        };

        let mut op = base_op(&id, Opcode::InvokeFunction, &id.user_id);
        op.name = None;
        op.opts = Some(json!({
            "function_id": invoke.function_id,
            "payload": { "data": invoke.data },
            "timeout": duration_string(invoke.timeout),
        }));
        op.data = Some(Value::Null);
        let display_name = id.user_id.clone();
        self.suspend_with(id, display_name, op).await
    }
}
