//! The executor driving real functions over HTTP: each test serves an app
//! with `inngest::serve::router` on a loopback port and lets the executor run
//! it with an in-memory store.

mod executor_support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use executor_support::{GUARD, KEY, count, counter, finished_run, options, send, serve, start};
use inngest::executor::{Executor, ExecutorOptions, MemoryStore, RunProgress, RunStatus};
use inngest::serve::ServeConfig;
use inngest::signing::SigningKey;
use inngest::step_id::StepHash;
use inngest::{
    App, Context, Error, Function, FunctionFailed, RetryAfter, Step, Trigger, WaitForEvent,
};
use serde_json::{Value, json};
use tokio::sync::broadcast;

#[tokio::test]
async fn three_steps_signed_run_once_each() {
    let counters = [counter(), counter(), counter()];
    let bodies = counters.clone();
    let function = Function::builder("three")
        .trigger(Trigger::event("test/three"))
        .build(move |_ctx: Context<Value>, step: Step| {
            let [a, b, c] = bodies.clone();
            async move {
                let first: u32 = step
                    .run("first", || async move {
                        a.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, Error>(1)
                    })
                    .await?;
                let second: u32 = step
                    .run("second", || async move {
                        b.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, Error>(first + 1)
                    })
                    .await?;
                let third: u32 = step
                    .run("third", || async move {
                        c.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, Error>(second + 1)
                    })
                    .await?;
                Ok(json!({ "sum": first + second + third }))
            }
        });
    let key = SigningKey::parse(KEY).expect("valid key");
    let api = url::Url::parse("http://127.0.0.1:9/").expect("static URL");
    let url = serve(
        App::new("app").function(function),
        ServeConfig::cloud(key.clone(), api.clone(), api),
    )
    .await;
    let executor = Executor::new(
        Arc::new(MemoryStore::new()),
        ExecutorOptions {
            signing_key: Some(key),
            ..options()
        },
    );
    executor
        .sync_app(&url)
        .await
        .expect("signed in-band sync succeeds");
    let mut progress = executor.subscribe();
    let handle = executor.start();

    executor
        .send(send("test/three", json!({})))
        .await
        .expect("event accepted");
    let run = finished_run(&executor, &mut progress, "app-three").await;

    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.output, Some(json!({ "sum": 6 })));
    assert_eq!(run.request_version, 2);
    for (index, counter) in counters.iter().enumerate() {
        assert_eq!(count(counter), 1, "step {index} ran more than once");
    }
    let steps = executor
        .store()
        .steps(&run.id)
        .await
        .expect("steps readable");
    let hashes: Vec<String> = steps.iter().map(|entry| entry.hash.clone()).collect();
    assert_eq!(
        hashes,
        ["first", "second", "third"].map(|id| StepHash::of(id).to_string())
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn flaky_step_is_retried_then_completes() {
    let attempts = counter();
    let body = Arc::clone(&attempts);
    let function = Function::builder("flaky")
        .trigger(Trigger::event("test/flaky"))
        .build(move |_ctx: Context<Value>, step: Step| {
            let attempts = Arc::clone(&body);
            async move {
                let value: String = step
                    .run("flaky", || async move {
                        if attempts.fetch_add(1, Ordering::SeqCst) < 2 {
                            return Err(Error::new("upstream unavailable"));
                        }
                        Ok("done".to_owned())
                    })
                    .await?;
                Ok(json!({ "value": value }))
            }
        });
    let (executor, handle, mut progress) = start(App::new("app").function(function)).await;

    executor
        .send(send("test/flaky", json!({})))
        .await
        .expect("event accepted");
    let run = finished_run(&executor, &mut progress, "app-flaky").await;

    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.output, Some(json!({ "value": "done" })));
    assert_eq!(count(&attempts), 3);
    handle.shutdown().await;
}

#[tokio::test]
async fn failing_step_fails_run_and_runs_handler_once() {
    let handled = counter();
    let handler_count = Arc::clone(&handled);
    let function = Function::builder("doomed")
        .trigger(Trigger::event("test/doomed"))
        .retries(1)
        .on_failure(move |ctx: Context<FunctionFailed<Value>>, _step: Step| {
            let handled = Arc::clone(&handler_count);
            async move {
                handled.fetch_add(1, Ordering::SeqCst);
                Ok(json!({ "failed": ctx.event.data.function_id, "message": ctx.event.data.error.message }))
            }
        })
        .build(|_ctx: Context<Value>, step: Step| async move {
            step.run("broken", || async { Err::<(), _>(Error::new("always broken")) }).await?;
            Ok(json!("unreachable"))
        });
    let (executor, handle, mut progress) = start(App::new("app").function(function)).await;

    executor
        .send(send("test/doomed", json!({ "call_id": "c1" })))
        .await
        .expect("event accepted");
    let run = finished_run(&executor, &mut progress, "app-doomed").await;
    let failure = finished_run(&executor, &mut progress, "app-doomed-failure").await;

    assert_eq!(run.status, RunStatus::Failed, "{run:?}");
    assert_eq!(
        run.error.as_ref().and_then(|error| error.get("message")),
        Some(&json!("always broken"))
    );
    assert_eq!(failure.status, RunStatus::Completed, "{failure:?}");
    assert_eq!(
        failure.output,
        Some(json!({ "failed": "app-doomed", "message": "always broken" }))
    );
    assert_eq!(failure.events[0].data["run_id"], json!(run.id));
    assert_eq!(
        failure.events[0].data["event"]["data"],
        json!({ "call_id": "c1" })
    );
    handle.shutdown().await;
    assert_eq!(count(&handled), 1);
}

#[tokio::test]
async fn sleep_resumes_the_run() {
    let function = Function::builder("sleepy")
        .trigger(Trigger::event("test/sleepy"))
        .build(|_ctx: Context<Value>, step: Step| async move {
            let before: u32 = step.run("before", || async { Ok::<_, Error>(1) }).await?;
            step.sleep("nap", Duration::from_secs(1)).await?;
            let after: u32 = step
                .run("after", || async move { Ok::<_, Error>(before + 1) })
                .await?;
            Ok(json!({ "after": after }))
        });
    let (executor, handle, mut progress) = start(App::new("app").function(function)).await;

    executor
        .send(send("test/sleepy", json!({})))
        .await
        .expect("event accepted");
    let run = finished_run(&executor, &mut progress, "app-sleepy").await;

    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.output, Some(json!({ "after": 2 })));
    let steps = executor
        .store()
        .steps(&run.id)
        .await
        .expect("steps readable");
    let nap = steps
        .iter()
        .find(|entry| entry.hash == StepHash::of("nap").to_string())
        .expect("sleep memoized");
    assert_eq!(nap.value, Value::Null);
    handle.shutdown().await;
}

fn waiting_function(timeout: Duration) -> Function {
    Function::builder("waiter")
        .trigger(Trigger::event("test/wait"))
        .build(move |_ctx: Context<Value>, step: Step| async move {
            let wait = WaitForEvent::new("test/resume", timeout)
                .matching("async.data.id == event.data.id");
            let matched = step.wait_for_event::<Value>("approval", wait).await?;
            Ok(json!({ "matched": matched.map(|event| event.data) }))
        })
}

/// Waits until the run pauses at a step.
async fn until_waiting(progress: &mut broadcast::Receiver<RunProgress>) {
    tokio::time::timeout(GUARD, async {
        while !matches!(progress.recv().await, Ok(RunProgress::StepWaiting { .. })) {}
    })
    .await
    .expect("the run reached its wait");
}

#[tokio::test]
async fn wait_for_event_matches_only_its_event() {
    let (executor, handle, mut progress) =
        start(App::new("app").function(waiting_function(Duration::from_secs(60)))).await;

    executor
        .send(send("test/wait", json!({ "id": 7 })))
        .await
        .expect("event accepted");
    until_waiting(&mut progress).await;
    executor
        .send(send("test/resume", json!({ "id": 8, "note": "other run" })))
        .await
        .expect("event accepted");
    executor
        .send(send("test/resume", json!({ "id": 7, "note": "ours" })))
        .await
        .expect("event accepted");
    let run = finished_run(&executor, &mut progress, "app-waiter").await;

    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(
        run.output,
        Some(json!({ "matched": { "id": 7, "note": "ours" } }))
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn wait_for_event_times_out_with_null() {
    let (executor, handle, mut progress) =
        start(App::new("app").function(waiting_function(Duration::from_secs(1)))).await;

    executor
        .send(send("test/wait", json!({ "id": 1 })))
        .await
        .expect("event accepted");
    let run = finished_run(&executor, &mut progress, "app-waiter").await;

    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.output, Some(json!({ "matched": null })));
    handle.shutdown().await;
}

#[tokio::test]
async fn parallel_steps_run_once_each() {
    let counters = [counter(), counter(), counter(), counter()];
    let bodies = counters.clone();
    let function = Function::builder("fan")
        .trigger(Trigger::event("test/fan"))
        .build(move |_ctx: Context<Value>, step: Step| {
            let [a, b, c, d] = bodies.clone();
            async move {
                let one = step.run("one", || async move {
                    a.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, Error>(1u32)
                });
                let two = step.run("two", || async move {
                    b.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, Error>(2u32)
                });
                let three = step.run("three", || async move {
                    c.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, Error>(3u32)
                });
                let (one, two, three) = futures::join!(one, two, three);
                let sum = one? + two? + three?;
                let total: u32 = step
                    .run("total", || async move {
                        d.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, Error>(sum * 10)
                    })
                    .await?;
                Ok(json!({ "total": total }))
            }
        });
    let (executor, handle, mut progress) = start(App::new("app").function(function)).await;

    executor
        .send(send("test/fan", json!({})))
        .await
        .expect("event accepted");
    let run = finished_run(&executor, &mut progress, "app-fan").await;

    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.output, Some(json!({ "total": 60 })));
    for (index, counter) in counters.iter().enumerate() {
        assert_eq!(
            count(counter),
            1,
            "step {index} ran {} times",
            count(counter)
        );
    }
    assert!(
        !run.force_plan,
        "force-plan is reset after the parallel section"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn retry_after_delays_the_retry() {
    let attempts = counter();
    let body = Arc::clone(&attempts);
    let function = Function::builder("limited")
        .trigger(Trigger::event("test/limited"))
        .build(move |_ctx: Context<Value>, step: Step| {
            let attempts = Arc::clone(&body);
            async move {
                step.run("call-vendor", || async move {
                    if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
                        return Err(Error::retry_after(
                            "rate limited",
                            RetryAfter::Delay(Duration::from_secs(1)),
                        ));
                    }
                    Ok(())
                })
                .await?;
                Ok(json!("ok"))
            }
        });
    let (executor, handle, mut progress) = start(App::new("app").function(function)).await;

    executor
        .send(send("test/limited", json!({})))
        .await
        .expect("event accepted");
    let (failed_at, retry_at) = tokio::time::timeout(GUARD, async {
        loop {
            if let Ok(RunProgress::Retrying {
                failed_at,
                retry_at,
                ..
            }) = progress.recv().await
            {
                return (failed_at, retry_at);
            }
        }
    })
    .await
    .expect("the step was retried");
    let run = finished_run(&executor, &mut progress, "app-limited").await;

    assert!(
        retry_at - failed_at >= 1000,
        "retry scheduled {} ms later, not after Retry-After",
        retry_at - failed_at
    );
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(count(&attempts), 2);
    handle.shutdown().await;
}
