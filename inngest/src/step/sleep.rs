//! `step.sleep` and `step.sleep_until`: pauses the executor schedules.

use std::time::Duration;

use serde_json::json;
use time::OffsetDateTime;

use super::{Reached, Step, base_op};
use crate::error::Error;
use crate::time_fmt::{duration_string, iso_millis};
use crate::wire::{Memo, Opcode};

impl Step {
    /// Pauses the run for `duration` (at most one year, the executor's limit).
    ///
    /// # Errors
    /// Only when the memo is an error, which the executor does not produce
    /// for sleeps.
    pub async fn sleep(&self, id: &str, duration: Duration) -> Result<(), Error> {
        self.sleep_for(id, duration_string(duration)).await
    }

    /// Pauses the run until `until`. A time in the past resumes at once.
    ///
    /// # Errors
    /// As [`Step::sleep`].
    pub async fn sleep_until(&self, id: &str, until: OffsetDateTime) -> Result<(), Error> {
        self.sleep_for(id, iso_millis(until)).await
    }

    async fn sleep_for(&self, id: &str, duration: String) -> Result<(), Error> {
        let id = match self.reach(id) {
            Reached::Memoized(_, Memo::Error(error)) => return Err(Error::from_memoized(error)),
            Reached::Memoized(_, _) => return Ok(()),
            Reached::New(id) => id,
        };

        // The duration goes in both `name` (what the official SDK sends) and
        // `opts.duration` (what the spec names); the executor reads either.
        let mut op = base_op(&id, Opcode::Sleep, &id.user_id);
        op.name = Some(duration.clone());
        op.opts = Some(json!({ "duration": duration }));
        op.data = Some(serde_json::Value::Null);
        let display_name = id.user_id.clone();
        self.suspend_with(id, display_name, op).await
    }
}
