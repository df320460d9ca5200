//! The ops of a 206 reply: memoize steps, plan targeted calls, schedule
//! sleeps, waits and invokes, or complete the run.

use std::time::Duration;

use serde_json::{Value, json};

use super::concurrency;
use super::dispatch::error_value;
use super::duration::pause_until;
use super::expression::Expression;
use super::ingest::resume;
use super::model::{Job, RunRecord, Wait};
use super::progress::RunProgress;
use super::respond::{Answered, Outcome, invoke_wait_id};
use super::store::{Commit, RunUpdate, StepResult};
use super::{Executor, ExecutorError};
use crate::wire::{Event, Op, Opcode};

/// Steps a run may memoize, as in Inngest; the run fails past it.
const MAX_STEPS: usize = 1000;

/// Event that starts an invoked run.
const FUNCTION_INVOKED: &str = "inngest/function.invoked";

impl Executor {
    pub(super) async fn handle_ops(
        &self,
        outcome: &mut Outcome,
        answered: &Answered<'_>,
        mut ops: Vec<Op>,
        no_retry: bool,
        retry_after: Option<Duration>,
        version: i64,
    ) -> Result<(), ExecutorError> {
        let mut run = answered.run.clone();
        let mut update = RunUpdate::of(&run.id);
        if run.request_version < 0 {
            run.request_version = version;
            update.request_version = Some(version);
        }

        // A retriable step error turns the whole reply into a retry of this job.
        if let Some(op) = ops.iter().find(|op| op.op == Opcode::StepError)
            && !no_retry
            && answered.can_retry()
        {
            let error = op_error(op);
            outcome.commit.run_updates.push(update);
            self.retry(outcome, answered, retry_after, error);
            return Ok(());
        }

        // Several ops at once are parallel branches: from now on the SDK
        // only plans, and with request version 2 the last branch to finish
        // schedules the next discovery call.
        if ops.len() > 1 {
            update.force_plan = Some(true);
            run.force_plan = true;
            if run.request_version >= 2 {
                let pending: Vec<String> = ops.iter().map(|op| op.id.clone()).collect();
                update.pending = Some(pending.clone());
                run.pending = pending;
            }
        }
        outcome.commit.run_updates.push(update);

        ops.sort_by_key(|op| op.op != Opcode::WaitForEvent);
        let mut memoized = answered.memoized;
        for op in &ops {
            if let Err(message) = self
                .apply_op(outcome, answered, &run, op, &mut memoized)
                .await?
            {
                // A fatal op fails the run and discards everything else.
                let updates = std::mem::take(&mut outcome.commit.run_updates);
                *outcome = Outcome::default();
                outcome.commit.run_updates = updates;
                self.end_run(outcome, &run, Err(error_value(&message)), answered.now)
                    .await?;
                break;
            }
        }
        outcome.commit.complete_job = Some(answered.job.id.clone());
        Ok(())
    }

    /// Applies one op; `Ok(Err(message))` fails the run.
    async fn apply_op(
        &self,
        outcome: &mut Outcome,
        answered: &Answered<'_>,
        run: &RunRecord,
        op: &Op,
        memoized: &mut usize,
    ) -> Result<Result<(), String>, ExecutorError> {
        let now = answered.now;
        let mut memoize = |outcome: &mut Outcome, value: Value| -> Result<(), String> {
            if *memoized >= MAX_STEPS {
                return Err(format!(
                    "the run has more than {MAX_STEPS} steps, the maximum per run"
                ));
            }
            *memoized += 1;
            push_step(&mut outcome.commit, run, &op.id, value, now);
            Ok(())
        };

        match op.op {
            Opcode::StepRun => {
                let data = op.data.clone().unwrap_or(Value::Null);
                if let Err(message) = memoize(outcome, json!({ "data": data })) {
                    return Ok(Err(message));
                }
                outcome.progress.push(step_completed(run, op));
            }
            Opcode::Step => {
                if let Err(message) = memoize(outcome, op.data.clone().unwrap_or(Value::Null)) {
                    return Ok(Err(message));
                }
                outcome.progress.push(step_completed(run, op));
            }
            Opcode::StepError | Opcode::StepFailed => {
                let error = op_error(op);
                if let Err(message) = memoize(outcome, json!({ "error": error })) {
                    return Ok(Err(message));
                }
                outcome.progress.push(RunProgress::StepFailed {
                    run_id: run.id.clone(),
                    step_id: op.id.clone(),
                    name: op.name.clone(),
                    error,
                });
            }
            Opcode::StepPlanned => {
                let job = Job::call(format!("{}-{}-plan", run.id, op.id), &run.id, &op.id, now);
                outcome.commit.jobs.push(job);
            }
            Opcode::Sleep => {
                let value = opt_str(op, "duration")
                    .or(op.name.as_deref())
                    .unwrap_or_default();
                let until = match pause_until(value, now) {
                    Ok(until) => until,
                    Err(error) => return Ok(Err(format!("sleep step {:?}: {error}", op.id))),
                };
                add_wait(outcome, run, op, None, None, Some(until), Value::Null);
            }
            Opcode::WaitForEvent => {
                let Some(event) = opt_str(op, "event")
                    .or(op.name.as_deref())
                    .filter(|name| !name.is_empty())
                else {
                    return Ok(Err(format!(
                        "wait step {:?} names no event in `opts.event` or `name`",
                        op.id
                    )));
                };
                let expression = opt_str(op, "if")
                    .filter(|text| !text.is_empty())
                    .map(str::to_owned);
                if let Some(text) = &expression
                    && let Err(error) = Expression::compile(text)
                {
                    return Ok(Err(format!("wait step {:?}: {error}", op.id)));
                }
                // An empty timeout expires at once, as in Inngest.
                let timeout = opt_str(op, "timeout").unwrap_or_default();
                let until = if timeout.is_empty() {
                    Ok(now)
                } else {
                    pause_until(timeout, now)
                };
                let until = match until {
                    Ok(until) => until,
                    Err(error) => return Ok(Err(format!("wait step {:?}: {error}", op.id))),
                };
                add_wait(
                    outcome,
                    run,
                    op,
                    Some(event.to_owned()),
                    expression,
                    Some(until),
                    Value::Null,
                );
            }
            Opcode::InvokeFunction => return self.invoke(outcome, run, op, now).await,
            Opcode::RunComplete => {
                let output = op.data.clone().unwrap_or(Value::Null);
                self.end_run(outcome, run, Ok(output), now).await?;
            }
            Opcode::DiscoveryRequest => {
                let job = Job::call(
                    format!("{}-{}-discovery", run.id, op.id),
                    &run.id,
                    "step",
                    now,
                );
                outcome.commit.jobs.push(job);
            }
            Opcode::None | Opcode::DeferAdd | Opcode::DeferAbort => {
                tracing::warn!(run_id = %run.id, op = ?op.op, "ignored an op that asks nothing of the executor");
            }
            Opcode::AiGateway
            | Opcode::Gateway
            | Opcode::WaitForSignal
            | Opcode::SyncRunComplete => {
                return Ok(Err(format!(
                    "the op {:?} of step {:?} is not supported by the local executor; \
                     run the Inngest dev server (npx inngest-cli dev) for it",
                    op.op, op.id
                )));
            }
        }
        Ok(Ok(()))
    }

    /// Starts a run of `opts.function_id` and waits for it to end.
    async fn invoke(
        &self,
        outcome: &mut Outcome,
        run: &RunRecord,
        op: &Op,
        now: i64,
    ) -> Result<Result<(), String>, ExecutorError> {
        let Some(function_id) = opt_str(op, "function_id").filter(|id| !id.is_empty()) else {
            return Ok(Err(format!(
                "invoke step {:?} has no `opts.function_id`",
                op.id
            )));
        };
        let functions = self.inner.store.functions().await?;
        let Some(target) = functions.iter().find(|function| function.id == function_id) else {
            let message = format!(
                "invoke step {:?}: no function {function_id:?} is registered",
                op.id
            );
            push_step(
                &mut outcome.commit,
                run,
                &op.id,
                json!({ "error": error_value(&message) }),
                now,
            );
            return Ok(Ok(()));
        };
        let expires_at = match opt_str(op, "timeout").filter(|text| !text.is_empty()) {
            None => None,
            Some(timeout) => match pause_until(timeout, now) {
                Ok(until) => Some(until),
                Err(error) => return Ok(Err(format!("invoke step {:?}: {error}", op.id))),
            },
        };

        let payload = op
            .opts
            .as_ref()
            .and_then(|opts| opts.get("payload"))
            .cloned()
            .unwrap_or(Value::Null);
        let mut data = payload
            .get("data")
            .cloned()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        data["_inngest"] = json!({ "source_run_id": run.id, "source_fn_id": run.function_id });
        let event = Event {
            id: Some(ulid::Ulid::new().to_string()),
            name: FUNCTION_INVOKED.to_owned(),
            data,
            user: Some(
                payload
                    .get("user")
                    .cloned()
                    .filter(Value::is_object)
                    .unwrap_or_else(|| json!({})),
            ),
            ts: Some(now),
            v: None,
        };
        let keys =
            concurrency::run_keys(target, &serde_json::to_value(&event).unwrap_or(Value::Null));
        let child = RunRecord::start(
            ulid::Ulid::new().to_string(),
            target.id.clone(),
            vec![event],
            now,
        )
        .with_concurrency(keys);
        let job = Job::call(format!("{}-start", child.id), &child.id, "step", now);
        outcome.progress.push(RunProgress::RunStarted {
            run_id: child.id.clone(),
            function_id: target.id.clone(),
            event: FUNCTION_INVOKED.to_owned(),
        });

        let expiry = json!({ "error": {
            "name": "InngestInvokeTimeoutError",
            "message": format!("timed out waiting for the invoked function {function_id:?} to finish"),
        }});
        let wait = Wait {
            id: invoke_wait_id(&child.id),
            run_id: run.id.clone(),
            step_id: op.id.clone(),
            event: None,
            expression: None,
            expires_at,
            expiry_value: expiry,
        };
        outcome.commit.new_runs.push((child, job));
        push_wait(outcome, run, op, wait);
        Ok(Ok(()))
    }
}

fn push_step(commit: &mut Commit, run: &RunRecord, hash: &str, value: Value, now: i64) {
    commit.steps.push(StepResult {
        run_id: run.id.clone(),
        hash: hash.to_owned(),
        value,
        resume: Some(resume(run, hash, now)),
    });
}

fn add_wait(
    outcome: &mut Outcome,
    run: &RunRecord,
    op: &Op,
    event: Option<String>,
    expression: Option<String>,
    expires_at: Option<i64>,
    expiry_value: Value,
) {
    let wait = Wait {
        id: format!("{}-{}", run.id, op.id),
        run_id: run.id.clone(),
        step_id: op.id.clone(),
        event,
        expression,
        expires_at,
        expiry_value,
    };
    push_wait(outcome, run, op, wait);
}

fn push_wait(outcome: &mut Outcome, run: &RunRecord, op: &Op, wait: Wait) {
    if let Some(at) = wait.expires_at {
        outcome.commit.jobs.push(Job::timer(&wait, at));
    }
    outcome.progress.push(RunProgress::StepWaiting {
        run_id: run.id.clone(),
        step_id: op.id.clone(),
        name: op
            .userland
            .as_ref()
            .map(|userland| userland.id.clone())
            .or_else(|| op.name.clone()),
        until: wait.expires_at,
    });
    outcome.commit.waits.push(wait);
}

fn step_completed(run: &RunRecord, op: &Op) -> RunProgress {
    RunProgress::StepCompleted {
        run_id: run.id.clone(),
        step_id: op.id.clone(),
        name: op.name.clone(),
    }
}

/// A string field of `opts`.
fn opt_str<'a>(op: &'a Op, field: &str) -> Option<&'a str> {
    op.opts.as_ref()?.get(field)?.as_str()
}

/// The op's error as stored; a missing error becomes a generic one.
fn op_error(op: &Op) -> Value {
    op.error
        .as_ref()
        .and_then(|error| serde_json::to_value(error).ok())
        .unwrap_or_else(|| error_value(&format!("step {:?} failed without an error object", op.id)))
}
