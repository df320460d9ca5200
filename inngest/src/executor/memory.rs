//! An in-memory [`ExecutorStore`] for tests and throwaway runs. Its state
//! ends with the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::concurrency::ConcurrencySlots;
use super::model::{
    AppRecord, ConcurrencyKey, FunctionRecord, Job, JobKind, MemoEntry, RunRecord, StoredEvent,
    Wait,
};
use super::store::{Commit, ExecutorStore, StepResult, StoreError};

/// Executor state held in a mutex. Every method takes the lock once, so a
/// commit is atomic with respect to every other call.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    apps: BTreeMap<String, AppRecord>,
    /// Event id to the time it was last received.
    event_ids: HashMap<String, i64>,
    events: Vec<StoredEvent>,
    runs: HashMap<String, RunRecord>,
    steps: HashMap<String, Vec<MemoEntry>>,
    jobs: HashMap<String, QueuedJob>,
    waits: HashMap<String, Wait>,
}

#[derive(Debug)]
struct QueuedJob {
    job: Job,
    lease_until: Option<i64>,
    done: bool,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied commit,
        // because commits are applied only after every check, so the state
        // stays usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl ExecutorStore for MemoryStore {
    async fn save_app(&self, app: &AppRecord) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let modified = state.apps.get(&app.id) != Some(app);
        state.apps.insert(app.id.clone(), app.clone());
        Ok(modified)
    }

    async fn functions(&self) -> Result<Vec<FunctionRecord>, StoreError> {
        let state = self.lock();
        Ok(state
            .apps
            .values()
            .flat_map(|app| app.functions.iter().cloned())
            .collect())
    }

    async fn record_event(
        &self,
        event: &StoredEvent,
        dedup_since: i64,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        state.events.push(event.clone());
        let Some(id) = &event.event.id else {
            return Ok(true);
        };
        let seen = state.event_ids.get(id).is_some_and(|at| *at >= dedup_since);
        if !seen {
            state.event_ids.insert(id.clone(), event.received_at);
        }
        Ok(!seen)
    }

    async fn run(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        Ok(self.lock().runs.get(run_id).cloned())
    }

    async fn runs(&self, function_id: Option<&str>) -> Result<Vec<RunRecord>, StoreError> {
        let state = self.lock();
        let mut runs: Vec<RunRecord> = state
            .runs
            .values()
            .filter(|run| function_id.is_none_or(|id| run.function_id == id))
            .cloned()
            .collect();
        runs.sort_by(|a, b| {
            b.started_at
                .cmp(&a.started_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        Ok(runs)
    }

    async fn steps(&self, run_id: &str) -> Result<Vec<MemoEntry>, StoreError> {
        Ok(self.lock().steps.get(run_id).cloned().unwrap_or_default())
    }

    async fn waits_for_event(&self, name: &str) -> Result<Vec<Wait>, StoreError> {
        let state = self.lock();
        Ok(state
            .waits
            .values()
            .filter(|wait| wait.event.as_deref() == Some(name))
            .cloned()
            .collect())
    }

    async fn wait(&self, wait_id: &str) -> Result<Option<Wait>, StoreError> {
        Ok(self.lock().waits.get(wait_id).cloned())
    }

    async fn queued_jobs(&self, run_id: &str) -> Result<Vec<Job>, StoreError> {
        let state = self.lock();
        let mut jobs: Vec<Job> = state
            .jobs
            .values()
            .filter(|queued| !queued.done && queued.job.run_id == run_id)
            .map(|queued| queued.job.clone())
            .collect();
        jobs.sort_by_key(|job| job.available_at);
        Ok(jobs)
    }

    async fn claim_jobs(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        let mut state = self.lock();
        let State { jobs, runs, .. } = &mut *state;
        let keys_of = |job: &Job| -> &[ConcurrencyKey] {
            match (job.kind, runs.get(&job.run_id)) {
                (JobKind::Call, Some(run)) => &run.concurrency,
                _ => &[],
            }
        };
        let in_flight = jobs
            .values()
            .filter(|queued| !queued.done && queued.lease_until.is_some_and(|until| until >= now))
            .map(|queued| keys_of(&queued.job));
        let mut slots = ConcurrencySlots::new(in_flight);

        let mut due: Vec<&mut QueuedJob> = jobs
            .values_mut()
            .filter(|queued| {
                !queued.done
                    && queued.job.available_at <= now
                    && queued.lease_until.is_none_or(|until| until < now)
            })
            .collect();
        due.sort_by(|a, b| (a.job.available_at, &a.job.id).cmp(&(b.job.available_at, &b.job.id)));

        let mut claimed = Vec::new();
        for queued in due {
            if claimed.len() == limit as usize {
                break;
            }
            if !slots.try_take(keys_of(&queued.job)) {
                continue;
            }
            queued.lease_until = Some(lease_until);
            claimed.push(queued.job.clone());
        }
        Ok(claimed)
    }

    async fn extend_lease(&self, job_id: &str, lease_until: i64) -> Result<(), StoreError> {
        if let Some(queued) = self.lock().jobs.get_mut(job_id) {
            queued.lease_until = Some(lease_until);
        }
        Ok(())
    }

    async fn commit(&self, commit: &Commit) -> Result<(), StoreError> {
        let mut state = self.lock();
        state.apply(commit);
        Ok(())
    }
}

impl State {
    fn apply(&mut self, commit: &Commit) {
        self.events.extend(commit.events.iter().cloned());
        for (run, job) in &commit.new_runs {
            if self.runs.contains_key(&run.id) {
                continue;
            }
            self.runs.insert(run.id.clone(), run.clone());
            self.enqueue(job);
        }

        for update in &commit.run_updates {
            let Some(run) = self
                .runs
                .get_mut(&update.run_id)
                .filter(|run| !run.status.is_final())
            else {
                continue;
            };
            if let Some(status) = update.status {
                run.status = status;
            }
            if let Some(output) = &update.output {
                run.output = Some(output.clone());
            }
            if let Some(error) = &update.error {
                run.error = Some(error.clone());
            }
            if let Some(ended_at) = update.ended_at {
                run.ended_at = Some(ended_at);
            }
            if let Some(version) = update.request_version {
                run.request_version = version;
            }
            if let Some(force_plan) = update.force_plan {
                run.force_plan = force_plan;
            }
            if let Some(pending) = &update.pending {
                run.pending = pending.clone();
            }
        }

        for result in &commit.steps {
            self.apply_step(result);
        }
        for resolution in &commit.resolve_waits {
            if self.waits.remove(&resolution.wait_id).is_some() {
                self.apply_step(&resolution.result);
            }
        }

        for job in &commit.jobs {
            self.enqueue(job);
        }
        for wait in &commit.waits {
            self.waits.insert(wait.id.clone(), wait.clone());
        }
        for run_id in &commit.drop_waits_of {
            self.waits.retain(|_, wait| &wait.run_id != run_id);
        }
        for run_id in &commit.drop_jobs_of {
            for queued in self.jobs.values_mut() {
                if &queued.job.run_id == run_id {
                    queued.done = true;
                    queued.lease_until = None;
                }
            }
        }

        if let Some(job_id) = &commit.complete_job
            && let Some(queued) = self.jobs.get_mut(job_id)
        {
            queued.done = true;
            queued.lease_until = None;
        }
        if let Some(retry) = &commit.retry_job
            && let Some(queued) = self.jobs.get_mut(&retry.job_id)
        {
            queued.job.attempt = retry.attempt;
            queued.job.available_at = retry.available_at;
            queued.lease_until = None;
        }
    }

    fn apply_step(&mut self, result: &StepResult) {
        let steps = self.steps.entry(result.run_id.clone()).or_default();
        if steps.iter().any(|entry| entry.hash == result.hash) {
            return;
        }
        steps.push(MemoEntry {
            hash: result.hash.clone(),
            value: result.value.clone(),
        });

        let Some(resume) = &result.resume else {
            return;
        };
        if resume.fan_in {
            let Some(run) = self.runs.get_mut(&result.run_id) else {
                return;
            };
            run.pending.retain(|hash| hash != &result.hash);
            if !run.pending.is_empty() {
                return;
            }
            run.force_plan = false;
        }
        self.enqueue(&resume.job);
    }

    fn enqueue(&mut self, job: &Job) {
        self.jobs
            .entry(job.id.clone())
            .or_insert_with(|| QueuedJob {
                job: job.clone(),
                lease_until: None,
                done: false,
            });
    }
}
