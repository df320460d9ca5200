//! The storage trait of the executor and the atomic commit it applies.

use async_trait::async_trait;
use serde_json::Value;

use super::model::{
    AppRecord, FunctionRecord, Job, MemoEntry, RunRecord, RunStatus, StoredEvent, Wait,
};

/// A storage failure, keeping the backend's error as its source.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database or backend failed.
    #[error("the executor store failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored value could not be read back.
    #[error("the executor store holds an unreadable {what}: {detail}")]
    Corrupt { what: &'static str, detail: String },
}

impl StoreError {
    /// Wraps a backend error.
    pub fn backend(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(error))
    }
}

/// Durable state of the executor.
///
/// Every change caused by one call response is applied through
/// [`ExecutorStore::commit`] in a single transaction, so a crash never leaves
/// a step memoized without its follow-up job, or a job completed without the
/// state it produced.
#[async_trait]
pub trait ExecutorStore: Send + Sync {
    /// Replaces an app and its functions; returns whether anything changed.
    async fn save_app(&self, app: &AppRecord) -> Result<bool, StoreError>;

    /// Every registered function.
    async fn functions(&self) -> Result<Vec<FunctionRecord>, StoreError>;

    /// Stores an event. Returns `false` when an event with the same `id` was
    /// received at or after `dedup_since` (Unix ms), so it must not trigger
    /// functions again.
    async fn record_event(&self, event: &StoredEvent, dedup_since: i64)
    -> Result<bool, StoreError>;

    /// A run by id.
    async fn run(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError>;

    /// Runs, newest first, optionally of one function.
    async fn runs(&self, function_id: Option<&str>) -> Result<Vec<RunRecord>, StoreError>;

    /// Running runs of one function, which cancel entries are matched against.
    async fn running_runs(&self, function_id: &str) -> Result<Vec<RunRecord>, StoreError> {
        let runs = self.runs(Some(function_id)).await?;
        Ok(runs
            .into_iter()
            .filter(|run| run.status == RunStatus::Running)
            .collect())
    }

    /// Memoized steps of a run in stack (completion) order.
    async fn steps(&self, run_id: &str) -> Result<Vec<MemoEntry>, StoreError>;

    /// Waits resolved by an event named `name`.
    async fn waits_for_event(&self, name: &str) -> Result<Vec<Wait>, StoreError>;

    /// A wait by id.
    async fn wait(&self, wait_id: &str) -> Result<Option<Wait>, StoreError>;

    /// Jobs of a run that are not done, by due time.
    async fn queued_jobs(&self, run_id: &str) -> Result<Vec<Job>, StoreError>;

    /// Leases up to `limit` due jobs until `lease_until`. A job is due when
    /// it is not done, `available_at <= now` and it has no unexpired lease,
    /// so the jobs of a crashed worker are claimed again once their lease ends.
    ///
    /// A due call job whose run draws on a concurrency key with no free slot
    /// stays queued. The calls in flight per key (call jobs leased and not
    /// done) plus those claimed now never exceed the key's limit. They are
    /// counted with [`super::ConcurrencySlots`] in one transaction, so the
    /// limit applies across workers and executors sharing the store.
    async fn claim_jobs(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError>;

    /// Extends the lease of a job still in flight.
    async fn extend_lease(&self, job_id: &str, lease_until: i64) -> Result<(), StoreError>;

    /// Applies a commit atomically.
    async fn commit(&self, commit: &Commit) -> Result<(), StoreError>;
}

/// Every effect of one response (or event), applied in one transaction in
/// this order: events, new runs, run updates, step results, wait
/// resolutions, jobs, waits, dropped waits, dropped jobs, then the job whose
/// reply this is. A run update applies only while the run is running, so a reply
/// that arrives after a run was cancelled cannot end it a second time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commit {
    /// Runs to create, each with its first job.
    pub new_runs: Vec<(RunRecord, Job)>,
    pub run_updates: Vec<RunUpdate>,
    pub steps: Vec<StepResult>,
    /// Applied only while the wait still exists, so an event and a timeout
    /// racing for one wait resolve it once.
    pub resolve_waits: Vec<WaitResolution>,
    /// Jobs to enqueue; ids that already exist are skipped.
    pub jobs: Vec<Job>,
    pub waits: Vec<Wait>,
    /// Events to store, such as `inngest/function.failed`.
    pub events: Vec<StoredEvent>,
    /// Runs whose waits are removed because they ended.
    pub drop_waits_of: Vec<String>,
    /// Runs whose queued jobs are marked done because they were cancelled.
    pub drop_jobs_of: Vec<String>,
    /// The job whose reply this is, marked done.
    pub complete_job: Option<String>,
    /// The job whose reply this is, scheduled again instead of done.
    pub retry_job: Option<JobRetry>,
}

impl Commit {
    /// Whether the commit changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Changes to one run; `None` fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunUpdate {
    pub run_id: String,
    pub status: Option<RunStatus>,
    pub output: Option<Value>,
    pub error: Option<Value>,
    pub ended_at: Option<i64>,
    pub request_version: Option<i64>,
    pub force_plan: Option<bool>,
    pub pending: Option<Vec<String>>,
}

impl RunUpdate {
    /// An update of `run_id` that changes nothing yet.
    pub fn of(run_id: &str) -> Self {
        Self {
            run_id: run_id.to_owned(),
            ..Self::default()
        }
    }
}

/// A memoized step value and the call that resumes the run after it.
///
/// A hash already memoized for the run is skipped with its resume job, so a
/// duplicate report neither changes the stack nor schedules a second call.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    pub run_id: String,
    pub hash: String,
    pub value: Value,
    pub resume: Option<Resume>,
}

/// The discovery call that follows a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume {
    pub job: Job,
    /// Coalesce parallel fan-in: remove the hash from the run's pending set,
    /// and enqueue the job (resetting force-plan) only once the set is empty.
    pub fan_in: bool,
}

/// Resolves a wait with a step result.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitResolution {
    pub wait_id: String,
    pub result: StepResult,
}

/// Reschedules a job at a later attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRetry {
    pub job_id: String,
    pub attempt: u32,
    pub available_at: i64,
}
