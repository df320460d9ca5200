//! Serve-handler throughput, side by side with the official JavaScript SDK.
//!
//! Starts this crate's handler and the JavaScript peer (`tests/peers/js`,
//! which needs `npm ci` there) on loopback, sends each the same executor
//! requests from one client, and prints requests per second, latency
//! percentiles and the ratio of the two. Both servers run in dev mode with
//! the same functions, so the comparison covers request parsing, replay,
//! step execution and response encoding.
//!
//! ```text
//! cargo run --release -p inngest --example bench_serve -- [requests] [concurrency]
//! ```

mod peer;

use std::sync::Arc;
use std::time::{Duration, Instant};

use inngest::serve::{ServeConfig, ServeHandler, router};
use inngest::step_id::StepHash;
use inngest::{App, Context, Error, Function, Step, Trigger};
use serde_json::{Value, json};
use url::Url;

/// One kind of executor request.
struct Scenario {
    name: &'static str,
    function: &'static str,
    body: String,
}

/// Throughput and latency of one server on one scenario.
struct Measurement {
    requests_per_second: f64,
    p50: Duration,
    p99: Duration,
}

fn lab_app() -> App {
    let repeated = Function::builder("repeated")
        .trigger(Trigger::event("lab/run"))
        .retries(3)
        .build(|_: Context<Value>, step: Step| async move {
            let mut items = Vec::new();
            for i in 0..3 {
                let item: Value = step
                    .run("item", || async move { Ok::<_, Error>(json!({ "i": i })) })
                    .await?;
                items.push(item);
            }
            Ok::<_, Error>(Value::Array(items))
        });
    App::new("vector-lab").function(repeated)
}

fn scenarios() -> Vec<Scenario> {
    let event = json!({ "name": "lab/run", "data": { "call_id": "c1" }, "id": "01E", "ts": 1_700_000_000_000_i64, "user": {} });
    let body = |steps: Value, stack: Vec<String>| {
        json!({
            "ctx": { "run_id": "01RUN", "attempt": 0, "max_attempts": 4, "fn_id": "f", "step_id": "step", "env": "",
                     "disable_immediate_execution": false, "use_api": false,
                     "stack": { "stack": stack, "current": stack.len() } },
            "event": event, "events": [event], "steps": steps, "version": 2, "use_api": false,
        })
        .to_string()
    };

    let ids = ["item", "item:1", "item:2"].map(|id| StepHash::of(id).as_str().to_owned());
    let mut memos = serde_json::Map::new();
    for (index, id) in ids.iter().enumerate() {
        memos.insert(id.clone(), json!({ "data": { "i": index } }));
    }

    vec![
        Scenario {
            name: "first call: run one step inline (206)",
            function: "vector-lab-repeated",
            body: body(json!({}), Vec::new()),
        },
        Scenario {
            name: "replay three memos, finish (200)",
            function: "vector-lab-repeated",
            body: body(Value::Object(memos), ids.to_vec()),
        },
    ]
}

async fn measure(
    base: &str,
    scenario: &Scenario,
    requests: usize,
    concurrency: usize,
) -> Measurement {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let url = Arc::new(format!("{base}?fnId={}&stepId=step", scenario.function));
    let body = Arc::new(scenario.body.clone());

    // Warm up connections and code paths before measuring.
    for _ in 0..50 {
        send(&client, &url, &body).await;
    }

    let started = Instant::now();
    let per_task = requests / concurrency;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, body) = (client.clone(), Arc::clone(&url), Arc::clone(&body));
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                let sent = Instant::now();
                send(&client, &url, &body).await;
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();

    latencies.sort();
    Measurement {
        requests_per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: latencies[latencies.len() / 2],
        p99: latencies[latencies.len() * 99 / 100],
    }
}

async fn send(client: &reqwest::Client, url: &str, body: &str) {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("the server answers");
    assert!(
        response.status().is_success(),
        "unexpected status {}",
        response.status()
    );
    response.bytes().await.expect("the body arrives");
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let requests: usize = args
        .next()
        .and_then(|value| value.parse().ok())
        .unwrap_or(5000);
    let concurrency: usize = args
        .next()
        .and_then(|value| value.parse().ok())
        .unwrap_or(16);

    let handler = ServeHandler::new(
        lab_app(),
        ServeConfig::dev(Url::parse("http://127.0.0.1:9/").unwrap()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ours = format!("http://{}/api/inngest", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, router("/api/inngest", handler))
            .await
            .unwrap()
    });

    let Some(peer) = peer::start().await else {
        eprintln!("the JavaScript peer is unavailable; run `npm ci` in tests/peers/js");
        std::process::exit(2);
    };

    println!(
        "{requests} requests per server and scenario, {concurrency} concurrent, one client on loopback\n"
    );
    println!("| scenario | server | requests/s | p50 | p99 |");
    println!("| --- | --- | ---: | ---: | ---: |");
    for scenario in scenarios() {
        let rust = measure(&ours, &scenario, requests, concurrency).await;
        let js = measure(&peer.url, &scenario, requests, concurrency).await;
        for (server, result) in [("inngest (Rust)", &rust), ("inngest-js 4.24.0", &js)] {
            println!(
                "| {} | {server} | {:.0} | {:.2} ms | {:.2} ms |",
                scenario.name,
                result.requests_per_second,
                result.p50.as_secs_f64() * 1e3,
                result.p99.as_secs_f64() * 1e3
            );
        }
        println!(
            "| {} | ratio Rust / JS | {:.2}x | {:.2}x faster | {:.2}x faster |",
            scenario.name,
            rust.requests_per_second / js.requests_per_second,
            js.p50.as_secs_f64() / rust.p50.as_secs_f64(),
            js.p99.as_secs_f64() / rust.p99.as_secs_f64()
        );
    }
}
