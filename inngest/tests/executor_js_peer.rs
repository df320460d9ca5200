//! The executor running the official JavaScript SDK's app (`tests/peers/js`)
//! end to end: it syncs the app in band and drives its functions through
//! events, then compares each run's status, output and memoized steps with
//! what the function defines.
//!
//! The peer runs in cloud mode with the executor's signing key, so every call
//! and the sync are signed and verified. `INNGEST_BASE_URL` points the peer at
//! the executor's own API, so `step.sendEvent` posts to its `/e/{key}`. Dev
//! mode would skip signatures, so it would test less of the protocol.

mod common;
mod executor_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::peer;
use executor_support::{GUARD, KEY, options, send, serve};
use inngest::executor::{Executor, JobKind, MemoryStore, RunProgress, RunRecord, RunStatus};
use inngest::serve::ServeConfig;
use inngest::signing::SigningKey;
use inngest::{App, Context, Function, Step, Trigger};
use serde_json::{Value, json};

/// App id the peer registers; function ids are prefixed with it.
const APP: &str = "call-insights";

/// How often the test polls the store while it waits for a run.
const POLL: Duration = Duration::from_millis(25);

/// The executor with its API on a loopback port, and every progress change
/// it broadcast.
struct Harness {
    executor: Executor,
    api: String,
    progress: Arc<Mutex<Vec<RunProgress>>>,
}

impl Harness {
    async fn start() -> Self {
        let key = SigningKey::parse(KEY).expect("valid key");
        let executor = Executor::new(
            Arc::new(MemoryStore::new()),
            inngest::executor::ExecutorOptions {
                signing_key: Some(key),
                ..options()
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let api = format!(
            "http://{}",
            listener.local_addr().expect("listener address")
        );
        let router = executor.router();
        tokio::spawn(async move { axum::serve(listener, router).await });

        let progress = Arc::new(Mutex::new(Vec::new()));
        let mut receiver = executor.subscribe();
        let log = Arc::clone(&progress);
        tokio::spawn(async move {
            while let Ok(change) = receiver.recv().await {
                log.lock().expect("progress lock").push(change);
            }
        });
        Self {
            executor,
            api,
            progress,
        }
    }

    /// Waits until a run of `function` whose trigger data has `field ==
    /// value` exists and satisfies `done`, and returns it.
    async fn run_where(
        &self,
        function: &str,
        field: &str,
        value: &Value,
        done: impl Fn(&RunRecord) -> bool,
    ) -> RunRecord {
        let function_id = format!("{APP}-{function}");
        let found = tokio::time::timeout(GUARD, async {
            loop {
                let runs = self
                    .executor
                    .store()
                    .runs(Some(&function_id))
                    .await
                    .expect("store readable");
                let run = runs.into_iter().find(|run| {
                    run.events
                        .first()
                        .is_some_and(|event| &event.data[field] == value)
                        && done(run)
                });
                if let Some(run) = run {
                    return run;
                }
                tokio::time::sleep(POLL).await;
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no run of {function_id} with {field} = {value} in time"))
    }

    /// Waits until that run has ended.
    async fn ended(&self, function: &str, field: &str, value: Value) -> RunRecord {
        self.run_where(function, field, &value, |run| run.status.is_final())
            .await
    }

    async fn step_count(&self, run: &RunRecord) -> usize {
        self.executor
            .store()
            .steps(&run.id)
            .await
            .expect("steps readable")
            .len()
    }

    /// Counts the progress changes of an ended run that `select` keeps. The
    /// log is filled by a task that may lag behind the store, so this first
    /// waits for the change that ended the run; the channel keeps order, so
    /// every earlier change of the run is logged by then.
    async fn count(&self, run: &RunRecord, select: impl Fn(&RunProgress) -> bool) -> usize {
        let matching = |select: &dyn Fn(&RunProgress) -> bool| {
            let progress = self.progress.lock().expect("progress lock");
            progress
                .iter()
                .filter(|change| change.run_id() == run.id && select(change))
                .count()
        };
        let ended = |change: &RunProgress| {
            matches!(
                change,
                RunProgress::RunCompleted { .. }
                    | RunProgress::RunFailed { .. }
                    | RunProgress::RunCancelled { .. }
            )
        };
        let logged = tokio::time::timeout(GUARD, async {
            while matching(&ended) == 0 {
                tokio::time::sleep(POLL).await;
            }
        })
        .await;
        assert!(
            logged.is_ok(),
            "the end of run {} was not broadcast",
            run.id
        );
        matching(&select)
    }
}

/// A Rust function in a second app that records `inngest/function.failed`
/// for the peer's `step-throws`, which has no failure handler of its own.
fn failure_observer() -> Function {
    let condition = format!("event.data.function_id == '{APP}-step-throws'");
    Function::builder("observe-failure")
        .trigger(Trigger::event_if("inngest/function.failed", condition))
        .build(|ctx: Context<Value>, _step: Step| async move {
            Ok(json!({
                "failed_function": ctx.event.data["function_id"],
                "message": ctx.event.data["error"]["message"],
            }))
        })
}

#[tokio::test]
async fn javascript_app_runs_to_completion() {
    let harness = Harness::start().await;
    let Some(peer) = peer::start(&[
        ("INNGEST_SIGNING_KEY", KEY),
        ("INNGEST_BASE_URL", harness.api.as_str()),
        ("INNGEST_EVENT_KEY", "peer-event-key"),
    ])
    .await
    else {
        return;
    };
    let executor = &harness.executor;
    let registration = executor
        .sync_app(&peer.url)
        .await
        .expect("the JavaScript app syncs in band");
    assert_eq!(registration.app.id, APP);
    let key = SigningKey::parse(KEY).expect("valid key");
    let api = url::Url::parse(&harness.api).expect("API URL");
    let observer_url = serve(
        App::new("observer").function(failure_observer()),
        ServeConfig::cloud(key, api.clone(), api),
    )
    .await;
    executor
        .sync_app(&observer_url)
        .await
        .expect("the observer app syncs");
    let workers = executor.start();

    let events = [
        send(
            "insights/start",
            json!({"call_id": "c1", "job_id": "j1", "account_id": "acc_1"}),
        ),
        send("calls/uploaded", json!({"call_id": "c2"})),
        send("tests/retry.test", json!({"case": "retry"})),
        send("tests/step.test", json!({"case": "sleep"})),
        send("tests/wait.test", json!({"id": 42})),
        send("tests/cancel.test", json!({"request_id": "r1"})),
        send("lab/run", json!({"call_id": "lab-1"})),
    ];
    executor
        .send(events.into_iter().flatten().collect())
        .await
        .expect("events accepted");

    // Serial steps: fetch, analyze and save, each memoized once.
    let insights = harness
        .ended("generate-call-insights", "call_id", json!("c1"))
        .await;
    assert_eq!(insights.status, RunStatus::Completed, "{insights:?}");
    assert_eq!(
        insights.output,
        Some(json!({"call_id": "c1", "sentiment": "positive", "insight_id": "ins_001"}))
    );
    assert_eq!(harness.step_count(&insights).await, 3);

    // Three steps and a sendEvent whose event reaches the executor's API and
    // starts the insights job of the same call.
    let transcribe = harness
        .ended("transcribe-call", "call_id", json!("c2"))
        .await;
    assert_eq!(transcribe.status, RunStatus::Completed, "{transcribe:?}");
    let output = transcribe.output.clone().expect("an output");
    assert_eq!(output["transcript_id"], json!("tr_c2"));
    assert_eq!(output["words"], json!(4));
    assert_eq!(
        output["insights_event_ids"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(harness.step_count(&transcribe).await, 4);
    let chained = harness
        .ended("generate-call-insights", "call_id", json!("c2"))
        .await;
    assert_eq!(chained.status, RunStatus::Completed, "{chained:?}");
    assert_eq!(chained.events[0].id.as_deref(), Some("insights-c2"));

    // The step fails at attempt 0 and the body at the next call's attempt 0,
    // so two retries, and one step memoized.
    let retry = harness
        .ended("test-suite-retry-test", "case", json!("retry"))
        .await;
    assert_eq!(retry.status, RunStatus::Completed, "{retry:?}");
    assert_eq!(
        retry.output,
        Some(json!({"name": "tests/retry.test", "body": "ok"}))
    );
    assert_eq!(harness.step_count(&retry).await, 1);
    let retries = harness
        .count(&retry, |change| {
            matches!(change, RunProgress::Retrying { .. })
        })
        .await;
    assert_eq!(retries, 2);

    // A step, a 2 s sleep and a step: three memoized entries.
    let sleeper = harness
        .ended("test-suite-step-test", "case", json!("sleep"))
        .await;
    assert_eq!(sleeper.status, RunStatus::Completed, "{sleeper:?}");
    assert_eq!(
        sleeper.output,
        Some(json!({"name": "tests/step.test", "body": "ok"}))
    );
    assert_eq!(harness.step_count(&sleeper).await, 3);

    // The wait resolves with the matching event only.
    tokio::time::timeout(GUARD, async {
        while executor
            .store()
            .waits_for_event("test/resume")
            .await
            .expect("waits readable")
            .is_empty()
        {
            tokio::time::sleep(POLL).await;
        }
    })
    .await
    .expect("the run reached its wait");
    let resume = vec![
        send("test/resume", json!({"resume": true, "id": 41})),
        send("test/resume", json!({"resume": true, "id": 42})),
    ];
    executor
        .send(resume.into_iter().flatten().collect())
        .await
        .expect("events accepted");
    let waiter = harness
        .ended("test-suite-wait-for-event", "id", json!(42))
        .await;
    assert_eq!(waiter.status, RunStatus::Completed, "{waiter:?}");
    assert_eq!(
        waiter.output,
        Some(json!({"result": {"resume": true, "id": 42}}))
    );
    assert_eq!(harness.step_count(&waiter).await, 1);

    // Two planned branches, then `c`.
    let parallel = harness.ended("parallel", "call_id", json!("lab-1")).await;
    assert_eq!(parallel.status, RunStatus::Completed, "{parallel:?}");
    assert_eq!(parallel.output, Some(json!({"c": 3})));
    assert_eq!(harness.step_count(&parallel).await, 3);

    let plain = harness.ended("no-steps", "call_id", json!("lab-1")).await;
    assert_eq!(plain.output, Some(json!({"hello": "world"})));

    // Four attempts (retries: 3), then the error is memoized and the run fails.
    let throws = harness
        .ended("step-throws", "call_id", json!("lab-1"))
        .await;
    assert_eq!(throws.status, RunStatus::Failed, "{throws:?}");
    assert_eq!(harness.step_count(&throws).await, 1);
    let retries = harness
        .count(&throws, |change| {
            matches!(change, RunProgress::Retrying { .. })
        })
        .await;
    assert_eq!(retries, 3);
    let observed = tokio::time::timeout(GUARD, async {
        loop {
            let runs = executor
                .store()
                .runs(Some("observer-observe-failure"))
                .await
                .expect("store readable");
            if let Some(run) = runs.into_iter().find(|run| run.status.is_final()) {
                return run;
            }
            tokio::time::sleep(POLL).await;
        }
    })
    .await
    .expect("inngest/function.failed started the observer");
    assert_eq!(observed.status, RunStatus::Completed, "{observed:?}");
    let output = observed.output.expect("an output");
    assert_eq!(
        output["failed_function"],
        json!("call-insights-step-throws")
    );
    assert_eq!(output["message"], json!("upstream timeout"));

    // The sleeping run is cancelled by its own request id only.
    let sleeping = harness
        .run_where("test-suite-cancel-test", "request_id", &json!("r1"), |_| {
            true
        })
        .await;
    tokio::time::timeout(GUARD, async {
        loop {
            let jobs = executor
                .store()
                .queued_jobs(&sleeping.id)
                .await
                .expect("jobs readable");
            if jobs.iter().any(|job| job.kind == JobKind::Timer) {
                return;
            }
            tokio::time::sleep(POLL).await;
        }
    })
    .await
    .expect("the run reached its sleep");
    executor
        .send(send("cancel/please", json!({"request_id": "other"})))
        .await
        .expect("event accepted");
    let still = executor.run(&sleeping.id).await.expect("readable");
    assert_eq!(still.map(|run| run.status), Some(RunStatus::Running));
    executor
        .send(send("cancel/please", json!({"request_id": "r1"})))
        .await
        .expect("event accepted");
    let cancelled = executor
        .run(&sleeping.id)
        .await
        .expect("readable")
        .expect("stored");
    assert_eq!(cancelled.status, RunStatus::Cancelled, "{cancelled:?}");
    assert_eq!(cancelled.output, None);
    assert_eq!(harness.step_count(&cancelled).await, 0);
    let queued = executor
        .store()
        .queued_jobs(&cancelled.id)
        .await
        .expect("jobs readable");
    assert!(queued.is_empty(), "{queued:?}");
    let announced = harness
        .count(&cancelled, |change| {
            matches!(change, RunProgress::RunCancelled { .. })
        })
        .await;
    assert_eq!(announced, 1);

    workers.abort();
}
