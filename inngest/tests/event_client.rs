//! The event client against a stand-in event API on loopback.

mod common;

use common::fake_api::{FakeApi, Reply};
use http::Method;
use inngest::serve::ServeConfig;
use inngest::signing::SigningKey;
use inngest::{Event, EventClient, SendError};
use serde_json::json;
use url::Url;

fn client(url: &str, event_key: Option<&str>, cloud: bool) -> EventClient {
    let base = Url::parse(url).unwrap();
    let mut config = if cloud {
        ServeConfig::cloud(
            SigningKey::parse("signkey-test-00ff").unwrap(),
            base.clone(),
            base,
        )
    } else {
        ServeConfig::dev(base)
    };
    config.event_key = event_key.map(str::to_owned);
    config.env = Some("feature-branch".to_owned());
    EventClient::new(reqwest::Client::new(), &config)
}

#[tokio::test]
async fn sends_many_and_returns_ids_in_order() {
    let api = FakeApi::start(vec![Reply {
        method: Method::POST,
        path_prefix: "/e/key-123".to_owned(),
        status: 200,
        body: json!({ "ids": ["01A", "01B"], "status": 200 }),
        bearer: None,
    }])
    .await;

    let ids = client(&api.url, Some("key-123"), true)
        .send_many(vec![
            Event::new("calls/uploaded", json!({ "call_id": "c1" })).with_id("upload-c1"),
            Event::new("calls/uploaded", json!({ "call_id": "c2" })),
        ])
        .await
        .unwrap();

    assert_eq!(ids, ["01A", "01B"]);
    let request = &api.received()[0];
    assert_eq!(request.headers["x-inngest-env"], "feature-branch");
    assert!(request.headers.contains_key("x-inngest-event-id-seed"));
    assert_eq!(request.body[0]["id"], "upload-c1");
    assert!(request.body[1]["ts"].as_i64().is_some(), "ts is filled in");
}

#[tokio::test]
async fn cloud_without_event_key_names_the_variable() {
    let error = client("http://127.0.0.1:9/", None, true)
        .send(Event::new("calls/uploaded", json!({})))
        .await
        .unwrap_err();

    assert!(matches!(error, SendError::MissingEventKey));
    assert!(error.to_string().contains("INNGEST_EVENT_KEY"));
}

#[tokio::test]
async fn rejection_carries_the_api_message_without_the_key() {
    let api = FakeApi::start(vec![Reply {
        method: Method::POST,
        path_prefix: "/e/".to_owned(),
        status: 401,
        body: json!({ "status": 401, "error": "Event key not found" }),
        bearer: None,
    }])
    .await;

    let error = client(&api.url, Some("secret-event-key"), true)
        .send(Event::new("calls/uploaded", json!({})))
        .await
        .unwrap_err();

    let message = error.to_string();
    assert!(message.contains("Event key not found"), "{message}");
    assert!(!message.contains("secret-event-key"), "{message}");
}

#[tokio::test]
async fn empty_event_name_is_rejected_before_sending() {
    let error = client("http://127.0.0.1:9/", None, false)
        .send_many(vec![
            Event::new("ok/name", json!({})),
            Event::new(" ", json!({})),
        ])
        .await
        .unwrap_err();

    assert!(matches!(error, SendError::EmptyName { index: 1 }));
}

#[tokio::test]
async fn unreachable_api_fails_after_retries() {
    let error = client("http://127.0.0.1:9/", None, false)
        .send(Event::new("calls/uploaded", json!({})))
        .await
        .unwrap_err();

    assert!(matches!(error, SendError::Unreachable { .. }), "{error}");
}
