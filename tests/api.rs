//! The jobs API over real HTTP on 127.0.0.1, with the service in local mode
//! on a real SQLite database.

mod api_support;
mod support;

use std::collections::HashMap;
use std::sync::Arc;

use api_support::{ApiClient, GatedAnalyzer, Reply, TRANSCRIPT, wait_for};
use call_insights::analyzer::HeuristicAnalyzer;
use call_insights::config::{ApiToken, ConfigError, Settings};
use call_insights::local::LocalService;
use functions::ports::Analyzer;
use reqwest::StatusCode;
use serde_json::json;
use support::pipeline::{self, FlakyAnalyzer};

const TOKEN: &str = "test-token-5f2a";

async fn start(directory: &std::path::Path, analyzer: Arc<dyn Analyzer>) -> LocalService {
    pipeline::start(directory, analyzer).await
}

async fn start_with_token(directory: &std::path::Path) -> LocalService {
    let mut settings = pipeline::settings(&directory.join("test.db"));
    settings.api_token = Some(ApiToken::new(TOKEN));
    let providers =
        call_insights::service::Providers::with_analyzer(Arc::new(HeuristicAnalyzer::new()))
            .unwrap();
    LocalService::start(settings, providers)
        .await
        .expect("the local service starts")
}

fn assert_json_error(reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert_eq!(reply.error_code(), code, "{:?}", reply.body);
    assert!(!reply.error_message().is_empty(), "{:?}", reply.body);
    let content_type = reply.headers["content-type"].to_str().unwrap();
    assert_eq!(content_type, "application/json");
}

#[tokio::test]
async fn create_call_inline_returns_201() {
    let directory = tempfile::tempdir().unwrap();
    let local = start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;
    let api = ApiClient::new(&local.base_url, None);

    let reply = api
        .post(
            "/api/calls",
            &json!({ "title": " Discovery ", "transcript": TRANSCRIPT, "format": "plain", "duration_s": 95.5 }),
        )
        .await;

    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let id = reply.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.headers["location"],
        format!("/api/calls/{id}").as_str()
    );
    assert_eq!(reply.body["title"], "Discovery");
    assert_eq!(reply.body["duration_s"], 95.5);
    assert_eq!(reply.body["transcript"]["segments"], 4);
    assert_eq!(reply.body["transcript"]["speakers"], json!(["Ana", "Bo"]));

    let fetched = api.get(&format!("/api/calls/{id}")).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body["id"], id.as_str());
    assert_eq!(fetched.body["transcript"]["segments"], 4);
    local.stop().await;
}

#[tokio::test]
async fn create_call_from_urls() {
    let directory = tempfile::tempdir().unwrap();
    let local = start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;
    let api = ApiClient::new(&local.base_url, None);

    let recording = api
        .post(
            "/api/calls",
            &json!({ "recording_url": "https://media.example.com/calls/42.mp3" }),
        )
        .await;
    assert_eq!(
        recording.status,
        StatusCode::CREATED,
        "{:?}",
        recording.body
    );
    assert_eq!(recording.body["title"], "Untitled call");
    assert_eq!(
        recording.body["recording_url"],
        "https://media.example.com/calls/42.mp3"
    );
    assert!(recording.body["transcript"].is_null());

    let file = api
        .post(
            "/api/calls",
            &json!({ "transcript_url": "samples/discovery-call.txt", "format": "PLAIN" }),
        )
        .await;
    assert_eq!(file.status, StatusCode::CREATED, "{:?}", file.body);
    assert_eq!(file.body["transcript_url"], "samples/discovery-call.txt");
    assert_eq!(file.body["transcript_format"], "plain");
    local.stop().await;
}

#[tokio::test]
async fn create_call_rejects_invalid_input() {
    let directory = tempfile::tempdir().unwrap();
    let local = start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;
    let api = ApiClient::new(&local.base_url, None);

    let cases = [
        (
            json!({ "title": "no source" }),
            "invalid_source",
            "got none",
        ),
        (
            json!({ "transcript": TRANSCRIPT, "recording_url": "https://a.example/x.mp3" }),
            "invalid_source",
            "transcript and recording_url",
        ),
        (
            json!({ "recording_url": "ftp://a.example/x.mp3" }),
            "invalid_url",
            "\"ftp\"",
        ),
        (
            json!({ "recording_url": "not a url" }),
            "invalid_url",
            "recording_url",
        ),
        (
            json!({ "recording_url": "https://a.example/x.mp3", "format": "plain" }),
            "invalid_format",
            "recording_url",
        ),
        (
            json!({ "transcript": TRANSCRIPT, "format": "docx" }),
            "invalid_format",
            "\"docx\"",
        ),
        (
            json!({ "transcript": "  \n " }),
            "empty_transcript",
            "empty",
        ),
        (
            json!({ "transcript": TRANSCRIPT, "duration_s": -1 }),
            "invalid_duration",
            "-1",
        ),
        (
            json!({ "transcript": TRANSCRIPT, "title": "x".repeat(501) }),
            "invalid_title",
            "500",
        ),
        (
            json!({ "transcript": TRANSCRIPT, "speakers": 2 }),
            "invalid_body",
            "speakers",
        ),
        (json!({ "transcript": 7 }), "invalid_body", "transcript"),
    ];
    for (body, code, detail) in cases {
        let reply = api.post("/api/calls", &body).await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST, code);
        assert!(
            reply.error_message().contains(detail),
            "{code}: {:?} lacks {detail:?}",
            reply.error_message()
        );
    }
    local.stop().await;
}

#[tokio::test]
async fn malformed_requests_get_json_errors() {
    let directory = tempfile::tempdir().unwrap();
    let local = start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;
    let api = ApiClient::new(&local.base_url, None);

    let syntax = api
        .post_raw("/api/calls", "application/json", "{\"transcript\": ")
        .await;
    assert_json_error(&syntax, StatusCode::BAD_REQUEST, "invalid_json");

    let text = api.post_raw("/api/calls", "text/plain", "Ana: hi").await;
    assert_json_error(
        &text,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    assert!(text.error_message().contains("application/json"));

    let oversized = format!("{{\"transcript\": \"{}\"}}", "a".repeat(17 * 1024 * 1024));
    let large = api
        .post_raw("/api/calls", "application/json", &oversized)
        .await;
    assert_json_error(&large, StatusCode::PAYLOAD_TOO_LARGE, "invalid_body");

    let method = api.get("/api/calls").await;
    assert_json_error(
        &method,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );

    let route = api.get("/api/calls/abc/transcript").await;
    assert_json_error(&route, StatusCode::NOT_FOUND, "route_not_found");

    let id = api.get("/api/jobs/not%20an%20id").await;
    assert_json_error(&id, StatusCode::BAD_REQUEST, "invalid_id");
    assert!(id.error_message().contains("\"not an id\""));
    local.stop().await;
}

#[tokio::test]
async fn inline_transcript_error_names_line() {
    let directory = tempfile::tempdir().unwrap();
    let local = start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;
    let api = ApiClient::new(&local.base_url, None);

    let plain = api
        .post(
            "/api/calls",
            &json!({ "transcript": "\n\nhello there\nAna: hi" }),
        )
        .await;
    assert_json_error(&plain, StatusCode::BAD_REQUEST, "invalid_transcript");
    assert!(
        plain.error_message().contains("line 3"),
        "{}",
        plain.error_message()
    );

    let webvtt =
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ana>Hello\n\n00:0x.000 --> 00:04.000\n<v Bo>Hi\n";
    let vtt = api
        .post(
            "/api/calls",
            &json!({ "transcript": webvtt, "format": "webvtt" }),
        )
        .await;
    assert_json_error(&vtt, StatusCode::BAD_REQUEST, "invalid_transcript");
    assert!(
        vtt.error_message().contains("line 6"),
        "{}",
        vtt.error_message()
    );

    let calls: i64 = count_calls(&directory.path().join("test.db")).await;
    assert_eq!(calls, 0, "a rejected transcript stores no call");
    local.stop().await;
}

async fn count_calls(database: &std::path::Path) -> i64 {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    let count = sqlx::query_scalar("SELECT COUNT(*) FROM calls")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    count
}

#[tokio::test]
async fn insights_run_once_then_return_200() {
    let directory = tempfile::tempdir().unwrap();
    let analyzer = Arc::new(GatedAnalyzer::new());
    let local = start(directory.path(), analyzer.clone()).await;
    let api = ApiClient::new(&local.base_url, None);
    let call_id = api.create_inline_call(TRANSCRIPT).await;
    let path = format!("/api/calls/{call_id}/insights");

    let first = api.post(&path, &json!({})).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{:?}", first.body);
    let job_id = first.body["id"].as_str().unwrap().to_owned();
    assert_eq!(first.body["call_id"], call_id.as_str());
    let second = api.post(&path, &json!({})).await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.body);
    assert_eq!(
        second.body["id"],
        job_id.as_str(),
        "a second POST finds the same job"
    );

    let running = wait_for("the job to reach analyzing", || async {
        let reply = api.get(&path).await;
        (reply.body["stage"] == "analyzing").then_some(reply)
    })
    .await;
    assert_eq!(running.status, StatusCode::ACCEPTED);
    assert_eq!(running.body["status"], "processing");
    assert_eq!(running.body["job"]["id"], job_id.as_str());
    let again = api.post(&path, &json!({})).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        again.body["id"],
        job_id.as_str(),
        "a POST while processing finds the same job"
    );

    analyzer.release();
    let done = api.wait_for_result(&path).await;
    assert_eq!(done.body["status"], "completed", "{:?}", done.body);
    assert_eq!(done.body["job"]["id"], job_id.as_str());
    assert_eq!(done.body["job"]["stage"], "done");
    assert!(
        !done.body["insights"]["summary"]
            .as_str()
            .unwrap()
            .is_empty()
    );

    let job = api.get(&format!("/api/jobs/{job_id}")).await;
    assert_eq!(job.status, StatusCode::OK);
    assert_eq!(job.body["status"], "completed");
    assert_eq!(job.body["attempt"], 1);
    assert!(job.body["completed_at"].is_string());

    let executor = local.service.executor.as_ref().unwrap();
    let runs = executor.store().runs(None).await.unwrap();
    let insights_runs = runs
        .iter()
        .filter(|run| run.function_id.ends_with("generate-call-insights"))
        .count();
    assert_eq!(insights_runs, 1, "three POSTs start one run");
    assert_eq!(analyzer.calls(), 1);
    local.stop().await;
}

#[tokio::test]
async fn failed_job_returns_its_error() {
    let directory = tempfile::tempdir().unwrap();
    let local = start(directory.path(), FlakyAnalyzer::always_failing()).await;
    let api = ApiClient::new(&local.base_url, None);
    let call_id = api.create_inline_call(TRANSCRIPT).await;
    let path = format!("/api/calls/{call_id}/insights");

    let started = api.post(&path, &json!({})).await;
    assert_eq!(started.status, StatusCode::ACCEPTED);

    let failed = wait_for("the job to fail", || async {
        let reply = api.get(&path).await;
        (reply.body["status"] == "failed").then_some(reply)
    })
    .await;
    assert_eq!(failed.status, StatusCode::OK);
    assert_eq!(failed.error_code(), "job_failed");
    assert!(
        failed.error_message().contains("vendor unavailable"),
        "{}",
        failed.error_message()
    );
    assert_eq!(failed.body["job"]["status"], "failed");
    assert!(failed.body.get("insights").is_none());

    let retry = api.post(&path, &json!({})).await;
    assert_eq!(
        retry.status,
        StatusCode::ACCEPTED,
        "a failed job allows a new one"
    );
    assert_ne!(retry.body["id"], started.body["id"]);
    local.stop().await;
}

#[tokio::test]
async fn unknown_call_and_job_get_404() {
    let directory = tempfile::tempdir().unwrap();
    let local = start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;
    let api = ApiClient::new(&local.base_url, None);

    for reply in [
        api.get("/api/calls/nosuchcall/insights").await,
        api.post("/api/calls/nosuchcall/insights", &json!({})).await,
        api.post("/api/calls/nosuchcall/transcribe", &json!({}))
            .await,
        api.get("/api/calls/nosuchcall").await,
    ] {
        assert_json_error(&reply, StatusCode::NOT_FOUND, "call_not_found");
        assert!(reply.error_message().contains("nosuchcall"));
    }

    let job = api.get("/api/jobs/nosuchjob").await;
    assert_json_error(&job, StatusCode::NOT_FOUND, "job_not_found");

    let call_id = api.create_inline_call(TRANSCRIPT).await;
    let no_job = api.get(&format!("/api/calls/{call_id}/insights")).await;
    assert_json_error(&no_job, StatusCode::NOT_FOUND, "job_not_found");
    assert!(no_job.error_message().contains("POST /api/calls/"));
    local.stop().await;
}

#[tokio::test]
async fn transcribe_sends_one_event_per_call() {
    let directory = tempfile::tempdir().unwrap();
    let local = start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;
    let api = ApiClient::new(&local.base_url, None);
    // A transcript host that accepts connections and never replies keeps
    // the transcription, and so its job, running during the test.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}/call-7.txt", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let created = api
        .post("/api/calls", &json!({ "transcript_url": silent_url }))
        .await;
    let call_id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/calls/{call_id}/transcribe");

    let first = api.post(&path, &json!({})).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{:?}", first.body);
    assert_eq!(first.body["event"]["name"], "calls/uploaded");
    let job_id = first.body["job_id"].as_str().unwrap().to_owned();
    let expected_id = format!("calls-uploaded-{job_id}");
    assert_eq!(first.body["event"]["id"], expected_id.as_str());
    let second = api.post(&path, &json!({})).await;
    assert_eq!(second.status, StatusCode::ACCEPTED);
    assert_eq!(second.body["job_id"], job_id.as_str());
    assert_eq!(second.body["event"]["id"], expected_id.as_str());

    let queued = api.get(&format!("/api/calls/{call_id}/insights")).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{:?}", queued.body);

    let insights = api
        .post(&format!("/api/calls/{call_id}/insights"), &json!({}))
        .await;
    assert_json_error(&insights, StatusCode::CONFLICT, "transcript_missing");
    assert!(insights.error_message().contains("/transcribe"));

    let inline_id = api.create_inline_call(TRANSCRIPT).await;
    let inline = api
        .post(&format!("/api/calls/{inline_id}/transcribe"), &json!({}))
        .await;
    assert_json_error(&inline, StatusCode::CONFLICT, "nothing_to_transcribe");
    // Stopping would wait for the held transcription call; ending the test
    // runtime cancels it instead.
    drop(local);
}

#[tokio::test]
async fn token_required_when_configured() {
    let directory = tempfile::tempdir().unwrap();
    let local = start_with_token(directory.path()).await;
    let anonymous = ApiClient::new(&local.base_url, None);
    let wrong = ApiClient::new(&local.base_url, Some("test-token-5f2b"));
    let right = ApiClient::new(&local.base_url, Some(TOKEN));

    let body = json!({ "transcript": TRANSCRIPT });
    for client in [&anonymous, &wrong] {
        for reply in [
            client.post("/api/calls", &body).await,
            client.get("/api/calls/anything").await,
            client.get("/api/calls/anything/insights").await,
            client
                .post("/api/calls/anything/insights", &json!({}))
                .await,
            client
                .post("/api/calls/anything/transcribe", &json!({}))
                .await,
            client.get("/api/jobs/anything").await,
        ] {
            assert_json_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
            assert_eq!(reply.headers["www-authenticate"], "Bearer");
        }
    }
    assert_eq!(count_calls(&directory.path().join("test.db")).await, 0);

    let created = right.post("/api/calls", &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);

    // The serve endpoint checks Inngest signatures instead of this token.
    let serve = reqwest::get(local.base_url.join("api/inngest").unwrap())
        .await
        .unwrap();
    assert_ne!(serve.status(), StatusCode::UNAUTHORIZED);
    let health = reqwest::get(local.base_url.join("health").unwrap())
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    local.stop().await;
}

#[test]
fn serve_beyond_loopback_needs_token() {
    let settings = |values: &[(&str, &str)]| {
        let values: HashMap<String, String> = values
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        Settings::from_lookup(|name| values.get(name).cloned()).unwrap()
    };

    let exposed = settings(&[("HOST", "0.0.0.0")]);
    let error = exposed.check_api_exposure().unwrap_err();
    assert!(matches!(error, ConfigError::Unprotected { .. }));
    let message = error.to_string();
    assert!(message.contains("HOST=0.0.0.0"), "{message}");
    assert!(message.contains("API_TOKEN"), "{message}");

    let protected = settings(&[("HOST", "0.0.0.0"), ("API_TOKEN", TOKEN)]);
    assert!(protected.check_api_exposure().is_ok());
    assert!(settings(&[]).check_api_exposure().is_ok());
    assert!(settings(&[("HOST", "::1")]).check_api_exposure().is_ok());
}
