//! `step.run`: a unit of work the SDK runs once and the executor memoizes.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures::FutureExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::state::{FoundStep, Mode};
use super::{Reached, Step, base_op, decode_memo, park};
use crate::error::{Error, Retry, RetryAfter, SerializedError};
use crate::step_id::ResolvedStepId;
use crate::wire::{Memo, Op, Opcode, Timing};

/// Options of a run-type step.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The step id; fixed text, never derived from time or randomness.
    pub id: String,
    /// Name shown in the Inngest UI; the id when absent.
    pub display_name: Option<String>,
    /// Sub-kind reported in `opts.type` (`step.sendEvent`, ...).
    pub(crate) kind: Option<&'static str>,
}

impl From<&str> for RunOptions {
    fn from(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            ..Self::default()
        }
    }
}

impl From<String> for RunOptions {
    fn from(id: String) -> Self {
        Self {
            id,
            ..Self::default()
        }
    }
}

impl RunOptions {
    /// A step id with a display name.
    pub fn named(id: impl Into<String>, display_name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            display_name: Some(display_name.into()),
            kind: None,
        }
    }

    /// The op `name`: the user id, or `sendEvent` for send-event steps as the
    /// official SDK reports them.
    fn op_name(&self, id: &ResolvedStepId) -> String {
        match self.kind {
            Some("step.sendEvent") => "sendEvent".to_owned(),
            _ => id.user_id.clone(),
        }
    }

    fn opts(&self) -> Option<Value> {
        let kind = self.kind?;
        let mut opts = Map::new();
        opts.insert("type".to_owned(), Value::String(kind.to_owned()));
        Some(Value::Object(opts))
    }
}

/// The op produced by running a step, with the retry decision for the response.
#[derive(Debug)]
pub(crate) struct Executed {
    pub(crate) op: Op,
    pub(crate) no_retry: Option<bool>,
    pub(crate) retry_after: Option<RetryAfter>,
}

impl Step {
    /// Runs `work` once as a durable step and returns its output.
    ///
    /// On replay the memoized output is returned without running `work`. A
    /// step that failed for good returns its error, which the function may
    /// handle or propagate with `?`.
    ///
    /// # Errors
    /// The step's own error after its retries are exhausted, or a decode error
    /// when the memoized output no longer matches `T`.
    pub async fn run<T, E, F, Fut>(
        &self,
        options: impl Into<RunOptions>,
        work: F,
    ) -> Result<T, Error>
    where
        T: Serialize + DeserializeOwned,
        E: Into<Error>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.run_kind(options.into(), work).await
    }

    pub(crate) async fn run_kind<T, E, F, Fut>(
        &self,
        options: RunOptions,
        work: F,
    ) -> Result<T, Error>
    where
        T: Serialize + DeserializeOwned,
        E: Into<Error>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let id = match self.reach(&options.id) {
            Reached::Memoized(id, Memo::Data(value)) => return decode_memo(&id, value),
            Reached::Memoized(_, Memo::Error(error)) => return Err(Error::from_memoized(error)),
            Reached::Memoized(id, Memo::Input(_)) | Reached::New(id) => id,
        };

        let display_name = options
            .display_name
            .clone()
            .unwrap_or_else(|| id.user_id.clone());
        match self.mode() {
            Mode::Targeted(target) if target == id.hash => {}
            Mode::Targeted(_) => {
                self.register(&id, &display_name, &options);
                return park().await;
            }
            Mode::Discovery { .. } => {
                self.register(&id, &display_name, &options);
                self.chosen(id.hash.clone()).await;
            }
        }

        let executed = self.execute(&id, &display_name, &options, work).await;
        self.shared().lock().executed = Some(executed);
        park().await
    }

    fn register(&self, id: &ResolvedStepId, display_name: &str, options: &RunOptions) {
        let mut planned = base_op(id, Opcode::StepPlanned, display_name);
        planned.name = Some(options.op_name(id));
        planned.opts = Some(options.opts().unwrap_or_else(|| Value::Object(Map::new())));
        planned.data = Some(Value::Null);
        if self.shared().lock().race.is_some()
            && let Some(Value::Object(opts)) = planned.opts.as_mut()
        {
            opts.insert("parallelMode".to_owned(), Value::String("race".to_owned()));
        }
        let found = FoundStep {
            id: id.clone(),
            display_name: display_name.to_owned(),
            planned,
            runs_in_sdk: true,
            waker: None,
        };
        self.shared().lock().found.push(found);
    }

    async fn execute<T, E, F, Fut>(
        &self,
        id: &ResolvedStepId,
        display_name: &str,
        options: &RunOptions,
        work: F,
    ) -> Executed
    where
        T: Serialize,
        E: Into<Error>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let started_at = OffsetDateTime::now_utc();
        let clock = Instant::now();
        let outcome = AssertUnwindSafe(work()).catch_unwind().await;
        let timing = Timing {
            a: started_at.unix_timestamp_nanos(),
            b: clock.elapsed().as_nanos() as i128,
        };

        let result = match outcome {
            Ok(Ok(output)) => serde_json::to_value(output).map_err(|error| {
                Error::non_retriable(format!(
                    "the output of step `{}` cannot be serialized as JSON: {error}",
                    id.user_id
                ))
            }),
            Ok(Err(error)) => Err(error.into()),
            Err(panic) => Err(crate::execution::panic_error(&panic)),
        };

        let mut op = base_op(id, Opcode::StepRun, display_name);
        op.name = Some(options.op_name(id));
        op.opts = options.opts();
        op.timing = Some(timing);
        match result {
            Ok(data) => {
                op.data = Some(data);
                Executed {
                    op,
                    no_retry: None,
                    retry_after: None,
                }
            }
            Err(error) => self.failed(op, &error),
        }
    }

    /// Turns a step error into `StepError` (retry) or `StepFailed` (final).
    fn failed(&self, mut op: Op, error: &Error) -> Executed {
        let serialized = error.to_serialized();
        let is_final =
            matches!(error.retry(), Retry::Never) || self.shared().lock().is_final_attempt();

        if is_final {
            op.op = Opcode::StepFailed;
            op.data = Some(failed_data(&serialized));
            op.error = Some(serialized);
            return Executed {
                op,
                no_retry: Some(true),
                retry_after: None,
            };
        }

        op.op = Opcode::StepError;
        op.data = Some(Value::Null);
        op.error = Some(serialized);
        let retry_after = match error.retry() {
            Retry::After(after) => Some(after.clone()),
            _ => None,
        };
        Executed {
            op,
            no_retry: Some(false),
            retry_after,
        }
    }
}

/// The `data` of a `StepFailed` op: the error's name and message, stack empty.
fn failed_data(error: &SerializedError) -> Value {
    serde_json::json!({
        "__serialized": true,
        "name": error.name,
        "message": error.message,
        "stack": "",
    })
}
