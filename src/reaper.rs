//! The stale-job reaper: fails insights jobs that stopped making progress.
//!
//! A job is stale when it has been `processing` with no update for longer
//! than `STALE_JOB_AFTER_SECS` and no live run is working on it:
//!
//! - local mode: the run named by the job's `run_id` is live when the
//!   embedded executor has it `running` with at least one queued job (a
//!   call or timer not yet done). A missing, finished or idle run is gone.
//! - dev and cloud mode: this process cannot see Inngest's runs, so the
//!   job's `updated_at` alone decides. Every step of the insights function
//!   updates the job, so a run that is still working keeps it fresh.
//!
//! A stale job is marked `failed` with a message that gives the reason. The update
//! is guarded by the same cutoff, so a job that made progress after it was
//! listed is left alone.

use std::time::Duration;

use functions::domain::JobId;
use inngest::executor::{Executor, RunStatus};
use time::OffsetDateTime;

use crate::service::Service;
use crate::store::{self, Job, Store};

/// A failure of one reaper pass.
#[derive(Debug, thiserror::Error)]
pub enum ReapError {
    #[error("failed to list stale jobs")]
    List(#[source] store::Error),
    #[error("failed to look up run {run_id} of job {job_id} in the local executor")]
    Run {
        run_id: String,
        job_id: JobId,
        #[source]
        source: inngest::executor::ExecutorError,
    },
    #[error("failed to mark job {job_id} failed")]
    Fail {
        job_id: JobId,
        #[source]
        source: store::Error,
    },
}

/// A job the reaper marked `failed`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReapedJob {
    pub job: Job,
    /// The error message stored on the job.
    pub message: String,
}

/// Finds and fails stale jobs of one store.
#[derive(Clone)]
pub struct Reaper {
    store: Store,
    /// The embedded executor, whose runs tell live jobs apart; `None` outside local mode.
    executor: Option<Executor>,
    stale_after: Duration,
}

impl Reaper {
    /// Creates a reaper over the service's store and, in local mode, its executor.
    pub fn for_service(service: &Service) -> Self {
        Self::new(
            service.store.clone(),
            service.executor.clone(),
            service.settings.stale_job_after,
        )
    }

    /// Creates a reaper that fails jobs idle for longer than `stale_after`.
    pub fn new(store: Store, executor: Option<Executor>, stale_after: Duration) -> Self {
        Self {
            store,
            executor,
            stale_after,
        }
    }

    /// Runs one pass and returns the jobs it failed, oldest first.
    ///
    /// # Errors
    /// [`ReapError`] for a database or executor failure; jobs failed before
    /// the error stay failed.
    pub async fn reap_once(&self) -> Result<Vec<ReapedJob>, ReapError> {
        let now = OffsetDateTime::now_utc();
        let cutoff = now - self.stale_after;
        let candidates = self
            .store
            .list_stale_jobs(cutoff)
            .await
            .map_err(ReapError::List)?;

        let mut reaped = Vec::new();
        for job in candidates {
            if self.has_live_run(&job).await? {
                tracing::debug!(job_id = %job.id, run_id = ?job.run_id, "stale job has a live run; left alone");
                continue;
            }
            let message = self.failure_message(&job, now);
            let transition = self
                .store
                .fail_stale_job(&job.id, cutoff, &message)
                .await
                .map_err(|source| ReapError::Fail {
                    job_id: job.id.clone(),
                    source,
                })?;
            if transition == functions::ports::Transition::Applied {
                tracing::warn!(job_id = %job.id, call_id = %job.call_id, run_id = ?job.run_id, "failed stale job: {message}");
                reaped.push(ReapedJob { job, message });
            }
        }
        Ok(reaped)
    }

    /// Runs a pass every `interval` until the task is aborted, logging every
    /// failed pass and every job it fails.
    pub fn spawn(self, interval: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = self.reap_once().await {
                    tracing::error!(error = %crate::api::error::chain(&error), "stale-job check failed; retrying at the next interval");
                }
            }
        })
    }

    async fn has_live_run(&self, job: &Job) -> Result<bool, ReapError> {
        let (Some(executor), Some(run_id)) = (&self.executor, &job.run_id) else {
            // Outside local mode the idle time alone decides.
            return Ok(false);
        };
        let lookup_error = |source| ReapError::Run {
            run_id: run_id.clone(),
            job_id: job.id.clone(),
            source,
        };
        let Some(run) = executor.run(run_id).await.map_err(lookup_error)? else {
            return Ok(false);
        };
        if run.status != RunStatus::Running {
            return Ok(false);
        }
        let queued = executor
            .store()
            .queued_jobs(run_id)
            .await
            .map_err(|source| lookup_error(source.into()))?;
        Ok(!queued.is_empty())
    }

    fn failure_message(&self, job: &Job, now: OffsetDateTime) -> String {
        let idle_minutes = (now - job.updated_at).whole_minutes();
        let run = job.run_id.as_deref().unwrap_or("unknown");
        let why = if self.executor.is_some() {
            format!(
                "the run is gone (run {run} has ended or has no work queued in the local executor)"
            )
        } else {
            format!("the run is presumed gone (no step of run {run} updated the job in that time)")
        };
        format!(
            "no progress for {idle_minutes} minutes in stage {}; {why}; start a new job with POST /api/calls/{}/insights",
            job.stage.as_str(),
            job.call_id
        )
    }
}
