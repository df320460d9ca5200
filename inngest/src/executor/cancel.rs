//! Cancellation on events (`cancelOn`): reading the entries at registration
//! and cancelling the running runs an incoming event matches.

use serde_json::{Map, Value, json};

use super::duration::pause_until;
use super::expression::Expression;
use super::ingest::expression_holds;
use super::model::{CancelTrigger, FunctionRecord, RunRecord, RunStatus, StoredEvent};
use super::progress::RunProgress;
use super::respond::Outcome;
use super::store::{Commit, RunUpdate};
use super::{Executor, ExecutorError};
use crate::function::MAX_CANCELS;
use crate::wire::Event;

/// Name of the event sent when a run is cancelled.
pub(super) const FUNCTION_CANCELLED: &str = "inngest/function.cancelled";

/// Reads the `cancel` entries: `{event, if?, timeout?}`.
///
/// # Errors
/// [`super::RegisterError`] for a malformed entry, more than five entries, an
/// expression outside the subset or an invalid timeout.
pub(super) fn parse_cancel(
    id: &str,
    config: &Map<String, Value>,
) -> Result<Vec<CancelTrigger>, super::RegisterError> {
    let invalid = |reason: String| super::RegisterError::Function {
        function: id.to_owned(),
        reason,
    };
    let entries = match config.get("cancel") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(entries)) => entries,
        Some(other) => {
            return Err(invalid(format!(
                "`cancel` is {other}; it must be a list of `{{event, if?, timeout?}}` objects"
            )));
        }
    };
    if entries.len() > MAX_CANCELS {
        return Err(invalid(format!(
            "`cancel` has {} entries; the maximum is {MAX_CANCELS}",
            entries.len()
        )));
    }

    let mut parsed = Vec::new();
    for entry in entries {
        let text = |field: &str| {
            entry
                .get(field)
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let Some(event) = text("event") else {
            return Err(invalid(format!(
                "the cancel entry {entry} has no event name"
            )));
        };
        let expression = text("if");
        if let Some(text) = &expression {
            Expression::compile(text).map_err(|source| super::RegisterError::Expression {
                function: id.to_owned(),
                source,
            })?;
        }
        let timeout = text("timeout");
        if let Some(timeout) = &timeout {
            pause_until(timeout, 0)
                .map_err(|error| invalid(format!("the cancel entry for {event:?}: {error}")))?;
        }
        parsed.push(CancelTrigger {
            event,
            expression,
            timeout,
        });
    }
    Ok(parsed)
}

impl Executor {
    /// Cancels every running run whose function has a cancel entry matching
    /// `event`. Runs started by this same event are not in the store yet, so
    /// an event never cancels the runs it triggers.
    pub(super) async fn cancel_runs(
        &self,
        event: &Event,
        now: i64,
        commit: &mut Commit,
    ) -> Result<Vec<RunProgress>, ExecutorError> {
        let incoming = serde_json::to_value(event).unwrap_or(Value::Null);
        let mut outcome = Outcome::default();
        for function in self.inner.store.functions().await? {
            if !function
                .cancel
                .iter()
                .any(|entry| entry.event == event.name)
            {
                continue;
            }
            for run in self.inner.store.running_runs(&function.id).await? {
                if cancels(&function, &run, event, &incoming, now) {
                    self.cancel_run(&mut outcome, &run, &event.name, now)
                        .await?;
                }
            }
        }

        let Outcome {
            commit: cancelled,
            progress,
        } = outcome;
        merge(commit, cancelled);
        Ok(progress)
    }

    /// Ends `run` as cancelled: drops its queued jobs and waits, resumes an
    /// invoking run with an error and sends `inngest/function.cancelled`.
    async fn cancel_run(
        &self,
        outcome: &mut Outcome,
        run: &RunRecord,
        cause: &str,
        now: i64,
    ) -> Result<(), ExecutorError> {
        tracing::info!(run_id = %run.id, function_id = %run.function_id, event = %cause, "run cancelled");
        let mut update = RunUpdate::of(&run.id);
        update.status = Some(RunStatus::Cancelled);
        update.ended_at = Some(now);
        outcome.commit.run_updates.push(update);
        outcome.commit.drop_waits_of.push(run.id.clone());
        outcome.commit.drop_jobs_of.push(run.id.clone());
        outcome.progress.push(RunProgress::RunCancelled {
            run_id: run.id.clone(),
            function_id: run.function_id.clone(),
            event: cause.to_owned(),
        });

        let error = json!({
            "name": "InngestFunctionCancelled",
            "message": format!("the run was cancelled by the event {cause:?}"),
        });
        self.resume_invoker(outcome, run, json!({ "error": error }), now)
            .await?;

        let internal_id = ulid::Ulid::new().to_string();
        let cancelled = Event {
            id: Some(internal_id.clone()),
            name: FUNCTION_CANCELLED.to_owned(),
            data: json!({
                "function_id": run.function_id,
                "run_id": run.id,
                "error": error,
                "event": run.events.first(),
            }),
            user: Some(json!({})),
            ts: Some(now),
            v: None,
        };
        let started = self
            .trigger_runs(&cancelled, now, &mut outcome.commit)
            .await?;
        outcome.progress.extend(started);
        outcome.commit.events.push(StoredEvent {
            internal_id,
            event: cancelled,
            received_at: now,
        });
        Ok(())
    }
}

/// Whether a cancel entry of `function` matches `event` for `run`: same name,
/// within the timeout counted from the run's start, and the expression is
/// true with `event` = the run's trigger and `async` = the incoming event.
fn cancels(
    function: &FunctionRecord,
    run: &RunRecord,
    event: &Event,
    incoming: &Value,
    now: i64,
) -> bool {
    let trigger = run
        .events
        .first()
        .and_then(|first| serde_json::to_value(first).ok())
        .unwrap_or(Value::Null);
    function.cancel.iter().any(|entry| {
        let in_time = entry.timeout.as_deref().is_none_or(|timeout| {
            pause_until(timeout, run.started_at).is_ok_and(|until| now <= until)
        });
        entry.event == event.name
            && in_time
            && entry
                .expression
                .as_deref()
                .is_none_or(|text| expression_holds(text, &trigger, incoming))
    })
}

/// Appends the parts of `extra` that cancellation produces to `commit`.
fn merge(commit: &mut Commit, extra: Commit) {
    commit.new_runs.extend(extra.new_runs);
    commit.run_updates.extend(extra.run_updates);
    commit.resolve_waits.extend(extra.resolve_waits);
    commit.events.extend(extra.events);
    commit.drop_waits_of.extend(extra.drop_waits_of);
    commit.drop_jobs_of.extend(extra.drop_jobs_of);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(cancel: Value) -> Map<String, Value> {
        let Value::Object(map) = json!({ "cancel": cancel }) else {
            unreachable!("a JSON object literal")
        };
        map
    }

    #[test]
    fn reads_entries() {
        let entries = parse_cancel(
            "f",
            &config(json!([{"event": "cancel/please", "if": "async.data.id == event.data.id", "timeout": "1h"}])),
        )
        .expect("a valid entry");
        assert_eq!(entries[0].event, "cancel/please");
        assert_eq!(entries[0].timeout.as_deref(), Some("1h"));
    }

    #[test]
    fn timeout_counts_from_the_run_start() {
        let function = FunctionRecord {
            id: "app-fn".to_owned(),
            app_id: "app".to_owned(),
            name: "fn".to_owned(),
            triggers: Vec::new(),
            url: "http://127.0.0.1:1/api/inngest".to_owned(),
            retries: 0,
            failure_handler: None,
            concurrency: Vec::new(),
            cancel: vec![CancelTrigger {
                event: "stop".to_owned(),
                expression: Some("async.data.id == event.data.id".to_owned()),
                timeout: Some("10s".to_owned()),
            }],
        };
        let run = RunRecord::start(
            "r1".to_owned(),
            "app-fn".to_owned(),
            vec![Event::new("start", json!({"id": 1}))],
            1_000,
        );
        let stop = Event::new("stop", json!({"id": 1}));
        let incoming = serde_json::to_value(&stop).expect("an event serializes");

        assert!(
            cancels(&function, &run, &stop, &incoming, 11_000),
            "at the timeout"
        );
        assert!(
            !cancels(&function, &run, &stop, &incoming, 11_001),
            "after the timeout"
        );
        let other = Event::new("stop", json!({"id": 2}));
        let other_value = serde_json::to_value(&other).expect("an event serializes");
        assert!(
            !cancels(&function, &run, &other, &other_value, 2_000),
            "another id"
        );
    }

    #[test]
    fn rejects_invalid_entries() {
        let error = parse_cancel("f", &config(json!([{"if": "true"}]))).expect_err("no event");
        assert!(error.to_string().contains("no event name"), "{error}");

        let error = parse_cancel("f", &config(json!([{"event": "a", "timeout": "soon"}])))
            .expect_err("bad timeout");
        assert!(error.to_string().contains("soon"), "{error}");

        let six = json!([{"event": "a"}, {"event": "b"}, {"event": "c"}, {"event": "d"}, {"event": "e"}, {"event": "f"}]);
        let error = parse_cancel("f", &config(six)).expect_err("six entries");
        assert!(error.to_string().contains("maximum is 5"), "{error}");
    }
}
