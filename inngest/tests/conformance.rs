//! The conformance fixture driven through the exchanges Inngest's serve
//! conformance suite expects, without the Inngest CLI.

#[path = "../examples/conformance/functions.rs"]
#[allow(dead_code)]
mod functions;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use inngest::serve::{ServeConfig, ServeHandler, ServeRequest, ServeResponse};
use inngest::step_id::StepHash;
use serde_json::{Map, Value, json};
use url::Url;

fn handler() -> ServeHandler {
    ServeHandler::new(
        functions::app(),
        ServeConfig::dev(Url::parse("http://127.0.0.1:9/").unwrap()),
    )
}

struct Run {
    function: &'static str,
    event: Value,
    steps: Map<String, Value>,
    stack: Vec<String>,
}

impl Run {
    fn new(function: &'static str, event: &str, data: Value) -> Self {
        Self {
            function,
            event: json!({ "id": "01EVT", "name": event, "data": data, "ts": 1_700_000_000_000_i64, "user": {} }),
            steps: Map::new(),
            stack: Vec::new(),
        }
    }

    fn memoize(&mut self, step_id: &str, value: Value) {
        let hash = StepHash::of(step_id).as_str().to_owned();
        self.steps.insert(hash.clone(), value);
        self.stack.push(hash);
    }

    async fn call(
        &self,
        handler: &ServeHandler,
        attempt: u32,
    ) -> (StatusCode, Value, ServeResponse) {
        let body = json!({
            "ctx": {
                "run_id": "01RUN", "attempt": attempt, "max_attempts": 4, "step_id": "step",
                "disable_immediate_execution": false, "use_api": false,
                "stack": { "stack": self.stack, "current": self.stack.len() },
            },
            "event": self.event, "events": [self.event], "steps": self.steps, "version": 2,
        });
        let request = ServeRequest {
            method: Method::POST,
            uri: format!(
                "/api/inngest?fnId=conformance-{}&stepId=step",
                self.function
            )
            .parse()
            .unwrap(),
            headers: HeaderMap::new(),
            body: Bytes::from(serde_json::to_vec(&body).unwrap()),
        };
        let response = handler.handle(request).await;
        let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        (response.status, json, response)
    }
}

fn single_op(body: &Value) -> &Map<String, Value> {
    let ops = body.as_array().expect("a 206 body is an array");
    assert_eq!(ops.len(), 1, "{body}");
    ops[0].as_object().unwrap()
}

#[tokio::test]
async fn basic_invoke_returns_name_and_body() {
    let (status, body, _) = Run::new("test-suite-simple-fn", "tests/function.test", json!({}))
        .call(&handler(), 0)
        .await;

    assert_eq!(status, 200);
    assert_eq!(body, json!({ "name": "tests/function.test", "body": "ok" }));
}

#[tokio::test]
async fn steps_serial_runs_each_step_inline() {
    let handler = handler();
    let mut run = Run::new("test-suite-step-test", "tests/step.test", json!({}));

    let (status, body, response) = run.call(&handler, 0).await;
    assert_eq!(status, 206);
    let op = single_op(&body);
    assert_eq!(op["op"], "StepRun");
    assert_eq!(op["id"], "98bf98df193bcce7c33e6bc50927cf2ac21206cb");
    assert_eq!(op["data"], "first step");
    assert!(
        op.get("opts").is_none(),
        "StepRun must not carry opts: {body}"
    );
    assert!(String::from_utf8_lossy(&response.body).contains(r#""data":"first step""#));
    run.memoize("first step", json!({ "data": "first step" }));

    let (_, body, _) = run.call(&handler, 0).await;
    let op = single_op(&body);
    assert_eq!(op["op"], "Sleep");
    assert_eq!(op["id"], "c3ca5f787365eae0dea86250e27d476406956478");
    assert_eq!(op["opts"]["duration"], "2s");
    assert_eq!(op["data"], Value::Null);
    run.memoize("sleep", Value::Null);

    let (_, body, response) = run.call(&handler, 0).await;
    let op = single_op(&body);
    assert_eq!(op["id"], "764e20ec975d4ef820d0f42e6a5833384bd7ee36");
    assert!(
        String::from_utf8_lossy(&response.body)
            .contains(r#""data":{"first":"first step","second":true}"#)
    );
    run.memoize(
        "second step",
        json!({ "data": { "first": "first step", "second": true } }),
    );

    let (status, body, _) = run.call(&handler, 0).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "name": "tests/step.test", "body": "ok" }));
}

#[tokio::test]
async fn retry_fails_once_per_call_then_succeeds() {
    let handler = handler();
    let mut run = Run::new("test-suite-retry-test", "tests/retry.test", json!({}));

    let (status, body, response) = run.call(&handler, 0).await;
    assert_eq!(status, 206);
    assert_eq!(response.headers["x-inngest-no-retry"], "false");
    let op = single_op(&body);
    assert_eq!(op["op"], "StepError");
    assert_eq!(op["error"]["message"], "broken");
    assert_eq!(op["data"], Value::Null);
    assert!(op["error"].get("noRetry").is_none());

    let (_, body, _) = run.call(&handler, 1).await;
    assert_eq!(single_op(&body)["data"], "yes: 2");
    run.memoize("first step", json!({ "data": "yes: 2" }));

    let (status, body, response) = run.call(&handler, 0).await;
    assert_eq!(status, 500);
    assert_eq!(response.headers["x-inngest-no-retry"], "false");
    assert_eq!(body["name"], "Error");
    assert_eq!(body["message"], "broken func");

    let (status, body, _) = run.call(&handler, 1).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "name": "tests/retry.test", "body": "ok" }));
}

#[tokio::test]
async fn wait_for_event_reports_the_conformance_shape() {
    let handler = handler();
    let mut run = Run::new(
        "test-suite-wait-for-event",
        "tests/wait.test",
        json!({ "id": 7 }),
    );

    let (_, body, _) = run.call(&handler, 0).await;
    let op = single_op(&body);
    assert_eq!(op["op"], "WaitForEvent");
    assert_eq!(op["id"], "daaad336276d15594d0e765f96c17cd746bf4971");
    assert_eq!(op["name"], "wait");
    assert_eq!(
        op["opts"],
        json!({ "event": "test/resume", "if": "async.data.resume == true && async.data.id == event.data.id", "timeout": "10s" })
    );
    assert_eq!(op["data"], Value::Null);

    run.memoize(
        "wait",
        json!({ "name": "test/resume", "data": { "resume": true, "id": 7 }, "id": "01R", "ts": 1 }),
    );
    let (status, body, _) = run.call(&handler, 0).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "result": { "resume": true, "id": 7 } }));
}

#[tokio::test]
async fn cancel_fixture_sleeps_ten_seconds() {
    let (_, body, _) = Run::new(
        "test-suite-cancel-test",
        "tests/cancel.test",
        json!({ "request_id": "r1" }),
    )
    .call(&handler(), 0)
    .await;

    let op = single_op(&body);
    assert_eq!(op["op"], "Sleep");
    assert_eq!(op["name"], "10s");
}
