//! Run progress, broadcast as it happens so a CLI can show each stage.

use serde::Serialize;
use serde_json::Value;

/// One change in a run. Step ids are hashed ids; `name` is the user's step
/// id when the SDK reported it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunProgress {
    RunStarted {
        run_id: String,
        function_id: String,
        event: String,
    },
    /// A call was sent: `step_id` is `step` for discovery, else the targeted hash.
    CallStarted {
        run_id: String,
        function_id: String,
        step_id: String,
        attempt: u32,
    },
    StepCompleted {
        run_id: String,
        step_id: String,
        name: Option<String>,
    },
    StepFailed {
        run_id: String,
        step_id: String,
        name: Option<String>,
        error: Value,
    },
    /// A sleep, wait for an event or invoke paused the run.
    StepWaiting {
        run_id: String,
        step_id: String,
        name: Option<String>,
        until: Option<i64>,
    },
    /// An attempt failed and the same call is scheduled again.
    Retrying {
        run_id: String,
        step_id: String,
        next_attempt: u32,
        /// Unix milliseconds when the attempt failed.
        failed_at: i64,
        /// Unix milliseconds of the next attempt.
        retry_at: i64,
        error: Value,
    },
    RunCompleted {
        run_id: String,
        function_id: String,
        output: Value,
    },
    RunFailed {
        run_id: String,
        function_id: String,
        error: Value,
    },
    /// A `cancelOn` event ended the run; `event` is its name.
    RunCancelled {
        run_id: String,
        function_id: String,
        event: String,
    },
}

impl RunProgress {
    /// The run this progress belongs to.
    pub fn run_id(&self) -> &str {
        match self {
            Self::RunStarted { run_id, .. }
            | Self::CallStarted { run_id, .. }
            | Self::StepCompleted { run_id, .. }
            | Self::StepFailed { run_id, .. }
            | Self::StepWaiting { run_id, .. }
            | Self::Retrying { run_id, .. }
            | Self::RunCompleted { run_id, .. }
            | Self::RunFailed { run_id, .. }
            | Self::RunCancelled { run_id, .. } => run_id,
        }
    }
}
