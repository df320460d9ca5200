//! What each vendor fault does to an insights job: the analyzer is an
//! OpenAI-compatible server standing in on loopback, the job runs through
//! the embedded executor, and each case checks the job's final status.

mod support;

#[path = "support/vendors.rs"]
#[allow(dead_code)]
mod vendors;

use call_insights::local::{JobOutcome, LocalService};
use call_insights::service::Providers;
use functions::domain::JobStatus;
use serde_json::json;
use support::pipeline;
use vendors::{Dialect, MockVendor, Reply};

const KEY: &str = "sk-test-outcomes";

async fn run_job(replies: Vec<Reply>) -> (JobOutcome, MockVendor) {
    run_job_with(replies, &[]).await
}

/// Runs one insights job against a stand-in OpenAI server replying with
/// `replies`, with `extra` settings on top of the defaults here.
async fn run_job_with(
    replies: Vec<Reply>,
    extra: &[(&'static str, &str)],
) -> (JobOutcome, MockVendor) {
    let mock = MockVendor::start(Dialect::OpenAiChat, Some(KEY), replies).await;
    let directory = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        directory.path().join("vendor.db").display()
    );
    let mut settings_list = vec![
        ("ANALYZER", "openai"),
        ("OPENAI_BASE_URL", mock.base_url.as_str()),
        ("OPENAI_API_KEY", KEY),
        ("LLM_MAX_OUTPUT_RETRIES", "1"),
        ("STEP_RETRIES", "2"),
    ];
    settings_list.extend_from_slice(extra);
    let settings = pipeline::settings_for_url(&url, &settings_list);
    let providers = Providers::from_settings(&settings.providers).unwrap();
    let local = LocalService::start(settings, providers).await.unwrap();
    let transcript = call_insights::transcript::parse(
        "Project Manager: What is the budget for the remote?\nMarketing: Twelve euros fifty per unit.\n",
        None,
    )
    .unwrap();
    let call_id = local
        .import("vendor case", None, &transcript)
        .await
        .unwrap();

    let outcome = local.run_insights(&call_id, |_| {}).await.unwrap();
    local.stop().await;
    drop(directory);
    (outcome, mock)
}

fn success() -> Reply {
    vendors::openai_chat(&vendors::valid_insights().to_string(), "stop")
}

fn error_message(outcome: &JobOutcome) -> String {
    outcome.job.error_message.clone().unwrap_or_default()
}

#[tokio::test]
async fn rate_limit_retried_to_success() {
    let limited = Reply::json(
        429,
        &vendors::openai_error_body("Rate limit reached", "requests", None),
    )
    .with_header("retry-after", "1");

    let (outcome, mock) = run_job(vec![limited, success()]).await;

    assert_eq!(
        outcome.job.status,
        JobStatus::Completed,
        "{}",
        error_message(&outcome)
    );
    assert_eq!(mock.received().len(), 2);
}

#[tokio::test]
async fn server_error_is_retried_to_success() {
    let failing = Reply::json(
        500,
        &vendors::openai_error_body("The server had an error", "server_error", None),
    );

    let (outcome, mock) = run_job(vec![failing, success()]).await;

    assert_eq!(
        outcome.job.status,
        JobStatus::Completed,
        "{}",
        error_message(&outcome)
    );
    assert_eq!(mock.received().len(), 2);
}

#[tokio::test]
async fn unknown_model_fails_the_job_without_retries() {
    let missing = Reply::json(
        404,
        &vendors::openai_error_body(
            "The model `gpt-nope` does not exist",
            "invalid_request_error",
            Some("model_not_found"),
        ),
    );

    let (outcome, mock) = run_job(vec![missing]).await;

    assert_eq!(outcome.job.status, JobStatus::Failed);
    assert!(
        error_message(&outcome).contains("does not exist"),
        "{}",
        error_message(&outcome)
    );
    assert_eq!(mock.received().len(), 1, "a permanent fault is not retried");
}

#[tokio::test]
async fn exhausted_quota_fails_the_job_without_retries() {
    let quota = Reply::json(
        429,
        &vendors::openai_error_body(
            "You exceeded your current quota",
            "insufficient_quota",
            Some("insufficient_quota"),
        ),
    );

    let (outcome, mock) = run_job(vec![quota]).await;

    assert_eq!(outcome.job.status, JobStatus::Failed);
    assert!(
        error_message(&outcome).contains("quota"),
        "{}",
        error_message(&outcome)
    );
    assert_eq!(mock.received().len(), 1);
}

#[tokio::test]
async fn refusal_fails_the_job_with_the_vendor_text() {
    let (outcome, _) = run_job(vec![vendors::openai_refusal(
        "I can't help with that request.",
    )])
    .await;

    assert_eq!(outcome.job.status, JobStatus::Failed);
    assert!(
        error_message(&outcome).contains("can't help"),
        "{}",
        error_message(&outcome)
    );
}

#[tokio::test]
async fn schema_invalid_output_fails_after_bounded_requests() {
    let mut invalid = vendors::valid_insights();
    invalid["sentiment"]["overall"]["score"] = json!(7.5);
    let reply = vendors::openai_chat(&invalid.to_string(), "stop");

    let (outcome, mock) = run_job(vec![reply]).await;

    assert_eq!(outcome.job.status, JobStatus::Failed);
    assert!(
        error_message(&outcome).contains("score"),
        "{}",
        error_message(&outcome)
    );
    // One request plus one re-request (LLM_MAX_OUTPUT_RETRIES=1), in one attempt.
    assert_eq!(mock.received().len(), 2);
}

#[tokio::test]
async fn timeout_is_retried_to_success() {
    let slow = success().delayed(std::time::Duration::from_secs(3));

    let (outcome, mock) =
        run_job_with(vec![slow, success()], &[("VENDOR_TIMEOUT_SECS", "0.5")]).await;

    assert_eq!(
        outcome.job.status,
        JobStatus::Completed,
        "{}",
        error_message(&outcome)
    );
    assert_eq!(mock.received().len(), 2);
}

#[tokio::test]
async fn malformed_body_is_retried_then_fails_the_job() {
    let garbled = Reply::text(200, "<html>upstream proxy error</html>");

    let (outcome, mock) = run_job(vec![garbled]).await;

    assert_eq!(outcome.job.status, JobStatus::Failed);
    assert!(!error_message(&outcome).is_empty());
    // STEP_RETRIES=2: three attempts of the analyze step, one request each.
    assert_eq!(mock.received().len(), 3);
}
