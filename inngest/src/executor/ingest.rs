//! Incoming events: storing them, starting the runs they trigger and
//! resolving the waits they match.

use serde_json::{Map, Value};

use super::concurrency;
use super::expression::Expression;
use super::model::{Job, RunRecord, RunStatus, StoredEvent, now_millis};
use super::progress::RunProgress;
use super::store::{Commit, Resume, StepResult, WaitResolution};
use super::{Executor, ExecutorError};
use crate::wire::Event;

/// Events with the same `id` within this window trigger functions once.
const DEDUP_WINDOW_MILLIS: i64 = 24 * 3600 * 1000;

/// Maximum event name length accepted.
const MAX_NAME_LEN: usize = 512;

impl Executor {
    /// Sends events: stores each, starts the runs it triggers, cancels the
    /// runs it matches a `cancelOn` entry of, and resolves the waits it matches. Returns the internal event ids in input order.
    ///
    /// An event whose `id` was already received within 24 hours is stored
    /// again but triggers nothing.
    ///
    /// # Errors
    /// [`ExecutorError::InvalidEvent`] before anything is stored when an
    /// event has no name, or a store failure.
    pub async fn send(&self, events: Vec<Event>) -> Result<Vec<String>, ExecutorError> {
        for (index, event) in events.iter().enumerate() {
            validate(index, event)?;
        }

        let mut ids = Vec::with_capacity(events.len());
        for event in events {
            ids.push(self.ingest(event).await?);
        }
        self.inner.wake.notify_one();
        Ok(ids)
    }

    async fn ingest(&self, event: Event) -> Result<String, ExecutorError> {
        let now = now_millis();
        let stored = normalize(event, now);
        let fresh = self
            .inner
            .store
            .record_event(&stored, now - DEDUP_WINDOW_MILLIS)
            .await?;
        if !fresh {
            tracing::info!(event = %stored.event.name, id = ?stored.event.id, "duplicate event id; no functions triggered");
            return Ok(stored.internal_id);
        }

        // NOTE: the event is stored before its runs are committed, so a crash
        // between the two stores an event that started nothing.
        let mut commit = Commit::default();
        let mut progress = self.trigger_runs(&stored.event, now, &mut commit).await?;
        progress.extend(self.cancel_runs(&stored.event, now, &mut commit).await?);
        progress.extend(self.match_waits(&stored.event, now, &mut commit).await?);
        if !commit.is_empty() {
            self.inner.store.commit(&commit).await?;
        }
        self.emit(progress);
        Ok(stored.internal_id)
    }

    /// Adds a run of every function with a trigger matching `event`.
    pub(super) async fn trigger_runs(
        &self,
        event: &Event,
        now: i64,
        commit: &mut Commit,
    ) -> Result<Vec<RunProgress>, ExecutorError> {
        let event_value = serde_json::to_value(event).unwrap_or(Value::Null);
        let mut progress = Vec::new();
        for function in self.inner.store.functions().await? {
            let triggered = function.triggers.iter().any(|trigger| {
                trigger.event == event.name
                    && trigger
                        .expression
                        .as_deref()
                        .is_none_or(|text| expression_holds(text, &event_value, &Value::Null))
            });
            if !triggered {
                continue;
            }

            let run = RunRecord::start(
                ulid::Ulid::new().to_string(),
                function.id.clone(),
                vec![event.clone()],
                now,
            )
            .with_concurrency(concurrency::run_keys(&function, &event_value));
            let job = Job::call(format!("{}-start", run.id), &run.id, "step", now);
            progress.push(RunProgress::RunStarted {
                run_id: run.id.clone(),
                function_id: function.id.clone(),
                event: event.name.clone(),
            });
            commit.new_runs.push((run, job));
        }
        Ok(progress)
    }

    /// Resolves every wait for `event` whose expression holds, except waits of
    /// runs that `commit` already cancels.
    async fn match_waits(
        &self,
        event: &Event,
        now: i64,
        commit: &mut Commit,
    ) -> Result<Vec<RunProgress>, ExecutorError> {
        let candidate = serde_json::to_value(event).unwrap_or(Value::Null);
        let mut progress = Vec::new();
        for wait in self.inner.store.waits_for_event(&event.name).await? {
            let Some(run) = self.inner.store.run(&wait.run_id).await? else {
                continue;
            };
            let cancelled = commit.run_updates.iter().any(|update| {
                update.run_id == run.id && update.status == Some(RunStatus::Cancelled)
            });
            if run.status.is_final() || cancelled {
                continue;
            }
            let trigger = run
                .events
                .first()
                .and_then(|first| serde_json::to_value(first).ok())
                .unwrap_or(Value::Null);
            if !wait
                .expression
                .as_deref()
                .is_none_or(|text| expression_holds(text, &trigger, &candidate))
            {
                continue;
            }

            commit.resolve_waits.push(WaitResolution {
                wait_id: wait.id.clone(),
                result: StepResult {
                    run_id: run.id.clone(),
                    hash: wait.step_id.clone(),
                    value: candidate.clone(),
                    resume: Some(resume(&run, &wait.step_id, now)),
                },
            });
            progress.push(RunProgress::StepCompleted {
                run_id: run.id.clone(),
                step_id: wait.step_id.clone(),
                name: None,
            });
        }
        Ok(progress)
    }
}

/// The discovery call that follows memoizing `hash`. Its id is derived from
/// the hash, so a duplicate report of the same step schedules nothing new.
pub(super) fn resume(run: &RunRecord, hash: &str, now: i64) -> Resume {
    Resume {
        job: Job::call(format!("{}-{hash}", run.id), &run.id, "step", now),
        fan_in: run.request_version >= 2,
    }
}

pub(super) fn expression_holds(text: &str, event: &Value, candidate: &Value) -> bool {
    match Expression::compile(text) {
        Ok(expression) => expression.matches(event, candidate),
        Err(error) => {
            // Registration and wait ops reject bad expressions, so this is a
            // record from an older version; it matches nothing.
            tracing::warn!(%error, "skipped an expression that no longer compiles");
            false
        }
    }
}

fn validate(index: usize, event: &Event) -> Result<(), ExecutorError> {
    if event.name.trim().is_empty() {
        return Err(ExecutorError::InvalidEvent(format!(
            "event {index} has an empty `name`; set the event name"
        )));
    }
    if event.name.len() > MAX_NAME_LEN {
        return Err(ExecutorError::InvalidEvent(format!(
            "event {index} has a name of {} characters; the maximum is {MAX_NAME_LEN}",
            event.name.len()
        )));
    }
    if !(event.data.is_object() || event.data.is_null()) {
        return Err(ExecutorError::InvalidEvent(format!(
            "event {index} ({}) has `data` that is not an object: {}",
            event.name, event.data
        )));
    }
    Ok(())
}

/// Fills in the id, timestamp, user and data the executor always sends.
fn normalize(mut event: Event, now: i64) -> StoredEvent {
    let internal_id = ulid::Ulid::new().to_string();
    if event.id.as_deref().is_none_or(str::is_empty) {
        event.id = Some(internal_id.clone());
    }
    event.ts = Some(event.ts.unwrap_or(now));
    if event.user.as_ref().is_none_or(Value::is_null) {
        event.user = Some(Value::Object(Map::new()));
    }
    if event.data.is_null() {
        event.data = Value::Object(Map::new());
    }
    StoredEvent {
        internal_id,
        event,
        received_at: now,
    }
}
