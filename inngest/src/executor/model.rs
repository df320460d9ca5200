//! Records the executor keeps: apps, functions, runs, memoized steps, queued
//! jobs and waits. Times are Unix milliseconds, so every store can keep them
//! as plain integers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::function::Scope;
use crate::wire::Event;

/// Current time in Unix milliseconds.
pub fn now_millis() -> i64 {
    crate::time_fmt::unix_millis(time::OffsetDateTime::now_utc())
}

/// An event trigger of a registered function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTrigger {
    /// Event name that starts a run.
    pub event: String,
    /// CEL expression over `event` that must hold, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// A registered function, as the sync payload described it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionRecord {
    /// Composite id (`<app id>-<function id>`), sent back as `fnId`.
    pub id: String,
    /// App that registered the function.
    pub app_id: String,
    /// Display name.
    pub name: String,
    /// Event triggers; empty for functions that are only invoked.
    pub triggers: Vec<EventTrigger>,
    /// Step URL with `stepId=step`; the executor replaces `stepId` per call.
    pub url: String,
    /// Retries after the first attempt of each queued call.
    pub retries: u32,
    /// Composite id of the failure handler registered for this function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_handler: Option<String>,
    /// Limits on calls in flight; empty means no limit beyond the worker pool.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concurrency: Vec<ConcurrencyLimit>,
    /// Events that cancel a running run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cancel: Vec<CancelTrigger>,
}

/// A concurrency limit of a function, as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcurrencyLimit {
    /// Calls in flight at most per evaluated key; at least 1.
    pub limit: u32,
    /// CEL expression over `event` whose value partitions the limit; without
    /// it every run of the scope shares one slot pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Sharing of the slots: among the function's own runs (`fn`), or among
    /// every function with the same evaluated key (`env`, `account`).
    pub scope: Scope,
}

/// A slot pool a run draws from, evaluated from its trigger when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConcurrencyKey {
    /// Scope, function (for `fn`) and evaluated key, joined.
    pub key: String,
    /// Calls in flight at most under this key.
    pub limit: u32,
}

/// An event that cancels running runs of a function (`cancelOn`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelTrigger {
    /// Event name that cancels.
    pub event: String,
    /// CEL expression (`event` = the run's trigger, `async` = the incoming
    /// event) that must hold, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// Time string: the trigger applies only this long after the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
}

impl FunctionRecord {
    /// Attempts per queued call: retries plus one.
    pub fn max_attempts(&self) -> u32 {
        self.retries.saturating_add(1)
    }
}

/// A registered app and its functions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRecord {
    /// App id (`appName` in the sync payload).
    pub id: String,
    /// Serve URL the app registered.
    pub url: String,
    /// Functions of the app; a sync replaces the whole list.
    pub functions: Vec<FunctionRecord>,
}

/// Lifecycle of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl RunStatus {
    /// Lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "running" => Some(Self::Running),
            "completed" => Some(Self::Completed),
            "failed" => Some(Self::Failed),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }

    /// Whether the run has ended.
    pub fn is_final(self) -> bool {
        self != Self::Running
    }
}

/// One run of a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Run id (a ULID).
    pub id: String,
    /// Composite id of the function.
    pub function_id: String,
    /// Triggering events; the first is sent as `event`.
    pub events: Vec<Event>,
    pub status: RunStatus,
    /// Function output once completed.
    pub output: Option<Value>,
    /// Serialized error once failed.
    pub error: Option<Value>,
    /// Request version the SDK declared on its first 206, `-1` before that.
    pub request_version: i64,
    /// Whether calls must carry `disable_immediate_execution: true`.
    pub force_plan: bool,
    /// Hashed ids of a parallel batch still running (request version 2 and up).
    pub pending: Vec<String>,
    /// Unix milliseconds.
    pub started_at: i64,
    /// Unix milliseconds.
    pub ended_at: Option<i64>,
    /// Concurrency slot pools its calls draw from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concurrency: Vec<ConcurrencyKey>,
}

impl RunRecord {
    /// A new running run.
    pub fn start(id: String, function_id: String, events: Vec<Event>, now: i64) -> Self {
        Self {
            id,
            function_id,
            events,
            status: RunStatus::Running,
            output: None,
            error: None,
            request_version: -1,
            force_plan: false,
            pending: Vec::new(),
            started_at: now,
            ended_at: None,
            concurrency: Vec::new(),
        }
    }

    /// Sets the concurrency keys the run's calls draw from.
    pub fn with_concurrency(mut self, keys: Vec<ConcurrencyKey>) -> Self {
        self.concurrency = keys;
        self
    }
}

/// A memoized step: its hashed id and the value sent back in `steps`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoEntry {
    pub hash: String,
    pub value: Value,
}

/// What a queued job does when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// POST a call request to the function's step URL.
    Call,
    /// Expire a wait (sleep end, wait-for-event or invoke timeout).
    Timer,
}

impl JobKind {
    /// Lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Timer => "timer",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "call" => Some(Self::Call),
            "timer" => Some(Self::Timer),
            _ => None,
        }
    }
}

/// A queued job. Its id is an idempotency key: enqueuing an id that exists
/// (queued or done) does nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub run_id: String,
    pub kind: JobKind,
    /// `step` for a discovery call, else the hashed id of the targeted step.
    pub step_id: String,
    /// Wait a timer expires.
    pub wait_id: Option<String>,
    /// Zero-based attempt of this queue item.
    pub attempt: u32,
    /// Unix milliseconds when the job becomes due.
    pub available_at: i64,
}

impl Job {
    /// A discovery or targeted call due at `at`.
    pub fn call(id: String, run_id: &str, step_id: &str, at: i64) -> Self {
        Self {
            id,
            run_id: run_id.to_owned(),
            kind: JobKind::Call,
            step_id: step_id.to_owned(),
            wait_id: None,
            attempt: 0,
            available_at: at,
        }
    }

    /// A timer that expires `wait` at `at`.
    pub fn timer(wait: &Wait, at: i64) -> Self {
        Self {
            id: format!("{}-{}-timer", wait.run_id, wait.step_id),
            run_id: wait.run_id.clone(),
            kind: JobKind::Timer,
            step_id: wait.step_id.clone(),
            wait_id: Some(wait.id.clone()),
            attempt: 0,
            available_at: at,
        }
    }
}

/// A paused step: a sleep, a wait for an event, or an invoked run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wait {
    pub id: String,
    /// Run that is paused.
    pub run_id: String,
    /// Hashed id of the paused step.
    pub step_id: String,
    /// Event name that resolves the wait; none for sleeps and invokes.
    pub event: Option<String>,
    /// CEL expression (`event` = the run's trigger, `async` = the candidate).
    pub expression: Option<String>,
    /// Unix milliseconds when the wait expires; none waits forever.
    pub expires_at: Option<i64>,
    /// Memo stored when the wait expires: `null` for sleeps and event waits,
    /// `{"error": ..}` for an invoke timeout.
    pub expiry_value: Value,
}

/// An event as received, with the executor's internal id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Internal id (a ULID) returned by the event API.
    pub internal_id: String,
    /// The event, with `id`, `ts` and `user` filled in.
    pub event: Event,
    /// Unix milliseconds.
    pub received_at: i64,
}
