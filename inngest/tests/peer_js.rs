//! Our serve handler against the official JavaScript SDK, live: the same
//! executor requests go to both over HTTP and the responses must agree on
//! status, protocol headers, opcodes, hashed ids and bodies (timings and
//! stack traces normalised). Deliberate differences are rewritten before
//! comparing and listed in docs/compatibility.md.

mod common;

use common::peer::{self, Peer};
use common::vectors::{self, Exchange, SIGNING_KEY, SIGNING_KEY_FALLBACK, normalize};
use inngest::serve::{ServeConfig, ServeHandler, router};
use inngest::signing::SigningKey;
use serde_json::{Value, json};
use url::Url;

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn ours(app: inngest::App, config: ServeConfig) -> String {
    let handler = ServeHandler::new(app, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router("/api/inngest", handler))
            .await
            .unwrap()
    });
    format!("http://{address}/api/inngest")
}

fn dev_config() -> ServeConfig {
    ServeConfig::dev(Url::parse("http://127.0.0.1:9/").unwrap())
}

fn cloud_config() -> ServeConfig {
    let url = Url::parse("http://127.0.0.1:9/").unwrap();
    let mut config = ServeConfig::cloud(SigningKey::parse(SIGNING_KEY).unwrap(), url.clone(), url);
    config.signing_key_fallback = Some(SigningKey::parse(SIGNING_KEY_FALLBACK).unwrap());
    config
}

async fn send(base: &str, exchange: &Exchange, signature: Option<&str>) -> Reply {
    let query = exchange
        .request
        .path
        .split_once('?')
        .map(|(_, query)| query)
        .unwrap_or("");
    let url = if query.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{query}")
    };
    let method = reqwest::Method::from_bytes(exchange.request.method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new().request(method, url);
    for (name, value) in &exchange.request.headers {
        if !name.eq_ignore_ascii_case("x-inngest-signature") {
            request = request.header(name, value);
        }
    }
    if let Some(signature) = signature {
        request = request.header("x-inngest-signature", signature);
    }
    if let Some(body) = &exchange.request.body {
        request = request.body(body.clone());
    }

    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// Rewrites the JavaScript SDK's ops into the shapes this crate sends on purpose.
fn deliberate(body: &Value) -> Value {
    let Value::Array(ops) = body else {
        return body.clone();
    };
    let ops = ops
        .iter()
        .map(|op| {
            let mut op = op.clone();
            match op["op"].as_str() {
                Some("Sleep") => op["opts"] = json!({ "duration": op["name"] }),
                Some("WaitForEvent") => {
                    op["opts"]["event"] = op["name"].clone();
                    op["name"] = op["userland"]["id"].clone();
                }
                _ => {}
            }
            op
        })
        .collect();
    Value::Array(ops)
}

fn header(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

fn assert_same(title: &str, ours: &Reply, theirs: &Reply) {
    assert_eq!(ours.status, theirs.status, "{title}: status");
    for name in [
        "x-inngest-no-retry",
        "retry-after",
        "x-inngest-req-version",
        "x-inngest-sync-kind",
        "content-type",
    ] {
        assert_eq!(
            header(ours, name),
            header(theirs, name),
            "{title}: header {name}"
        );
    }
    for name in ["x-inngest-sdk", "x-inngest-signature"] {
        assert_eq!(
            header(ours, name).is_some(),
            header(theirs, name).is_some(),
            "{title}: presence of {name}"
        );
    }
    assert_eq!(
        normalize(&ours.body),
        normalize(&deliberate(&theirs.body)),
        "{title}: body"
    );
}

async fn compare_file(file: &str, ours_url: &str, peer: &Peer, skip: &[&str]) -> usize {
    let mut compared = 0;
    for exchange in vectors::exchanges(file) {
        if skip.iter().any(|fragment| {
            exchange.title.contains(fragment) || exchange.request.path.contains(fragment)
        }) {
            continue;
        }
        let mine = send(ours_url, &exchange, None).await;
        let theirs = send(&peer.url, &exchange, None).await;
        assert_same(&exchange.title, &mine, &theirs);
        compared += 1;
    }
    compared
}

#[tokio::test]
async fn dev_exchanges_agree_with_the_javascript_sdk() {
    let Some(product) = peer::start(&[("INNGEST_DEV", "1"), ("PEER_FUNCTIONS", "product")]).await
    else {
        return;
    };
    let Some(lab) = peer::start(&[
        ("INNGEST_DEV", "1"),
        ("PEER_FUNCTIONS", "lab"),
        ("PEER_APP_ID", "vector-lab"),
    ])
    .await
    else {
        return;
    };
    let ours_product = ours(common::lab::call_insights_app(), dev_config()).await;
    let ours_lab = ours(common::lab::vector_lab_app(), dev_config()).await;

    let mut compared = compare_file("exec_dev_three_step.json", &ours_product, &product, &[]).await;
    // The step-not-found case waits for the JavaScript SDK's fixed 10 s timeout.
    compared += compare_file("exec_errors.json", &ours_lab, &lab, &["does not exist"]).await;
    // WaitForSignal, AIGateway and Gateway steps are not implemented here.
    compared += compare_file("exec_ops.json", &ours_lab, &lab, &["vector-lab-all-ops"]).await;

    assert!(compared >= 30, "only {compared} exchanges compared");
}

#[tokio::test]
async fn cloud_signatures_agree_with_the_javascript_sdk() {
    let env = [
        ("INNGEST_SIGNING_KEY", SIGNING_KEY),
        ("INNGEST_SIGNING_KEY_FALLBACK", SIGNING_KEY_FALLBACK),
        ("INNGEST_BASE_URL", "http://127.0.0.1:9"),
        ("PEER_FUNCTIONS", "product"),
    ];
    let Some(peer) = peer::start(&env).await else {
        return;
    };
    let ours_url = ours(common::lab::call_insights_app(), cloud_config()).await;
    let primary = SigningKey::parse(SIGNING_KEY).unwrap();
    let fallback = SigningKey::parse(SIGNING_KEY_FALLBACK).unwrap();
    let stranger = SigningKey::parse("signkey-test-00112233445566778899aabbccddeeff").unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    for exchange in vectors::exchanges("exec_cloud_three_step.json") {
        if exchange.title.contains("use_api") {
            continue;
        }
        let body = exchange.request.body.clone().unwrap_or_default();
        let body = body.as_bytes();
        let signature = match exchange.title.as_str() {
            title if title.contains("missing X-Inngest-Signature") => None,
            title if title.contains("bad signature") => {
                Some(format!("t={now}&s={}", "ab".repeat(32)))
            }
            title if title.contains("10 minutes old") => Some(primary.sign(body, now - 600)),
            title if title.contains("unknown key") => Some(stranger.sign(body, now)),
            title if title.contains("FALLBACK") => Some(fallback.sign(body, now)),
            _ => Some(primary.sign(body, now)),
        };
        let mine = send(&ours_url, &exchange, signature.as_deref()).await;
        let theirs = send(&peer.url, &exchange, signature.as_deref()).await;
        assert_same(&exchange.title, &mine, &theirs);
    }
}

#[tokio::test]
async fn large_memo_maps_agree_with_the_javascript_sdk() {
    let Some(lab) = peer::start(&[
        ("INNGEST_DEV", "1"),
        ("PEER_FUNCTIONS", "lab"),
        ("PEER_APP_ID", "vector-lab"),
    ])
    .await
    else {
        return;
    };
    let ours_lab = ours(common::lab::vector_lab_app(), dev_config()).await;

    // Three real memos for the repeated step, plus two thousand entries for
    // steps the function never reaches: both SDKs must ignore those.
    let mut steps = serde_json::Map::new();
    let mut stack = Vec::new();
    for (index, id) in ["item", "item:1", "item:2"].iter().enumerate() {
        let hash = inngest::step_id::StepHash::of(id).as_str().to_owned();
        steps.insert(hash.clone(), json!({ "data": { "i": index } }));
        stack.push(hash);
    }
    for index in 0..2000 {
        let hash = inngest::step_id::StepHash::of(&format!("unused-{index}"))
            .as_str()
            .to_owned();
        steps.insert(
            hash.clone(),
            json!({ "data": { "filler": "x".repeat(64) } }),
        );
        stack.push(hash);
    }
    let body = json!({
        "ctx": { "run_id": "01RUN", "attempt": 0, "max_attempts": 4, "fn_id": "f", "step_id": "step",
                 "disable_immediate_execution": false, "use_api": false, "env": "",
                 "stack": { "stack": stack, "current": stack.len() } },
        "event": { "name": "lab/run", "data": {}, "id": "01EVT", "ts": 1_700_000_000_000_i64, "user": {} },
        "events": [{ "name": "lab/run", "data": {}, "id": "01EVT", "ts": 1_700_000_000_000_i64, "user": {} }],
        "steps": steps, "version": 2, "use_api": false,
    });
    let exchange: Exchange = serde_json::from_value(json!({
        "title": "repeated steps with 2000 unrelated memos",
        "request": { "method": "POST", "path": "/api/inngest?fnId=vector-lab-repeated&stepId=step",
                     "headers": [["content-type", "application/json"]], "body": body.to_string() },
        "response": { "status": 200, "headers": [], "body": "" },
    }))
    .unwrap();

    let mine = send(&ours_lab, &exchange, None).await;
    let theirs = send(&lab.url, &exchange, None).await;

    assert_same(&exchange.title, &mine, &theirs);
    assert_eq!(mine.body, json!([{ "i": 0 }, { "i": 1 }, { "i": 2 }]));
}

/// Steps of the recorded all-ops function that this crate does not
/// implement (a display name with explicit input, signals, AI and fetch).
const UNSUPPORTED_ALL_OPS: [&str; 4] = [
    "run-with-name",
    "wait-signal",
    "summarize",
    "step.fetch: api.example.com",
];

#[tokio::test]
async fn send_event_and_invoke_agree_with_the_javascript_sdk() {
    use common::fake_api::{FakeApi, Reply};

    let api = FakeApi::start(vec![Reply {
        method: http::Method::POST,
        path_prefix: "/e/".to_owned(),
        status: 200,
        body: json!({ "ids": ["01JSENTEVENT000000000000000"], "status": 200 }),
        bearer: None,
    }])
    .await;
    let base = api.url.trim_end_matches('/').to_owned();
    let env = [
        ("INNGEST_DEV", "1"),
        ("PEER_FUNCTIONS", "lab"),
        ("PEER_APP_ID", "vector-lab"),
        ("INNGEST_BASE_URL", base.as_str()),
        ("INNGEST_EVENT_KEY", "test-event-key-0123456789"),
    ];
    let Some(lab) = peer::start(&env).await else {
        return;
    };
    let mut config = ServeConfig::dev(Url::parse(&api.url).unwrap());
    config.event_key = Some("test-event-key-0123456789".to_owned());
    let ours_lab = ours(common::lab::vector_lab_app(), config).await;

    for exchange in vectors::exchanges("exec_ops.json") {
        if !exchange.request.path.contains("vector-lab-all-ops") {
            continue;
        }
        let mine = send(&ours_lab, &exchange, None).await;
        let mut theirs = send(&lab.url, &exchange, None).await;
        if let Value::Array(ops) = &mut theirs.body {
            ops.retain(|op| {
                !UNSUPPORTED_ALL_OPS.contains(&op["userland"]["id"].as_str().unwrap_or_default())
            });
        }
        assert_same(&exchange.title, &mine, &theirs);
    }

    let sent: Vec<_> = api
        .received()
        .into_iter()
        .filter(|request| request.path_and_query.starts_with("/e/"))
        .collect();
    assert_eq!(sent.len(), 2, "each SDK sends the notify event once");
    assert_eq!(sent[0].body[0]["name"], "insights/done");
    assert_eq!(sent[0].body[0]["data"], sent[1].body[0]["data"]);
}
