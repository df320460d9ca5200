//! The executor's HTTP API, invoke, restart recovery and signature checks.

mod executor_support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Bytes;
use axum::routing::post;
use executor_support::{
    GUARD, KEY, count, counter, dev_config, finished_run, options, send, serve, start,
};
use inngest::executor::{Executor, ExecutorOptions, ExecutorStore, MemoryStore, RunStatus};
use inngest::serve::ServeConfig;
use inngest::signing::SigningKey;
use inngest::step_id::StepHash;
use inngest::wire::CallRequest;
use inngest::{App, Context, Error, Function, Step, Trigger};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// Serves the executor API on a loopback port and returns its base URL.
async fn serve_api(executor: &Executor) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let port = listener.local_addr().expect("listener address").port();
    let router = executor.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://127.0.0.1:{port}")
}

fn doubler() -> Function {
    Function::builder("double").build(|ctx: Context<Value>, step: Step| async move {
        let n = ctx.event.data["n"].as_u64().unwrap_or_default();
        let doubled: u64 = step
            .run("double", || async move { Ok::<_, Error>(n * 2) })
            .await?;
        Ok(json!(doubled))
    })
}

/// A parent written against the wire protocol, since the step API has no
/// invoke: it requests an invoke, then returns the memoized result.
async fn invoking_parent(body: Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    let request: CallRequest = serde_json::from_slice(&body).expect("a call request");
    let hash = StepHash::of("call-double").to_string();
    let headers = [
        ("x-inngest-sdk", "test:v0"),
        ("x-inngest-req-version", "2"),
        ("content-type", "application/json"),
    ];
    if let Some(memo) = request.steps.get(&hash) {
        return (
            http::StatusCode::OK,
            headers,
            json!({ "child": memo }).to_string(),
        )
            .into_response();
    }
    let op = json!([{
        "id": hash, "op": "InvokeFunction", "name": "call-double",
        "opts": { "function_id": "app-double", "payload": { "data": { "n": 21 } }, "timeout": "1m" },
    }]);
    (http::StatusCode::PARTIAL_CONTENT, headers, op.to_string()).into_response()
}

#[tokio::test]
async fn invoke_returns_child_output() {
    let (executor, handle, mut progress) = start(App::new("app").function(doubler())).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let port = listener.local_addr().expect("listener address").port();
    tokio::spawn(async move {
        axum::serve(
            listener,
            axum::Router::new().route("/parent", post(invoking_parent)),
        )
        .await
    });
    let parent = json!({
        "appName": "parent-app", "url": format!("http://127.0.0.1:{port}/parent"),
        "functions": [{ "id": "parent-app-parent", "name": "parent", "triggers": [{ "event": "test/invoke" }],
            "steps": { "step": { "id": "step", "name": "step",
                "runtime": { "type": "http", "url": format!("http://127.0.0.1:{port}/parent?fnId=parent-app-parent&stepId=step") } } } }],
    });
    executor.register(&parent).await.expect("parent registers");

    executor
        .send(send("test/invoke", json!({})))
        .await
        .expect("event accepted");
    let run = finished_run(&executor, &mut progress, "parent-app-parent").await;

    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.output, Some(json!({ "child": { "data": 42 } })));
    handle.shutdown().await;
}

#[tokio::test]
async fn restart_finishes_run_after_lease_expires() {
    let entered = Arc::new(Notify::new());
    let (first, second) = (counter(), counter());
    let (entered_body, first_body, second_body) = (
        Arc::clone(&entered),
        Arc::clone(&first),
        Arc::clone(&second),
    );
    let function = Function::builder("durable")
        .trigger(Trigger::event("test/durable"))
        .build(move |_ctx: Context<Value>, step: Step| {
            let (entered, first, second) = (
                Arc::clone(&entered_body),
                Arc::clone(&first_body),
                Arc::clone(&second_body),
            );
            async move {
                step.run("slow", || async move {
                    if first.fetch_add(1, Ordering::SeqCst) == 0 {
                        // The first executor stops while this call is in flight.
                        entered.notify_one();
                        std::future::pending::<()>().await;
                    }
                    Ok::<_, Error>(())
                })
                .await?;
                step.run("next", || async move {
                    second.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, Error>(())
                })
                .await?;
                Ok(json!("recovered"))
            }
        });
    let url = serve(App::new("app").function(function), dev_config()).await;
    let store: Arc<dyn ExecutorStore> = Arc::new(MemoryStore::new());
    let short_lease = ExecutorOptions {
        lease: Duration::from_millis(300),
        ..options()
    };
    let crashed = Executor::new(Arc::clone(&store), short_lease.clone());
    crashed.sync_app(&url).await.expect("in-band sync succeeds");
    let crashed_workers = crashed.start();
    crashed
        .send(send("test/durable", json!({})))
        .await
        .expect("event accepted");
    tokio::time::timeout(GUARD, entered.notified())
        .await
        .expect("the first call reached the step");
    crashed_workers.abort();

    let restarted = Executor::new(store, short_lease);
    let mut progress = restarted.subscribe();
    let handle = restarted.start();
    let run = finished_run(&restarted, &mut progress, "app-durable").await;

    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    assert_eq!(run.output, Some(json!("recovered")));
    assert_eq!(
        count(&first),
        2,
        "the interrupted step runs again after the restart"
    );
    assert_eq!(count(&second), 1);
    handle.shutdown().await;
}

#[tokio::test]
async fn wrong_signing_key_never_runs_the_body() {
    let ran = counter();
    let body = Arc::clone(&ran);
    let function = Function::builder("guarded")
        .trigger(Trigger::event("test/guarded"))
        .retries(1)
        .build(move |_ctx: Context<Value>, _step: Step| {
            let ran = Arc::clone(&body);
            async move {
                ran.fetch_add(1, Ordering::SeqCst);
                Ok(json!("ran"))
            }
        });
    let app_key = SigningKey::parse(KEY).expect("valid key");
    let api = url::Url::parse("http://127.0.0.1:9/").expect("static URL");
    let url = serve(
        App::new("app").function(function),
        ServeConfig::cloud(app_key, api.clone(), api),
    )
    .await;
    let other_key = SigningKey::parse("signkey-test-0123456789abcdef").expect("valid key");
    let executor = Executor::new(
        Arc::new(MemoryStore::new()),
        ExecutorOptions {
            signing_key: Some(other_key),
            ..options()
        },
    );
    let sync = executor.sync_app(&url).await;
    assert!(
        sync.is_err(),
        "an in-band sync signed with another key is rejected"
    );
    executor
        .register(&json!({
            "appName": "app", "url": url,
            "functions": [{ "id": "app-guarded", "name": "guarded", "triggers": [{ "event": "test/guarded" }],
                "steps": { "step": { "id": "step", "name": "step", "retries": { "attempts": 1 },
                    "runtime": { "type": "http", "url": format!("{url}?fnId=app-guarded&stepId=step") } } } }],
        }))
        .await
        .expect("registers");
    let mut progress = executor.subscribe();
    let handle = executor.start();

    executor
        .send(send("test/guarded", json!({})))
        .await
        .expect("event accepted");
    let run = finished_run(&executor, &mut progress, "app-guarded").await;

    assert_eq!(run.status, RunStatus::Failed, "{run:?}");
    assert_eq!(count(&ran), 0);
    handle.shutdown().await;
}

#[tokio::test]
async fn register_rejects_bad_bearer_token() {
    let key = SigningKey::parse(KEY).expect("valid key");
    let executor = Executor::new(
        Arc::new(MemoryStore::new()),
        ExecutorOptions {
            signing_key: Some(key.clone()),
            ..options()
        },
    );
    let base = serve_api(&executor).await;
    let payload = json!({ "appName": "app", "url": "http://127.0.0.1:1/api/inngest", "functions": [{
        "id": "app-x", "name": "x", "triggers": [{ "event": "test/x" }],
        "steps": { "step": { "id": "step", "name": "step", "runtime": { "type": "http", "url": "http://127.0.0.1:1/api/inngest?fnId=app-x&stepId=step" } } } }] });
    let client = reqwest::Client::new();

    let rejected = client
        .post(format!("{base}/fn/register"))
        .bearer_auth("signkey-test-00ff")
        .json(&payload)
        .send()
        .await
        .expect("request sent");
    assert_eq!(rejected.status(), 401);
    assert!(
        executor
            .store()
            .functions()
            .await
            .expect("store readable")
            .is_empty()
    );
    executor
        .send(send("test/x", json!({})))
        .await
        .expect("event accepted");
    assert!(
        executor
            .store()
            .runs(None)
            .await
            .expect("store readable")
            .is_empty(),
        "no run starts"
    );

    let accepted = client
        .post(format!("{base}/fn/register"))
        .bearer_auth(key.hashed())
        .json(&payload)
        .send()
        .await
        .expect("request sent");
    assert_eq!(accepted.status(), 200);
    let body: Value = accepted.json().await.expect("JSON reply");
    assert_eq!(
        body,
        json!({ "ok": true, "modified": true, "app_id": "app" })
    );
}

#[tokio::test]
async fn sdk_registers_and_events_start_runs_over_http() {
    let executor = Executor::new(Arc::new(MemoryStore::new()), options());
    let base = serve_api(&executor).await;
    let function = Function::builder("greet")
        .trigger(Trigger::event_if(
            "test/greet",
            "event.data.lang == 'en' && event.data.count > 1",
        ))
        .build(|ctx: Context<Value>, step: Step| async move {
            let greeting: String = step
                .run("greet", || async move {
                    Ok::<_, Error>(format!("hello {}", ctx.event.data["name"]))
                })
                .await?;
            Ok(json!(greeting))
        });
    let url = serve(
        App::new("app").function(function),
        ServeConfig::dev(url::Url::parse(&base).expect("valid URL")),
    )
    .await;
    let client = reqwest::Client::new();
    let sync = client.put(&url).send().await.expect("sync PUT sent");
    assert_eq!(
        sync.status(),
        200,
        "{}",
        sync.text().await.unwrap_or_default()
    );
    let mut progress = executor.subscribe();
    let handle = executor.start();

    let reply = client
        .post(format!("{base}/e/test-key"))
        .json(&json!([
            { "name": "test/greet", "data": { "lang": "fr", "count": 2, "name": "skipped" } },
            { "name": "test/greet", "data": { "lang": "en", "count": 2, "name": "ada" }, "id": "greet-1" },
        ]))
        .send()
        .await
        .expect("events sent");
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.expect("JSON reply");
    assert_eq!(body["ids"].as_array().map(Vec::len), Some(2));
    let run = finished_run(&executor, &mut progress, "app-greet").await;

    assert_eq!(run.output, Some(json!("hello \"ada\"")));
    let batch: Value = client
        .get(format!("{base}/v0/runs/{}/batch", run.id))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(batch[0]["id"], json!("greet-1"));
    let actions: Value = client
        .get(format!("{base}/v0/runs/{}/actions", run.id))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        actions[StepHash::of("greet").as_str()],
        json!({ "data": "hello \"ada\"" })
    );

    let duplicate = json!({ "name": "test/greet", "data": { "lang": "en", "count": 5, "name": "again" }, "id": "greet-1" });
    let reply = client
        .post(format!("{base}/e/test-key"))
        .json(&duplicate)
        .send()
        .await
        .expect("event sent");
    assert_eq!(reply.status(), 200);
    assert_eq!(
        executor
            .store()
            .runs(None)
            .await
            .expect("store readable")
            .len(),
        1,
        "a repeated event id starts no run"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn event_api_rejects_bad_input() {
    let executor = Executor::new(Arc::new(MemoryStore::new()), options());
    let base = serve_api(&executor).await;
    let client = reqwest::Client::new();

    for (body, expected) in [
        ("not json", "not JSON"),
        ("42", "event object"),
        (r#"{"data": {}}"#, "name"),
        (r#"{"name": "", "data": {}}"#, "empty `name`"),
        (r#"[{"name": "a", "data": [1]}]"#, "not an object"),
    ] {
        let reply = client
            .post(format!("{base}/e/key"))
            .body(body)
            .send()
            .await
            .expect("request sent");
        assert_eq!(reply.status(), 400, "{body}");
        let reply: Value = reply.json().await.expect("JSON error");
        let error = reply["error"].as_str().unwrap_or_default();
        assert!(error.contains(expected), "{body}: {error}");
    }
    let health: Value = client
        .get(format!("{base}/health"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(health, json!({ "status": 200, "message": "OK" }));
}
