//! An HTTP client for the jobs API and an analyzer that waits for a signal,
//! shared by the API and reaper tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use call_insights::analyzer::HeuristicAnalyzer;
use functions::domain::Transcript;
use functions::insights::Insights;
use functions::ports::{AnalyzeError, Analyzer};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio::sync::Semaphore;
use url::Url;

/// Maximum wait for a job to reach a state.
pub(crate) const WAIT_LIMIT: Duration = Duration::from_secs(20);

/// A short plain-text transcript.
pub(crate) const TRANSCRIPT: &str = "Ana: Thanks for joining. What slows your team down today?\n\
Bo: Our reports take two days to build and the numbers are often wrong.\n\
Ana: Would a daily dashboard help? We can start a trial next week.\n\
Bo: Yes, please send the pricing by Friday.\n";

/// A response: status, headers and the JSON body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

impl Reply {
    /// Returns the `error.code` of an error body.
    pub(crate) fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    /// Returns the `error.message` of an error body.
    pub(crate) fn error_message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
}

/// A client of the API at `base`, sending `token` as bearer token when set.
pub(crate) struct ApiClient {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
}

impl ApiClient {
    pub(crate) fn new(base: &Url, token: Option<&str>) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.clone(),
            token: token.map(str::to_owned),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.send(self.http.get(self.url(path))).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    /// POST with a raw body and content type, for malformed requests.
    pub(crate) async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Reply {
        let request = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body.to_owned());
        self.send(request).await
    }

    /// Creates a call from the inline transcript and returns its id.
    pub(crate) async fn create_inline_call(&self, transcript: &str) -> String {
        let reply = self
            .post(
                "/api/calls",
                &serde_json::json!({ "title": "Discovery", "transcript": transcript }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Polls `GET path` until it returns 200, the status of a finished job.
    pub(crate) async fn wait_for_result(&self, path: &str) -> Reply {
        wait_for("a finished job", || async {
            let reply = self.get(path).await;
            (reply.status == StatusCode::OK).then_some(reply)
        })
        .await
    }

    fn url(&self, path: &str) -> Url {
        self.base.join(path.trim_start_matches('/')).unwrap()
    }

    async fn send(&self, mut request: reqwest::RequestBuilder) -> Reply {
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the service answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("body of {status} is not JSON ({error}): {text:?}"));
        Reply {
            status,
            headers,
            body,
        }
    }
}

/// Polls `check` every 25 ms until it returns `Some`, failing the test after
/// [`WAIT_LIMIT`] with `what`.
pub(crate) async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {WAIT_LIMIT:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Analyzes like the heuristic analyzer, but each call waits for a permit
/// from [`GatedAnalyzer::release`], so a test can hold a job in `analyzing`.
pub(crate) struct GatedAnalyzer {
    gate: Semaphore,
    calls: AtomicU32,
}

impl GatedAnalyzer {
    pub(crate) fn new() -> Self {
        Self {
            gate: Semaphore::new(0),
            calls: AtomicU32::new(0),
        }
    }

    /// Lets every waiting and future call proceed.
    pub(crate) fn release(&self) {
        self.gate.add_permits(Semaphore::MAX_PERMITS / 2);
    }

    pub(crate) fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Analyzer for GatedAnalyzer {
    fn name(&self) -> &str {
        "gated"
    }

    fn model(&self) -> Option<&str> {
        None
    }

    async fn analyze(&self, transcript: &Transcript) -> Result<Insights, AnalyzeError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let _permit = self.gate.acquire().await.expect("the gate is never closed");
        HeuristicAnalyzer::new().analyze(transcript).await
    }
}
