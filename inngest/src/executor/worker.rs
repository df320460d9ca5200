//! The worker pool: claims due jobs with a lease, runs each call or timer,
//! and commits the result. Leases of a stopped worker expire, so another
//! executor on the same store picks its jobs up again.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tracing::Instrument;

use super::dispatch::{self, Call, error_value};
use super::model::{Job, JobKind, now_millis};
use super::progress::RunProgress;
use super::respond::{Answered, Outcome};
use super::store::{Commit, StepResult, WaitResolution};
use super::{Executor, ExecutorError, ingest};

/// A running worker pool. Dropping it leaves the workers running; call
/// [`ExecutorHandle::shutdown`] or [`ExecutorHandle::abort`] to stop them.
#[derive(Debug)]
pub struct ExecutorHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ExecutorHandle {
    /// Stops claiming jobs and waits for the calls in flight to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::warn!(%error, "the executor worker loop ended abnormally");
        }
    }

    /// Stops at once, dropping the calls in flight. Their jobs stay leased
    /// until the lease expires, then any executor on the store claims them.
    pub fn abort(self) {
        self.task.abort();
    }
}

impl Executor {
    /// Starts the worker pool on the current tokio runtime.
    pub fn start(&self) -> ExecutorHandle {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(self.clone().work(stopped));
        tracing::info!(
            concurrency = self.inner.options.concurrency,
            "executor started"
        );
        ExecutorHandle { stop, task }
    }

    async fn work(self, mut stopped: watch::Receiver<bool>) {
        let options = &self.inner.options;
        let slots = Arc::new(Semaphore::new(options.concurrency.max(1)));
        let mut in_flight = JoinSet::new();

        while !*stopped.borrow() {
            let free = slots.available_permits();
            let mut claimed_all = false;
            if free > 0 {
                let now = now_millis();
                let lease_until = now + millis(options.lease);
                match self
                    .inner
                    .store
                    .claim_jobs(now, lease_until, free as u32)
                    .await
                {
                    Ok(jobs) => {
                        claimed_all = jobs.len() == free;
                        for job in jobs {
                            let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                                break;
                            };
                            let executor = self.clone();
                            in_flight.spawn(async move {
                                executor.process(job).await;
                                drop(permit);
                            });
                        }
                    }
                    Err(error) => tracing::warn!(%error, "claiming due jobs failed; retrying"),
                }
            }
            if claimed_all {
                // More jobs may be due; claim again once a slot frees up.
                tokio::select! {
                    _ = stopped.changed() => {}
                    Some(_) = in_flight.join_next() => {}
                }
                continue;
            }

            tokio::select! {
                _ = stopped.changed() => {}
                _ = self.inner.wake.notified() => {}
                _ = tokio::time::sleep(options.poll_interval) => {}
                Some(_) = in_flight.join_next() => {}
            }
        }

        while in_flight.join_next().await.is_some() {}
        tracing::info!("executor stopped");
    }

    /// Runs one job while renewing its lease.
    async fn process(&self, job: Job) {
        let lease = self.inner.options.lease;
        let renew = async {
            loop {
                tokio::time::sleep(lease / 3).await;
                let until = now_millis() + millis(lease);
                if let Err(error) = self.inner.store.extend_lease(&job.id, until).await {
                    tracing::warn!(job_id = %job.id, %error, "renewing a job lease failed");
                }
            }
        };
        let result = tokio::select! {
            result = self.process_job(&job) => result,
            () = renew => Ok(()),
        };

        match result {
            Ok(()) => self.inner.wake.notify_one(),
            // The job stays leased and is claimed again once the lease ends.
            Err(error) => {
                tracing::warn!(job_id = %job.id, run_id = %job.run_id, %error, "job failed; it will run again")
            }
        }
    }

    async fn process_job(&self, job: &Job) -> Result<(), ExecutorError> {
        let outcome = match job.kind {
            JobKind::Call => self.process_call(job).await?,
            JobKind::Timer => self.process_timer(job).await?,
        };
        self.inner.store.commit(&outcome.commit).await?;
        self.emit(outcome.progress);
        Ok(())
    }

    async fn process_call(&self, job: &Job) -> Result<Outcome, ExecutorError> {
        let store = &self.inner.store;
        let Some(run) = store
            .run(&job.run_id)
            .await?
            .filter(|run| !run.status.is_final())
        else {
            return Ok(done(job));
        };
        let now = now_millis();
        let functions = store.functions().await?;
        let Some(function) = functions
            .iter()
            .find(|function| function.id == run.function_id)
        else {
            let mut outcome = done(job);
            let message = format!(
                "function {:?} is no longer registered; sync the app that serves it",
                run.function_id
            );
            self.end_run(&mut outcome, &run, Err(error_value(&message)), now)
                .await?;
            return Ok(outcome);
        };
        let steps = store.steps(&run.id).await?;

        self.emit(vec![RunProgress::CallStarted {
            run_id: run.id.clone(),
            function_id: function.id.clone(),
            step_id: job.step_id.clone(),
            attempt: job.attempt,
        }]);
        let span = tracing::info_span!(
            "inngest.executor.call",
            inngest.fn_id = %function.id,
            inngest.run_id = %run.id,
            inngest.step_id = %job.step_id,
            inngest.attempt = job.attempt,
        );
        let call = Call {
            function,
            run: &run,
            job,
            steps: &steps,
        };
        let reply = dispatch::send(
            &self.inner.http,
            self.inner.options.signing_key.as_ref(),
            &call,
        )
        .instrument(span.clone())
        .await;

        // A cancel event may have ended the run while the call ran. Then the
        // reply is dropped, so it neither schedules calls nor fails the run.
        // NOTE: a cancel committed between this read and the commit below
        // still lets the reply's jobs and events (such as a failure event)
        // through. The store ignores its run update, and process_call marks
        // its jobs done without calling.
        if store
            .run(&run.id)
            .await?
            .is_none_or(|current| current.status.is_final())
        {
            return Ok(done(job));
        }
        let answered = Answered {
            job,
            run: &run,
            function,
            memoized: steps.len(),
            now: now_millis(),
        };
        self.handle_reply(&answered, reply).instrument(span).await
    }

    /// Expires a wait: a sleep ends, or a wait or invoke times out.
    async fn process_timer(&self, job: &Job) -> Result<Outcome, ExecutorError> {
        let store = &self.inner.store;
        let Some(wait) = job.wait_id.as_deref() else {
            return Ok(done(job));
        };
        let Some(wait) = store.wait(wait).await? else {
            return Ok(done(job));
        };
        let Some(run) = store
            .run(&wait.run_id)
            .await?
            .filter(|run| !run.status.is_final())
        else {
            return Ok(done(job));
        };

        let mut outcome = done(job);
        outcome.commit.resolve_waits.push(WaitResolution {
            wait_id: wait.id.clone(),
            result: StepResult {
                run_id: run.id.clone(),
                hash: wait.step_id.clone(),
                value: wait.expiry_value.clone(),
                resume: Some(ingest::resume(&run, &wait.step_id, now_millis())),
            },
        });
        outcome.progress.push(RunProgress::StepCompleted {
            run_id: run.id,
            step_id: wait.step_id,
            name: None,
        });
        Ok(outcome)
    }
}

/// An outcome that only marks the job done.
fn done(job: &Job) -> Outcome {
    Outcome {
        commit: Commit {
            complete_job: Some(job.id.clone()),
            ..Commit::default()
        },
        progress: Vec::new(),
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
