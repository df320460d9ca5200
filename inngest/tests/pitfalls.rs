//! Failures other Inngest SDKs shipped, each replayed against this crate.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use common::fake_api::{FakeApi, Reply};
use http::{HeaderMap, HeaderValue, Method};
use inngest::serve::{
    DevSetting, ServeConfig, ServeHandler, ServeRequest, ServeResponse, parse_dev,
};
use inngest::step_id::StepHash;
use inngest::{App, Context, Error, Event, Function, Step, Trigger, WaitForEvent};
use serde_json::{Value, json};
use url::Url;

fn call_body(steps: Value, attempt: u32, max_attempts: u32, disable_immediate: bool) -> Bytes {
    let event = json!({ "name": "insights/start", "id": "01EVT", "ts": 1_700_000_000_000_i64, "data": { "call_id": "call_123" } });
    let stack: Vec<String> = steps
        .as_object()
        .map(|map| map.keys().cloned().collect())
        .unwrap_or_default();
    Bytes::from(
        json!({
            "event": event, "events": [event], "steps": steps, "version": 2,
            "ctx": { "run_id": "01RUN", "attempt": attempt, "max_attempts": max_attempts, "env": "production",
                     "disable_immediate_execution": disable_immediate, "use_api": false,
                     "stack": { "stack": stack, "current": stack.len() } },
        })
        .to_string(),
    )
}

async fn post(
    handler: &ServeHandler,
    function: &str,
    step_id: &str,
    body: Bytes,
) -> (ServeResponse, Value) {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let request = ServeRequest {
        method: Method::POST,
        uri: format!("/api/inngest?fnId=call-insights-{function}&stepId={step_id}")
            .parse()
            .unwrap(),
        headers,
        body,
    };
    let response = handler.handle(request).await;
    let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response, json)
}

fn dev(app: App) -> ServeHandler {
    ServeHandler::new(
        app,
        ServeConfig::dev(Url::parse("http://127.0.0.1:9/").unwrap()),
    )
}

fn counted(
    counter: &Arc<AtomicU32>,
) -> impl Fn() -> std::future::Ready<Result<Value, Error>> + use<> {
    let counter = Arc::clone(counter);
    move || {
        counter.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok(json!(true)))
    }
}

#[tokio::test]
async fn planning_runs_nothing_targets_run_one() {
    let audio = Arc::new(AtomicU32::new(0));
    let metadata = Arc::new(AtomicU32::new(0));
    let (a, m) = (Arc::clone(&audio), Arc::clone(&metadata));
    let app = App::new("call-insights").function(
        Function::builder("generate-call-insights")
            .trigger(Trigger::event("insights/start"))
            .build(move |_: Context<Value>, step: Step| {
                let (a, m) = (Arc::clone(&a), Arc::clone(&m));
                async move {
                    let (first, second) = futures::join!(
                        step.run("fetch-audio", counted(&a)),
                        step.run("fetch-metadata", counted(&m)),
                    );
                    Ok::<_, Error>(json!([first?, second?]))
                }
            }),
    );
    let handler = dev(app);

    let (response, ops) = post(
        &handler,
        "generate-call-insights",
        "step",
        call_body(json!({}), 0, 4, true),
    )
    .await;
    assert_eq!(response.status, 206);
    let kinds: Vec<&str> = ops
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["op"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["StepPlanned", "StepPlanned"]);
    assert_eq!(
        (
            audio.load(Ordering::SeqCst),
            metadata.load(Ordering::SeqCst)
        ),
        (0, 0)
    );

    let target = StepHash::of("fetch-audio");
    let (_, ops) = post(
        &handler,
        "generate-call-insights",
        target.as_str(),
        call_body(json!({}), 0, 4, true),
    )
    .await;
    assert_eq!(ops[0]["op"], "StepRun");
    assert_eq!(ops[0]["id"], target.as_str());
    assert_eq!(
        (
            audio.load(Ordering::SeqCst),
            metadata.load(Ordering::SeqCst)
        ),
        (1, 0)
    );
}

#[tokio::test]
async fn last_attempt_after_wait_fails_step() {
    let app = App::new("call-insights").function(
        Function::builder("generate-call-insights")
            .trigger(Trigger::event("insights/start"))
            .retries(0)
            .build(|_: Context<Value>, step: Step| async move {
                let wait = WaitForEvent::new("approval/granted", Duration::from_secs(3600));
                let _approval = step.wait_for_event::<Value>("wait-approval", wait).await?;
                step.run("analyze", || async {
                    Err::<Value, _>(Error::new("model overloaded"))
                })
                .await
            }),
    );
    let memo = json!({ StepHash::of("wait-approval").as_str(): { "name": "approval/granted", "data": {}, "id": "01A", "ts": 1 } });

    let (response, ops) = post(
        &dev(app),
        "generate-call-insights",
        "step",
        call_body(memo, 0, 1, false),
    )
    .await;

    assert_eq!(response.status, 206);
    assert_eq!(response.headers["x-inngest-no-retry"], "true");
    assert_eq!(ops[0]["op"], "StepFailed");
    assert_eq!(ops[0]["error"]["message"], "model overloaded");
}

#[tokio::test]
async fn unparsable_wait_payload_is_error() {
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Approval {
        approver: String,
    }
    let app = App::new("call-insights").function(
        Function::builder("generate-call-insights")
            .trigger(Trigger::event("insights/start"))
            .build(|_: Context<Value>, step: Step| async move {
                let wait = WaitForEvent::new("approval/granted", Duration::from_secs(3600));
                let approval = step
                    .wait_for_event::<Approval>("wait-approval", wait)
                    .await?;
                Ok::<_, Error>(json!({ "timed_out": approval.is_none() }))
            }),
    );
    let memo = json!({ StepHash::of("wait-approval").as_str(): { "name": "approval/granted", "data": { "approver": 7 }, "id": "01A", "ts": 1 } });

    let (response, body) = post(
        &dev(app),
        "generate-call-insights",
        "step",
        call_body(memo, 0, 4, false),
    )
    .await;

    assert_eq!(response.status, 400);
    assert_eq!(response.headers["x-inngest-no-retry"], "true");
    assert!(
        body["message"].as_str().unwrap().contains("wait-approval"),
        "{body}"
    );
}

#[tokio::test]
async fn event_that_does_not_parse_is_non_retriable() {
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Start {
        job_id: String,
    }
    let app = App::new("call-insights").function(
        Function::builder("generate-call-insights")
            .trigger(Trigger::event("insights/start"))
            .build(|_: Context<Start>, _: Step| async { Ok::<_, Error>(Value::Null) }),
    );

    let (response, body) = post(
        &dev(app),
        "generate-call-insights",
        "step",
        call_body(json!({}), 0, 4, false),
    )
    .await;

    assert_eq!(response.status, 400);
    assert_eq!(response.headers["x-inngest-no-retry"], "true");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("insights/start") && message.contains("job_id"),
        "{message}"
    );
}

#[tokio::test]
async fn three_megabyte_memo_fits_the_default_body_limit() {
    let app = App::new("call-insights").function(
        Function::builder("generate-call-insights")
            .trigger(Trigger::event("insights/start"))
            .build(|_: Context<Value>, step: Step| async move {
                let transcript: String = step
                    .run("fetch", || async { Ok::<_, Error>(String::new()) })
                    .await?;
                Ok::<_, Error>(json!({ "length": transcript.len() }))
            }),
    );
    let handler = dev(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, inngest::serve::router("/api/inngest", handler))
            .await
            .unwrap()
    });

    let transcript = "word ".repeat(600_000);
    let memo = json!({ StepHash::of("fetch").as_str(): { "data": transcript } });
    let response = reqwest::Client::new()
        .post(format!(
            "http://{address}/api/inngest?fnId=call-insights-generate-call-insights&stepId=step"
        ))
        .header("content-type", "application/json")
        .body(call_body(memo, 0, 4, false))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["length"], 3_000_000);
}

#[tokio::test]
async fn send_event_sends_once() {
    let api = FakeApi::start(vec![Reply {
        method: Method::POST,
        path_prefix: "/e/".to_owned(),
        status: 200,
        body: json!({ "ids": ["01SENT"], "status": 200 }),
        bearer: None,
    }])
    .await;
    let app = App::new("call-insights").function(
        Function::builder("transcribe-call")
            .trigger(Trigger::event("insights/start"))
            .build(|ctx: Context<Value>, step: Step| async move {
                let call_id = ctx.event.data["call_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let start = Event::new("insights/start", json!({ "call_id": call_id }))
                    .with_id(format!("{call_id}:insights"));
                let ids = step.send_event("emit-insights", vec![start]).await?;
                Ok::<_, Error>(json!({ "ids": ids }))
            }),
    );
    let handler = ServeHandler::new(app, ServeConfig::dev(Url::parse(&api.url).unwrap()));
    let emit = StepHash::of("emit-insights");

    let (_, ops) = post(
        &handler,
        "transcribe-call",
        "step",
        call_body(json!({}), 0, 4, false),
    )
    .await;
    assert_eq!(ops[0]["op"], "StepRun");
    assert_eq!(ops[0]["opts"]["type"], "step.sendEvent");
    assert_eq!(ops[0]["data"], json!({ "ids": ["01SENT"] }));

    let memo = json!({ emit.as_str(): { "data": { "ids": ["01SENT"] } } });
    let (response, body) = post(
        &handler,
        "transcribe-call",
        "step",
        call_body(memo, 0, 4, false),
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(body, json!({ "ids": ["01SENT"] }));

    let sent = api.received();
    assert_eq!(sent.len(), 1, "a replay must not send again");
    assert_eq!(sent[0].path_and_query, "/e/NO_EVENT_KEY_SET");
    assert_eq!(sent[0].body[0]["id"], "call_123:insights");
    assert!(sent[0].headers.contains_key("x-inngest-event-id-seed"));
}

#[tokio::test]
async fn replay_logger_is_quiet_until_new_work() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let app = App::new("call-insights").function(
        Function::builder("generate-call-insights")
            .trigger(Trigger::event("insights/start"))
            .build(move |ctx: Context<Value>, step: Step| {
                let record = Arc::clone(&record);
                async move {
                    record
                        .lock()
                        .unwrap()
                        .push(("start", ctx.log.is_replaying()));
                    let _: Value = step
                        .run("fetch", || async { Ok::<_, Error>(json!(1)) })
                        .await?;
                    record
                        .lock()
                        .unwrap()
                        .push(("after fetch", ctx.log.is_replaying()));
                    let _: Value = step
                        .run("analyze", || async { Ok::<_, Error>(json!(2)) })
                        .await?;
                    Ok::<_, Error>(Value::Null)
                }
            }),
    );
    let memo = json!({ StepHash::of("fetch").as_str(): { "data": 1 } });

    post(
        &dev(app),
        "generate-call-insights",
        "step",
        call_body(memo, 0, 4, false),
    )
    .await;

    assert_eq!(
        *seen.lock().unwrap(),
        [("start", true), ("after fetch", false)]
    );
}

#[tokio::test]
async fn dev_url_in_inngest_dev_sets_both_bases() {
    assert!(matches!(parse_dev(Some("1")), DevSetting::Flag(true)));
    assert!(
        matches!(parse_dev(Some("inngest:8288")), DevSetting::Url(url) if url.as_str() == "http://inngest:8288/")
    );

    let config = ServeConfig::from_lookup(|name| {
        (name == "INNGEST_DEV").then(|| "http://inngest:8288".to_owned())
    })
    .unwrap();
    assert_eq!(config.mode, inngest::serve::ServerMode::Dev);
    assert_eq!(config.api_base_url.as_str(), "http://inngest:8288/");
    assert_eq!(config.event_api_base_url.as_str(), "http://inngest:8288/");
}

#[tokio::test]
async fn in_band_sync_configured_origin() {
    let mut config = ServeConfig::dev(Url::parse("http://127.0.0.1:9/").unwrap());
    config.serve_origin = Some("https://calls.example.com".to_owned());
    let app = App::new("call-insights").function(
        Function::builder("generate-call-insights")
            .trigger(Trigger::event("insights/start"))
            .build(|_: Context<Value>, _: Step| async { Ok::<_, Error>(Value::Null) }),
    );
    let handler = ServeHandler::new(app, config);
    let mut headers = HeaderMap::new();
    headers.insert("x-inngest-sync-kind", HeaderValue::from_static("in_band"));
    let body =
        json!({ "url": "http://localhost:3000/api/inngest?x-vercel-protection-bypass=s3cret" });

    let response = handler
        .handle(ServeRequest {
            method: Method::PUT,
            uri: "/api/inngest".parse().unwrap(),
            headers,
            body: Bytes::from(body.to_string()),
        })
        .await;

    let reply: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(
        reply["url"],
        "https://calls.example.com/api/inngest?x-vercel-protection-bypass=s3cret"
    );
    assert_eq!(
        reply["functions"][0]["steps"]["step"]["runtime"]["url"],
        "https://calls.example.com/api/inngest?x-vercel-protection-bypass=s3cret&fnId=call-insights-generate-call-insights&stepId=step"
    );
}
