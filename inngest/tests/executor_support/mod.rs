//! Helpers shared by the executor tests: serving an app on a loopback port
//! and waiting for runs through the progress channel.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use inngest::App;
use inngest::executor::{
    Backoff, Executor, ExecutorHandle, ExecutorOptions, MemoryStore, RunProgress, RunRecord,
};
use inngest::serve::{ServeConfig, ServeHandler};
use inngest::wire::Event;
use serde_json::Value;
use tokio::sync::broadcast;

/// Longest a test waits for a run; a guard against hangs, not a measurement.
pub const GUARD: Duration = Duration::from_secs(30);

pub const KEY: &str =
    "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff";

pub fn options() -> ExecutorOptions {
    ExecutorOptions {
        backoff: Backoff::Fixed(Duration::from_millis(20)),
        poll_interval: Duration::from_millis(20),
        lease: Duration::from_secs(5),
        ..ExecutorOptions::default()
    }
}

/// Serves `app` on a loopback port and returns its serve URL.
pub async fn serve(app: App, config: ServeConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let port = listener.local_addr().expect("listener address").port();
    let router = inngest::serve::router("/api/inngest", ServeHandler::new(app, config));
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://127.0.0.1:{port}/api/inngest")
}

pub fn dev_config() -> ServeConfig {
    ServeConfig::dev(url::Url::parse("http://127.0.0.1:9/").expect("static URL"))
}

/// Serves `app` in dev mode, syncs it in band and starts the workers.
pub async fn start(app: App) -> (Executor, ExecutorHandle, broadcast::Receiver<RunProgress>) {
    let url = serve(app, dev_config()).await;
    let executor = Executor::new(Arc::new(MemoryStore::new()), options());
    executor
        .sync_app(&url)
        .await
        .expect("in-band sync succeeds");
    let progress = executor.subscribe();
    let handle = executor.start();
    (executor, handle, progress)
}

/// Waits until a run of `function_id` ends and returns it.
pub async fn finished_run(
    executor: &Executor,
    progress: &mut broadcast::Receiver<RunProgress>,
    function_id: &str,
) -> RunRecord {
    let run_id = tokio::time::timeout(GUARD, async {
        loop {
            match progress.recv().await.expect("progress channel open") {
                RunProgress::RunCompleted {
                    run_id,
                    function_id: id,
                    ..
                }
                | RunProgress::RunFailed {
                    run_id,
                    function_id: id,
                    ..
                } if id == function_id => {
                    return run_id;
                }
                _ => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no run of {function_id} ended"));
    executor
        .run(&run_id)
        .await
        .expect("store readable")
        .expect("run stored")
}

pub fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

pub fn count(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}

pub fn send(name: &str, data: Value) -> Vec<Event> {
    vec![Event::new(name, data)]
}
