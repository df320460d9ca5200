//! Turns a call's reply into one commit: complete or fail the run, retry the
//! call, or hand the ops to [`super::ops`].

use std::time::Duration;

use serde_json::{Value, json};

use super::dispatch::Reply;
use super::ingest::resume;
use super::model::{FunctionRecord, Job, RunRecord, RunStatus, StoredEvent};
use super::progress::RunProgress;
use super::store::{Commit, JobRetry, RunUpdate, StepResult, WaitResolution};
use super::{Executor, ExecutorError};
use crate::wire::Event;

/// Name of the event sent when a run fails for good.
pub(super) const FUNCTION_FAILED: &str = "inngest/function.failed";

/// The commit of one job and the progress to announce once it is stored.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub(super) commit: Commit,
    pub(super) progress: Vec<RunProgress>,
}

/// The job whose reply is handled, with its run and function.
pub(super) struct Answered<'a> {
    pub(super) job: &'a Job,
    pub(super) run: &'a RunRecord,
    pub(super) function: &'a FunctionRecord,
    /// Steps memoized so far.
    pub(super) memoized: usize,
    pub(super) now: i64,
}

impl Answered<'_> {
    /// Whether another attempt of this job is allowed.
    pub(super) fn can_retry(&self) -> bool {
        self.job.attempt.saturating_add(1) < self.function.max_attempts()
    }
}

impl Executor {
    /// Builds the commit for a reply to `answered.job`.
    pub(super) async fn handle_reply(
        &self,
        answered: &Answered<'_>,
        reply: Reply,
    ) -> Result<Outcome, ExecutorError> {
        let mut outcome = Outcome::default();
        match reply {
            Reply::Output(output) => {
                self.end_run(&mut outcome, answered.run, Ok(output), answered.now)
                    .await?;
                outcome.commit.complete_job = Some(answered.job.id.clone());
            }
            Reply::Failed {
                error,
                no_retry,
                retry_after,
            } => {
                if !no_retry && answered.can_retry() {
                    self.retry(&mut outcome, answered, retry_after, error);
                } else {
                    self.end_run(&mut outcome, answered.run, Err(error), answered.now)
                        .await?;
                    outcome.commit.complete_job = Some(answered.job.id.clone());
                }
            }
            Reply::Ops {
                ops,
                no_retry,
                retry_after,
                version,
            } => {
                self.handle_ops(&mut outcome, answered, ops, no_retry, retry_after, version)
                    .await?;
            }
        }
        Ok(outcome)
    }

    /// Schedules the same job again at the next attempt.
    pub(super) fn retry(
        &self,
        outcome: &mut Outcome,
        answered: &Answered<'_>,
        retry_after: Option<Duration>,
        error: Value,
    ) {
        let job = answered.job;
        let delay = retry_after.unwrap_or_else(|| self.inner.options.backoff.delay(job.attempt));
        let retry_at = answered
            .now
            .saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
        tracing::warn!(
            run_id = %job.run_id, step_id = %job.step_id, attempt = job.attempt, retry_at,
            error = %error, "call failed; retrying"
        );
        outcome.commit.retry_job = Some(JobRetry {
            job_id: job.id.clone(),
            attempt: job.attempt + 1,
            available_at: retry_at,
        });
        outcome.progress.push(RunProgress::Retrying {
            run_id: job.run_id.clone(),
            step_id: job.step_id.clone(),
            next_attempt: job.attempt + 1,
            failed_at: answered.now,
            retry_at,
            error,
        });
    }

    /// Ends a run: stores its output or error, drops its waits, resumes an
    /// invoking run, and on failure sends `inngest/function.failed`.
    pub(super) async fn end_run(
        &self,
        outcome: &mut Outcome,
        run: &RunRecord,
        result: Result<Value, Value>,
        now: i64,
    ) -> Result<(), ExecutorError> {
        let mut update = RunUpdate::of(&run.id);
        update.ended_at = Some(now);
        let memo = match &result {
            Ok(output) => {
                update.status = Some(RunStatus::Completed);
                update.output = Some(output.clone());
                outcome.progress.push(RunProgress::RunCompleted {
                    run_id: run.id.clone(),
                    function_id: run.function_id.clone(),
                    output: output.clone(),
                });
                json!({ "data": output })
            }
            Err(error) => {
                tracing::warn!(run_id = %run.id, function_id = %run.function_id, %error, "run failed");
                update.status = Some(RunStatus::Failed);
                update.error = Some(error.clone());
                outcome.progress.push(RunProgress::RunFailed {
                    run_id: run.id.clone(),
                    function_id: run.function_id.clone(),
                    error: error.clone(),
                });
                json!({ "error": error })
            }
        };
        outcome.commit.run_updates.push(update);
        outcome.commit.drop_waits_of.push(run.id.clone());

        self.resume_invoker(outcome, run, memo, now).await?;
        if let Err(error) = result {
            self.send_failure_event(outcome, run, error, now).await?;
        }
        Ok(())
    }

    /// Resolves the wait of the run that invoked `run`, if any.
    pub(super) async fn resume_invoker(
        &self,
        outcome: &mut Outcome,
        run: &RunRecord,
        memo: Value,
        now: i64,
    ) -> Result<(), ExecutorError> {
        let wait_id = invoke_wait_id(&run.id);
        let Some(wait) = self.inner.store.wait(&wait_id).await? else {
            return Ok(());
        };
        let Some(parent) = self.inner.store.run(&wait.run_id).await? else {
            return Ok(());
        };
        outcome.commit.resolve_waits.push(WaitResolution {
            wait_id,
            result: StepResult {
                run_id: parent.id.clone(),
                hash: wait.step_id.clone(),
                value: memo,
                resume: Some(resume(&parent, &wait.step_id, now)),
            },
        });
        outcome.progress.push(RunProgress::StepCompleted {
            run_id: parent.id,
            step_id: wait.step_id,
            name: None,
        });
        Ok(())
    }

    /// Stores `inngest/function.failed` and starts the runs it triggers,
    /// such as the function's failure handler.
    async fn send_failure_event(
        &self,
        outcome: &mut Outcome,
        run: &RunRecord,
        error: Value,
        now: i64,
    ) -> Result<(), ExecutorError> {
        let internal_id = ulid::Ulid::new().to_string();
        let data = json!({
            "function_id": run.function_id,
            "run_id": run.id,
            "error": error,
            "event": run.events.first(),
        });
        let event = Event {
            id: Some(internal_id.clone()),
            name: FUNCTION_FAILED.to_owned(),
            data,
            user: Some(json!({})),
            ts: Some(now),
            v: None,
        };
        let progress = self.trigger_runs(&event, now, &mut outcome.commit).await?;
        outcome.progress.extend(progress);
        outcome.commit.events.push(StoredEvent {
            internal_id,
            event,
            received_at: now,
        });
        Ok(())
    }
}

/// Id of the wait an invoking run holds for the invoked run `run_id`.
pub(super) fn invoke_wait_id(run_id: &str) -> String {
    format!("invoke-{run_id}")
}
