//! Our serve handler against the exchanges recorded from the official SDK.

mod common;

use common::vectors::{self, SIGNING_KEY, SIGNING_KEY_FALLBACK, assert_matches, replay};
use inngest::serve::{ServeConfig, ServeHandler};
use inngest::signing::SigningKey;
use url::Url;

fn dev(app: inngest::App) -> ServeHandler {
    let mut config = ServeConfig::dev(Url::parse("http://127.0.0.1:9/").unwrap());
    config.target_timeout = std::time::Duration::from_millis(200);
    ServeHandler::new(app, config)
}

fn cloud(app: inngest::App, api: &str) -> ServeHandler {
    let key = SigningKey::parse(SIGNING_KEY).unwrap();
    let mut config = ServeConfig::cloud(key, Url::parse(api).unwrap(), Url::parse(api).unwrap());
    config.signing_key_fallback = Some(SigningKey::parse(SIGNING_KEY_FALLBACK).unwrap());
    ServeHandler::new(app, config)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn dev_three_step_exchanges_match() {
    let handler = dev(common::lab::call_insights_app());
    for exchange in vectors::exchanges("exec_dev_three_step.json") {
        let response = replay(&handler, &exchange.request, None).await;
        assert_matches(&exchange, &response);
    }
}

#[tokio::test]
async fn error_exchanges_match() {
    let handler = dev(common::lab::vector_lab_app());
    for exchange in vectors::exchanges("exec_errors.json") {
        let response = replay(&handler, &exchange.request, None).await;
        assert_matches(&exchange, &response);
    }
}

#[tokio::test]
async fn cloud_three_step_exchanges_match() {
    let primary = SigningKey::parse(SIGNING_KEY).unwrap();
    let fallback = SigningKey::parse(SIGNING_KEY_FALLBACK).unwrap();
    let stranger = SigningKey::parse("signkey-test-00112233445566778899aabbccddeeff").unwrap();
    let handler = cloud(common::lab::call_insights_app(), "http://127.0.0.1:9/");

    for exchange in vectors::exchanges("exec_cloud_three_step.json") {
        if exchange.title.contains("use_api") {
            continue;
        }
        let body = exchange.request.body.clone().unwrap_or_default();
        let body = body.as_bytes();
        let signature = match exchange.title.as_str() {
            title if title.contains("missing X-Inngest-Signature") => None,
            title if title.contains("bad signature") => exchange
                .request
                .header("x-inngest-signature")
                .map(str::to_owned),
            title if title.contains("10 minutes old") => Some(primary.sign(body, now() - 600)),
            title if title.contains("unknown key") => Some(stranger.sign(body, now())),
            title if title.contains("FALLBACK") => Some(fallback.sign(body, now())),
            _ => Some(primary.sign(body, now())),
        };
        let mut request = exchange.request.clone();
        if signature.is_none() {
            request
                .headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case("x-inngest-signature"));
        }
        let response = replay(&handler, &request, signature).await;
        assert_matches(&exchange, &response);
    }
}

#[tokio::test]
async fn responses_are_signed_with_the_verifying_key() {
    let fallback = SigningKey::parse(SIGNING_KEY_FALLBACK).unwrap();
    let handler = cloud(common::lab::call_insights_app(), "http://127.0.0.1:9/");
    let exchange = vectors::exchange(
        "exec_cloud_three_step.json",
        "cloud: request signed with the FALLBACK key (response signed with fallback)",
    );
    let body = exchange.request.body.clone().unwrap_or_default();

    let response = replay(
        &handler,
        &exchange.request,
        Some(fallback.sign(body.as_bytes(), now())),
    )
    .await;

    let header = response.headers["x-inngest-signature"]
        .to_str()
        .unwrap()
        .to_owned();
    let verified = inngest::signing::verify(Some(&header), &response.body, now(), &fallback, None);
    assert_eq!(verified, Ok(inngest::signing::KeyUsed::Primary));
}

#[tokio::test]
async fn op_exchanges_match_except_deliberate_differences() {
    let handler = dev(common::lab::vector_lab_app());
    for exchange in vectors::exchanges("exec_ops.json") {
        if exchange.request.path.contains("vector-lab-all-ops") {
            continue;
        }
        let response = replay(&handler, &exchange.request, None).await;
        let mut expected = exchange.clone();
        expected.response.body = deliberate_op_shapes(&expected.response.body);
        assert_matches(&expected, &response);
    }
}

/// Rewrites recorded ops into the shapes this crate sends on purpose:
/// `Sleep` also carries `opts.duration`, and `WaitForEvent` carries the step
/// id in `name` and the event in `opts.event`, which the executor reads first
/// and Inngest's conformance suite requires.
fn deliberate_op_shapes(body: &str) -> String {
    let Ok(serde_json::Value::Array(mut ops)) = serde_json::from_str::<serde_json::Value>(body)
    else {
        return body.to_owned();
    };
    for op in &mut ops {
        let kind = op["op"].as_str().unwrap_or_default().to_owned();
        let name = op["name"].clone();
        match kind.as_str() {
            "Sleep" => op["opts"] = serde_json::json!({ "duration": name }),
            "WaitForEvent" => {
                op["opts"]["event"] = name;
                op["name"] = op["userland"]["id"].clone();
            }
            _ => {}
        }
    }
    serde_json::to_string(&ops).unwrap()
}

#[tokio::test]
async fn use_api_fetches_state_with_the_fallback_key_after_401() {
    use common::fake_api::{FakeApi, Reply};
    use http::Method;

    let exchange = vectors::exchange(
        "exec_cloud_three_step.json",
        "cloud: ctx.use_api=true -> SDK fetches events and steps from the API",
    );
    let fallback = SigningKey::parse(SIGNING_KEY_FALLBACK).unwrap();
    let replies = exchange
        .outbound_api_requests
        .iter()
        .map(|outbound| Reply {
            method: Method::GET,
            path_prefix: outbound["path"].as_str().unwrap().to_owned(),
            status: outbound["reply"]["status"].as_u64().unwrap() as u16,
            body: outbound["reply"]["body"].clone(),
            // Only the fallback key is accepted, so the primary gets a 401 first.
            bearer: Some(fallback.hashed()),
        })
        .collect();
    let api = FakeApi::start(replies).await;
    let handler = cloud(common::lab::call_insights_app(), &api.url);
    let primary = SigningKey::parse(SIGNING_KEY).unwrap();
    let body = exchange.request.body.clone().unwrap_or_default();

    let response = replay(
        &handler,
        &exchange.request,
        Some(primary.sign(body.as_bytes(), now())),
    )
    .await;

    assert_matches(&exchange, &response);
    let received = api.received();
    let paths: Vec<&str> = received
        .iter()
        .map(|request| request.path_and_query.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "/v0/runs/01JRUNAAAAAAAAAAAAAAAAAAAA/batch",
            "/v0/runs/01JRUNAAAAAAAAAAAAAAAAAAAA/batch",
            "/v0/runs/01JRUNAAAAAAAAAAAAAAAAAAAA/actions",
            "/v0/runs/01JRUNAAAAAAAAAAAAAAAAAAAA/actions",
        ]
    );
    assert_eq!(
        received[0].headers["authorization"],
        format!("Bearer {}", primary.hashed()).as_str()
    );
}
