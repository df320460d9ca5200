//! Concurrency limits and cancellation in the executor, driven over HTTP
//! against functions served on a loopback port with an in-memory store.

mod executor_support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use executor_support::{GUARD, count, counter, send, start};
use inngest::executor::{Executor, RunProgress, RunRecord, RunStatus};
use inngest::function::{Cancel, Concurrency, FlowControl};
use inngest::{App, Context, Error, Function, Step, Trigger};
use serde_json::{Value, json};
use tokio::sync::broadcast;

/// Step bodies in flight right now and the most seen at once.
#[derive(Default)]
struct Overlap {
    active: AtomicUsize,
    max: AtomicUsize,
}

impl Overlap {
    fn enter(&self) {
        let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.active.fetch_sub(1, Ordering::SeqCst);
    }

    fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

/// A function limited to one call per `event.data.call_id`. Each of its two
/// steps runs `body` between entering and leaving `overlap`.
fn limited<F, Fut>(overlap: Arc<Overlap>, body: F) -> Function
where
    F: Fn(Arc<Overlap>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    Function::builder("limited")
        .trigger(Trigger::event("test/limited"))
        .flow_control(FlowControl::new().concurrency(Concurrency::new(1).key("event.data.call_id")))
        .build(move |_ctx: Context<Value>, step: Step| {
            let overlap = Arc::clone(&overlap);
            let body = body.clone();
            async move {
                for name in ["first", "second"] {
                    let overlap = Arc::clone(&overlap);
                    let body = body.clone();
                    let _: String = step
                        .run(name, || async move {
                            overlap.enter();
                            body(Arc::clone(&overlap)).await;
                            overlap.leave();
                            Ok::<_, Error>(name.to_owned())
                        })
                        .await?;
                }
                Ok(json!({ "done": true }))
            }
        })
}

/// Waits until `runs` runs have ended and returns their ids.
async fn ended_runs(
    progress: &mut broadcast::Receiver<RunProgress>,
    runs: usize,
) -> HashSet<String> {
    tokio::time::timeout(GUARD, async {
        let mut ended = HashSet::new();
        while ended.len() < runs {
            match progress.recv().await.expect("progress channel open") {
                RunProgress::RunCompleted { run_id, .. }
                | RunProgress::RunFailed { run_id, .. }
                | RunProgress::RunCancelled { run_id, .. } => {
                    ended.insert(run_id);
                }
                _ => {}
            }
        }
        ended
    })
    .await
    .unwrap_or_else(|_| panic!("fewer than {runs} runs ended"))
}

async fn stored(executor: &Executor, run_id: &str) -> RunRecord {
    executor
        .run(run_id)
        .await
        .expect("store readable")
        .expect("run stored")
}

#[tokio::test]
async fn same_key_runs_never_overlap() {
    let overlap = Arc::new(Overlap::default());
    // Each body yields for a while, so a second call of the key would be
    // inside a body at the same time if the executor let it start.
    let function = limited(Arc::clone(&overlap), |_| async {
        tokio::time::sleep(Duration::from_millis(30)).await;
    });
    let (executor, handle, mut progress) = start(App::new("app").function(function)).await;

    let events = (0..3)
        .flat_map(|_| send("test/limited", json!({ "call_id": "c1" })))
        .collect();
    executor.send(events).await.expect("events accepted");
    let ended = ended_runs(&mut progress, 3).await;

    for run_id in &ended {
        let run = stored(&executor, run_id).await;
        assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    }
    assert_eq!(overlap.max(), 1, "two calls of one key ran at once");
    handle.shutdown().await;
}

#[tokio::test]
async fn different_keys_run_concurrently() {
    let overlap = Arc::new(Overlap::default());
    // Each first body waits until another body is in flight too; a limit
    // that wrongly covered both keys would leave it waiting until the guard.
    let function = limited(Arc::clone(&overlap), |overlap: Arc<Overlap>| async move {
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            while overlap.max() < 2 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
    });
    let (executor, handle, mut progress) = start(App::new("app").function(function)).await;

    let events = ["c1", "c2"]
        .into_iter()
        .flat_map(|call_id| send("test/limited", json!({ "call_id": call_id })))
        .collect();
    executor.send(events).await.expect("events accepted");
    let ended = ended_runs(&mut progress, 2).await;

    for run_id in &ended {
        let run = stored(&executor, run_id).await;
        assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    }
    assert_eq!(overlap.max(), 2, "calls of different keys did not overlap");
    handle.shutdown().await;
}

#[tokio::test]
async fn function_limit_queues_every_run() {
    let overlap = Arc::new(Overlap::default());
    let order = Arc::new(Mutex::new(Vec::new()));
    let (bodies, log) = (Arc::clone(&overlap), Arc::clone(&order));
    let function = Function::builder("single")
        .trigger(Trigger::event("test/single"))
        .flow_control(FlowControl::new().concurrency(1))
        .build(move |ctx: Context<Value>, step: Step| {
            let (overlap, log) = (Arc::clone(&bodies), Arc::clone(&log));
            async move {
                let n = ctx.event.data["n"].as_u64().unwrap_or_default();
                step.run("work", || async move {
                    overlap.enter();
                    log.lock().expect("log lock").push(format!("start {n}"));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    log.lock().expect("log lock").push(format!("end {n}"));
                    overlap.leave();
                    Ok::<_, Error>(n)
                })
                .await?;
                Ok(json!({ "n": n }))
            }
        });
    let (executor, handle, mut progress) = start(App::new("app").function(function)).await;

    let events = (0..4)
        .flat_map(|n| send("test/single", json!({ "n": n })))
        .collect();
    executor.send(events).await.expect("events accepted");
    ended_runs(&mut progress, 4).await;

    assert_eq!(overlap.max(), 1, "a function limit of 1 let two calls run");
    let order = order.lock().expect("log lock").clone();
    for pair in order.chunks(2) {
        let started = pair[0].strip_prefix("start ").expect("a start entry");
        assert_eq!(pair[1], format!("end {started}"), "{order:?}");
    }
    handle.shutdown().await;
}

/// A function that sleeps between two steps and is cancelled by
/// `test/cancel` events with the same `id`.
fn cancellable(after_sleep: Arc<AtomicUsize>) -> Function {
    Function::builder("cancellable")
        .trigger(Trigger::event("test/start"))
        .flow_control(
            FlowControl::new()
                .cancel_on(Cancel::new("test/cancel").expression("async.data.id == event.data.id")),
        )
        .build(move |_ctx: Context<Value>, step: Step| {
            let after_sleep = Arc::clone(&after_sleep);
            async move {
                step.run("before", || async { Ok::<_, Error>(1) }).await?;
                step.sleep("nap", Duration::from_secs(60)).await?;
                step.run("after", || async move {
                    after_sleep.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, Error>(2)
                })
                .await?;
                Ok(json!({ "finished": true }))
            }
        })
}

/// A function that records each `inngest/function.cancelled` event.
fn cancel_listener(seen: Arc<Mutex<Vec<Value>>>) -> Function {
    Function::builder("on-cancel")
        .trigger(Trigger::event("inngest/function.cancelled"))
        .build(move |ctx: Context<Value>, _step: Step| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock().expect("seen lock").push(ctx.event.data.clone());
                Ok(json!({ "seen": true }))
            }
        })
}

#[tokio::test]
async fn matching_event_cancels_a_sleeping_run() {
    let after_sleep = counter();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = App::new("app")
        .function(cancellable(Arc::clone(&after_sleep)))
        .function(cancel_listener(Arc::clone(&seen)));
    let (executor, handle, mut progress) = start(app).await;

    executor
        .send(send("test/start", json!({ "id": 1 })))
        .await
        .expect("event accepted");
    let run_id = tokio::time::timeout(GUARD, async {
        loop {
            if let Ok(RunProgress::StepWaiting { run_id, .. }) = progress.recv().await {
                return run_id;
            }
        }
    })
    .await
    .expect("the run reached its sleep");

    // Cancellation is applied while the event is sent, so the run's state
    // can be read as soon as `send` returns.
    executor
        .send(send("test/cancel", json!({ "id": 2 })))
        .await
        .expect("event accepted");
    let run = stored(&executor, &run_id).await;
    assert_eq!(
        run.status,
        RunStatus::Running,
        "another id cancelled the run"
    );

    executor
        .send(send("test/cancel", json!({ "id": 1 })))
        .await
        .expect("event accepted");
    let run = stored(&executor, &run_id).await;
    assert_eq!(run.status, RunStatus::Cancelled, "{run:?}");
    assert!(run.ended_at.is_some());
    let queued = executor
        .store()
        .queued_jobs(&run_id)
        .await
        .expect("jobs readable");
    assert!(queued.is_empty(), "jobs left after cancel: {queued:?}");

    let listener = tokio::time::timeout(GUARD, async {
        loop {
            match progress.recv().await.expect("progress channel open") {
                RunProgress::RunCompleted { function_id, .. } if function_id == "app-on-cancel" => {
                    return;
                }
                _ => {}
            }
        }
    })
    .await;
    assert!(listener.is_ok(), "the cancelled event started no run");
    let seen = seen.lock().expect("seen lock").clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["run_id"], json!(run_id));
    assert_eq!(seen[0]["function_id"], json!("app-cancellable"));

    let steps = executor
        .store()
        .steps(&run_id)
        .await
        .expect("steps readable");
    assert_eq!(steps.len(), 1, "only the step before the sleep is memoized");
    assert_eq!(count(&after_sleep), 0, "a step ran after the cancel");
    handle.shutdown().await;
}

#[tokio::test]
async fn cancel_progress_is_broadcast() {
    let app = App::new("app").function(cancellable(counter()));
    let (executor, handle, mut progress) = start(app).await;

    executor
        .send(send("test/start", json!({ "id": "a" })))
        .await
        .expect("event accepted");
    tokio::time::timeout(GUARD, async {
        while !matches!(progress.recv().await, Ok(RunProgress::StepWaiting { .. })) {}
    })
    .await
    .expect("the run reached its sleep");
    executor
        .send(send("test/cancel", json!({ "id": "a" })))
        .await
        .expect("event accepted");

    let cancelled = tokio::time::timeout(GUARD, async {
        loop {
            if let Ok(RunProgress::RunCancelled {
                function_id, event, ..
            }) = progress.recv().await
            {
                return (function_id, event);
            }
        }
    })
    .await
    .expect("a cancel was broadcast");
    assert_eq!(cancelled.0, "app-cancellable");
    assert_eq!(cancelled.1, "test/cancel");
    handle.shutdown().await;
}
