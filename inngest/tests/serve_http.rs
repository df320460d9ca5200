//! The serve endpoint over real HTTP on loopback: framework-level rejections,
//! streaming, panics, modes and introspection.

mod common;

use std::time::Duration;

use inngest::serve::{ServeConfig, ServeHandler, router};
use inngest::signing::SigningKey;
use inngest::{App, Context, Error, Function, Step, Trigger};
use serde_json::{Value, json};
use url::Url;

const KEY: &str = common::vectors::SIGNING_KEY;

fn test_app() -> App {
    App::new("http-test")
        .function(
            Function::builder("slow")
                .trigger(Trigger::event("test/slow"))
                .build(|_: Context<Value>, step: Step| async move {
                    step.run("slow", || async {
                        tokio::time::sleep(Duration::from_millis(450)).await;
                        Ok::<_, Error>(json!({ "done": true }))
                    })
                    .await
                }),
        )
        .function(
            Function::builder("panics")
                .trigger(Trigger::event("test/panic"))
                .build(|ctx: Context<Value>, step: Step| async move {
                    if ctx.event.data["in_step"] == json!(true) {
                        return step
                            .run("boom", || async {
                                panic!("step exploded");
                                #[allow(unreachable_code)]
                                Ok::<Value, Error>(Value::Null)
                            })
                            .await;
                    }
                    panic!("function exploded");
                    #[allow(unreachable_code)]
                    Ok::<Value, Error>(Value::Null)
                }),
        )
}

async fn spawn(config: ServeConfig) -> String {
    let handler = ServeHandler::new(test_app(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router("/api/inngest", handler))
            .await
            .unwrap();
    });
    format!("http://{address}/api/inngest")
}

fn dev_config() -> ServeConfig {
    ServeConfig::dev(Url::parse("http://127.0.0.1:9/").unwrap())
}

fn cloud_config() -> ServeConfig {
    let api = Url::parse("http://127.0.0.1:9/").unwrap();
    ServeConfig::cloud(SigningKey::parse(KEY).unwrap(), api.clone(), api)
}

fn call_body(event: &str, data: Value) -> String {
    json!({
        "ctx": { "run_id": "01RUN", "attempt": 0, "max_attempts": 4, "stack": { "stack": [], "current": 0 } },
        "event": { "name": event, "data": data, "id": "01EVT", "ts": 1_700_000_000_000_i64 },
        "events": [{ "name": event, "data": data, "id": "01EVT", "ts": 1_700_000_000_000_i64 }],
        "steps": {},
        "version": -1,
    })
    .to_string()
}

fn assert_sdk_json(response: &reqwest::Response) {
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(
        response.headers().contains_key("x-inngest-sdk"),
        "missing X-Inngest-SDK"
    );
    assert_eq!(response.headers()["x-inngest-req-version"], "2");
}

#[tokio::test]
async fn framework_rejections_are_json_with_sdk_headers() {
    let mut config = dev_config();
    config.body_limit = 1024;
    let url = spawn(config).await;
    let http = reqwest::Client::new();

    let cases = [
        (http.delete(&url).build().unwrap(), 405),
        (
            http.post(format!("{url}?fnId=http-test-slow&stepId=step"))
                .header("content-type", "application/json")
                .body("{not json")
                .build()
                .unwrap(),
            400,
        ),
        (
            http.post(format!("{url}?stepId=step"))
                .header("content-type", "application/json")
                .body("{}")
                .build()
                .unwrap(),
            400,
        ),
        (
            http.post(format!("{url}?fnId=http-test-slow"))
                .header("content-type", "text/plain")
                .body("{}")
                .build()
                .unwrap(),
            415,
        ),
        (
            http.post(format!("{url}?fnId=http-test-slow"))
                .header("content-type", "application/json")
                .body(vec![b' '; 4096])
                .build()
                .unwrap(),
            413,
        ),
    ];
    for (request, status) in cases {
        let described = format!("{} {}", request.method(), request.url());
        let response = http.execute(request).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{described}");
        assert_sdk_json(&response);
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{described}: {body}"
        );
    }
}

#[tokio::test]
async fn trailing_slash_is_served_without_redirect() {
    let url = spawn(dev_config()).await;
    let response = reqwest::get(format!("{url}/")).await.unwrap();

    assert_eq!(response.status(), 200);
    assert_sdk_json(&response);
}

#[tokio::test]
async fn panics_become_json_errors_and_server_survives() {
    let url = spawn(dev_config()).await;
    let http = reqwest::Client::new();
    let post = |in_step: bool| {
        http.post(format!("{url}?fnId=http-test-panics&stepId=step"))
            .header("content-type", "application/json")
            .body(call_body("test/panic", json!({ "in_step": in_step })))
            .send()
    };

    let function_level = post(false).await.unwrap();
    assert_eq!(function_level.status(), 500);
    assert_sdk_json(&function_level);
    assert_eq!(function_level.headers()["x-inngest-no-retry"], "false");
    let body: Value = function_level.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("function exploded")
    );

    let step_level = post(true).await.unwrap();
    assert_eq!(step_level.status(), 206);
    let ops: Value = step_level.json().await.unwrap();
    assert_eq!(ops[0]["op"], "StepError");
    assert!(
        ops[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("step exploded")
    );
}

#[tokio::test]
async fn cloud_mode_without_key_names_the_fix() {
    let mut config = cloud_config();
    config.signing_key = None;
    let url = spawn(config).await;

    let response = reqwest::Client::new()
        .post(format!("{url}?fnId=http-test-slow&stepId=step"))
        .header("content-type", "application/json")
        .body(call_body("test/slow", json!({})))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("INNGEST_SIGNING_KEY") && message.contains("INNGEST_DEV=1"),
        "{message}"
    );
}

#[tokio::test]
async fn dev_mode_ignores_a_bad_signature() {
    let mut config = dev_config();
    config.signing_key = Some(SigningKey::parse(KEY).unwrap());
    let url = spawn(config).await;

    let response = reqwest::Client::new()
        .post(format!("{url}?fnId=http-test-slow&stepId=step"))
        .header("content-type", "application/json")
        .header("x-inngest-server-kind", "dev")
        .header("x-inngest-signature", "t=1&s=00")
        .body(call_body("test/slow", json!({})))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 206);
}

#[tokio::test]
async fn unsigned_introspection_in_cloud_is_public_and_secret_free() {
    let mut config = cloud_config();
    config.event_key = Some("event-key-secret".to_owned());
    let url = spawn(config).await;

    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();

    assert_eq!(body["mode"], "cloud");
    assert_eq!(body["authentication_succeeded"], Value::Null);
    assert_eq!(body["function_count"], 2);
    assert!(body.get("signing_key_hash").is_none());
    assert!(!text.contains("a8fa769dc777") && !text.contains("event-key-secret"));
}

#[tokio::test]
async fn signed_introspection_shows_short_key_hashes() {
    let url = spawn(cloud_config()).await;
    let key = SigningKey::parse(KEY).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    let response = reqwest::Client::new()
        .get(&url)
        .header("x-inngest-signature", key.sign(b"", now))
        .send()
        .await
        .unwrap();

    assert!(response.headers().contains_key("x-inngest-signature"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["authentication_succeeded"], true);
    assert_eq!(body["signing_key_hash"], "a31631efa191");
    assert_eq!(body["serve_path"], "/api/inngest");
}

#[tokio::test]
async fn streaming_sends_keep_alive_then_envelope() {
    let mut config = dev_config();
    config.streaming = true;
    config.stream_keep_alive = Duration::from_millis(100);
    let url = spawn(config).await;

    let response = reqwest::Client::new()
        .post(format!("{url}?fnId=http-test-slow&stepId=step"))
        .header("content-type", "application/json")
        .body(call_body("test/slow", json!({})))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 201);
    assert!(response.headers().contains_key("x-inngest-sdk"));
    assert!(!response.headers().contains_key("x-inngest-req-version"));
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with(' '),
        "no keep-alive byte before the envelope: {text:?}"
    );

    let envelope: Value = serde_json::from_str(text.trim_start()).unwrap();
    assert_eq!(envelope["status"], 206);
    assert_eq!(envelope["version"], 2);
    assert_eq!(envelope["headers"]["x-inngest-req-version"], "2");
    let ops: Value = serde_json::from_str(envelope["body"].as_str().unwrap()).unwrap();
    assert_eq!(ops[0]["op"], "StepRun");
    assert_eq!(ops[0]["data"], json!({ "done": true }));
}
