//! Sync and introspection against the official SDK's recorded exchanges,
//! with a stand-in Inngest API on loopback. Where this crate differs on
//! purpose, the test states it and checks our behaviour instead.

mod common;

use std::time::Duration;

use common::fake_api::{FakeApi, Reply};
use common::vectors::{
    self, Exchange, SIGNING_KEY, SIGNING_KEY_FALLBACK, body_json, recorded_json, replay,
};
use http::Method;
use inngest::function::{Concurrency, FlowControl};
use inngest::serve::{ServeConfig, ServeHandler, ServeResponse};
use inngest::signing::SigningKey;
use inngest::{App, Context, Error, Function, FunctionFailed, Step, Trigger};
use serde_json::{Value, json};
use url::Url;

/// The app the sync vectors were recorded with.
fn sync_app() -> App {
    let generate = Function::builder("generate-call-insights")
        .trigger(Trigger::event("insights/start"))
        .retries(3)
        .flow_control(
            FlowControl::new().concurrency(Concurrency::new(5).key("event.data.account_id")),
        )
        .on_failure(|_: Context<FunctionFailed<Value>>, _: Step| async {
            Ok::<_, Error>(Value::Null)
        })
        .build(|_: Context<Value>, _: Step| async { Ok::<_, Error>(Value::Null) });
    let transcribe = Function::builder("transcribe-call")
        .trigger(Trigger::event("calls/uploaded"))
        .build(|_: Context<Value>, _: Step| async { Ok::<_, Error>(Value::Null) });
    App::new("call-insights")
        .function(generate)
        .function(transcribe)
}

async fn api_accepting_register(status: u16, body: Value) -> FakeApi {
    FakeApi::start(vec![Reply {
        method: Method::POST,
        path_prefix: "/fn/register".to_owned(),
        status,
        body,
        bearer: None,
    }])
    .await
}

fn dev(api: &FakeApi) -> ServeHandler {
    ServeHandler::new(sync_app(), ServeConfig::dev(Url::parse(&api.url).unwrap()))
}

fn cloud(api: &FakeApi) -> ServeHandler {
    let url = Url::parse(&api.url).unwrap();
    let mut config = ServeConfig::cloud(SigningKey::parse(SIGNING_KEY).unwrap(), url.clone(), url);
    config.signing_key_fallback = Some(SigningKey::parse(SIGNING_KEY_FALLBACK).unwrap());
    config.event_key = Some("test-event-key-0123456789".to_owned());
    ServeHandler::new(sync_app(), config)
}

fn signed(exchange: &Exchange) -> Option<String> {
    let key = SigningKey::parse(SIGNING_KEY).unwrap();
    let body = exchange.request.body.clone().unwrap_or_default();
    Some(key.sign(
        body.as_bytes(),
        time::OffsetDateTime::now_utc().unix_timestamp(),
    ))
}

fn header<'a>(response: &'a ServeResponse, name: &str) -> Option<&'a str> {
    response
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// The functions JSON the official SDK registered, for comparison.
fn recorded_functions(exchange: &Exchange) -> Value {
    let outbound = &exchange.outbound_api_requests[0];
    let body: Value = serde_json::from_str(outbound["body"].as_str().unwrap()).unwrap();
    body["functions"].clone()
}

#[tokio::test]
async fn dev_bare_put_registers_the_same_functions() {
    let exchange = vectors::exchange("sync.json", "dev: out-of-band sync triggered by a bare PUT");
    let api = api_accepting_register(200, json!({ "ok": true, "modified": true })).await;

    let response = replay(&dev(&api), &exchange.request, None).await;

    assert_eq!(response.status, 200);
    assert_eq!(
        header(&response, "x-inngest-sync-kind"),
        Some("out_of_band")
    );
    let body = body_json(&response);
    assert_eq!(body["message"], "Successfully registered");
    assert_eq!(body["modified"], true);
    assert_eq!(
        body["functions"],
        json!([
            "call-insights-generate-call-insights",
            "call-insights-generate-call-insights-failure",
            "call-insights-transcribe-call"
        ])
    );

    let received = api.received();
    assert_eq!(received.len(), 1);
    let register = &received[0];
    assert_eq!(register.path_and_query, "/fn/register");
    assert_eq!(register.body["functions"], recorded_functions(&exchange));
    assert_eq!(register.body["appName"], "call-insights");
    assert_eq!(register.body["url"], "http://localhost:3000/api/inngest");
    assert_eq!(register.body["deployType"], "ping");
    assert!(
        register.headers.get("authorization").is_none(),
        "dev mode sends no key"
    );
}

#[tokio::test]
async fn deploy_id_forwarded_not_in_urls() {
    let exchange = vectors::exchange(
        "sync.json",
        "dev: PUT from dev server with deployId and X-Inngest-Server-Kind: dev",
    );
    let api = api_accepting_register(200, json!({ "ok": true, "modified": false })).await;

    let response = replay(&dev(&api), &exchange.request, None).await;

    assert_eq!(response.status, 200);
    assert_eq!(
        header(&response, "x-inngest-expected-server-kind"),
        Some("dev")
    );
    let register = &api.received()[0];
    assert_eq!(register.path_and_query, "/fn/register?deployId=dpl_123");
    assert_eq!(register.headers["x-inngest-expected-server-kind"], "dev");
    assert_eq!(register.body["deployId"], "dpl_123");
    // The official SDK leaves deployId in these URLs; the spec says it must not be there.
    assert_eq!(register.body["url"], "http://localhost:3000/api/inngest");
    assert!(!register.body.to_string().contains("deployId=dpl_123"));
}

#[tokio::test]
async fn rejected_register_answers_500_naming_url_and_reason() {
    let exchange = vectors::exchange(
        "sync.json",
        "dev: PUT with X-Inngest-Server-Kind: cloud (fake API rejects with 400 {error})",
    );
    let api = api_accepting_register(
        400,
        json!({ "error": "Expected server kind dev, got cloud" }),
    )
    .await;

    let response = replay(&dev(&api), &exchange.request, None).await;

    // The official SDK returns 200 here; a failed sync must never look like success.
    assert_eq!(response.status, 500);
    let message = body_json(&response)["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("http://localhost:3000/api/inngest"),
        "{message}"
    );
    assert!(
        message.contains("Expected server kind dev, got cloud"),
        "{message}"
    );
    assert_eq!(body_json(&response)["modified"], false);
}

#[tokio::test]
async fn html_from_the_api_is_a_failed_sync() {
    let exchange = vectors::exchange("sync.json", "dev: out-of-band sync triggered by a bare PUT");
    let login_page = axum::Router::new()
        .fallback(|| async { axum::response::Html("<html><body>Please log in</body></html>") });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api_url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, login_page).await.unwrap() });
    let handler = ServeHandler::new(sync_app(), ServeConfig::dev(Url::parse(&api_url).unwrap()));

    let response = replay(&handler, &exchange.request, None).await;

    assert_eq!(response.status, 500);
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    let message = body_json(&response)["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("http://localhost:3000/api/inngest"),
        "{message}"
    );
    assert!(
        message.contains("not the expected JSON") && message.contains("Please log in"),
        "{message}"
    );
}

#[tokio::test]
async fn cloud_sync_hashed_key_and_stripping() {
    let api = api_accepting_register(200, json!({ "ok": true, "modified": true })).await;
    let handler = cloud(&api);

    let unsigned = vectors::exchange(
        "sync.json",
        "cloud: unsigned PUT still performs out-of-band sync (unauthed sync enabled by default)",
    );
    let response = replay(&handler, &unsigned.request, None).await;
    assert_eq!(response.status, 200);
    assert!(header(&response, "x-inngest-sdk").is_none());
    assert_eq!(header(&response, "x-inngest-sdk-handled"), Some("true"));

    let signed_exchange = vectors::exchange(
        "sync.json",
        "cloud: signed out-of-band sync PUT (empty body, no sync-kind header)",
    );
    let response = replay(&handler, &signed_exchange.request, signed(&signed_exchange)).await;
    assert_eq!(response.status, 200);
    assert!(header(&response, "x-inngest-signature").is_some());

    let key = SigningKey::parse(SIGNING_KEY).unwrap();
    for register in api.received() {
        assert_eq!(
            register.headers["authorization"],
            format!("Bearer {}", key.hashed()).as_str()
        );
        assert_eq!(register.body["functions"], recorded_functions(&unsigned));
    }
}

#[tokio::test]
async fn in_band_sync_returns_the_config() {
    let api = api_accepting_register(200, json!({})).await;
    let handler = cloud(&api);
    let exchange = vectors::exchange("sync.json", "cloud: signed in-band sync PUT");

    let response = replay(&handler, &exchange.request, signed(&exchange)).await;

    assert_eq!(response.status, 200);
    assert_eq!(header(&response, "x-inngest-sync-kind"), Some("in_band"));
    assert!(header(&response, "x-inngest-signature").is_some());
    let ours = body_json(&response);
    let theirs = recorded_json(&exchange.response);
    for field in ["app_id", "functions", "url", "env", "sdk_author"] {
        assert_eq!(ours[field], theirs[field], "field {field}");
    }
    // Connect is not implemented, so it is not advertised.
    assert_eq!(ours["capabilities"], json!({ "trust_probe": "v1" }));
    assert_eq!(ours["sdk_language"], "rust");
    assert_eq!(ours["inspection"]["function_count"], 3);
    assert!(
        api.received().is_empty(),
        "in-band sync must not call the API"
    );

    let unsigned = vectors::exchange("sync.json", "cloud: unsigned in-band sync PUT is rejected");
    let response = replay(&handler, &unsigned.request, None).await;
    assert_eq!(response.status, 401);
}

#[tokio::test]
async fn in_band_body_must_be_exactly_a_url() {
    let api = api_accepting_register(200, json!({})).await;
    let mut exchange = vectors::exchange(
        "sync.json",
        "dev: in-band sync PUT (no signature needed in dev)",
    );
    let handler = dev(&api);

    let response = replay(&handler, &exchange.request, None).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        body_json(&response)["functions"],
        recorded_json(&exchange.response)["functions"]
    );

    exchange.request.body =
        Some(r#"{"url":"http://localhost:3000/api/inngest","extra":1}"#.to_owned());
    let response = replay(&handler, &exchange.request, None).await;
    assert_eq!(response.status, 400);
    assert_eq!(body_json(&response)["code"], "invalid_request");
    assert!(
        body_json(&response)["message"]
            .as_str()
            .unwrap()
            .contains("extra")
    );
}

#[tokio::test]
async fn introspection_and_405_match() {
    let api = api_accepting_register(200, json!({})).await;

    let dev_get = vectors::exchange("sync.json", "dev: GET introspection (unauthenticated body)");
    let response = replay(&dev(&api), &dev_get.request, None).await;
    assert_eq!(response.status, 200);
    let ours = body_json(&response);
    for (field, value) in recorded_json(&dev_get.response).as_object().unwrap() {
        assert_eq!(&ours[field], value, "field {field}");
    }

    let signed_get = vectors::exchange(
        "sync.json",
        "cloud: signed GET introspection (signature over empty body)",
    );
    let response = replay(&cloud(&api), &signed_get.request, signed(&signed_get)).await;
    let ours = body_json(&response);
    let theirs = recorded_json(&signed_get.response);
    for field in [
        "authentication_succeeded",
        "function_count",
        "has_event_key",
        "has_signing_key",
        "mode",
        "event_key_hash",
        "signing_key_hash",
        "signing_key_fallback_hash",
        "serve_path",
        "schema_version",
    ] {
        assert_eq!(ours[field], theirs[field], "field {field}");
    }

    let not_allowed = vectors::exchange("sync.json", "dev: unsupported method");
    let response = replay(&dev(&api), &not_allowed.request, None).await;
    vectors::assert_matches(&not_allowed, &response);
}

#[tokio::test]
async fn unreachable_api_is_a_prompt_failed_sync() {
    // Nothing listens on this port, so the connection is refused at once.
    let handler = ServeHandler::new(
        sync_app(),
        ServeConfig::dev(Url::parse("http://127.0.0.1:9/").unwrap()),
    );
    let exchange = vectors::exchange("sync.json", "dev: out-of-band sync triggered by a bare PUT");

    let response = tokio::time::timeout(
        Duration::from_secs(20),
        replay(&handler, &exchange.request, None),
    )
    .await;

    assert!(response.is_ok_and(|response| response.status == 500));
}
