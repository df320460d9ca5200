//! The stale-job reaper: in local mode against the embedded executor's runs,
//! in dev and cloud mode by idle time alone, and `call-insights jobs reap`.

mod api_support;
mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use api_support::{ApiClient, GatedAnalyzer, TRANSCRIPT, wait_for};
use call_insights::analyzer::HeuristicAnalyzer;
use call_insights::reaper::Reaper;
use call_insights::store::{NewCall, Store};
use functions::domain::{CallId, JobId, JobStage, JobStatus, Transcript};
use reqwest::StatusCode;
use serde_json::json;
use support::pipeline;

const STALE_AFTER: Duration = Duration::from_secs(60);

/// A time long before any stale-job cutoff of these tests.
const LONG_AGO: &str = "2020-01-01T00:00:00.000Z";

/// Stores a call with a transcript and a job in `processing` that names
/// `run_id` as its run.
async fn processing_job(store: &Store, run_id: &str) -> (CallId, JobId) {
    let call = store.create_call(&NewCall::new("stuck")).await.unwrap();
    let transcript = Transcript::default();
    store
        .save_transcript(&call.id, &transcript, "test", true)
        .await
        .unwrap();
    let job = store.create_or_get_active_job(&call.id).await.unwrap().job;
    store
        .start_job(&job.id, &call.id, run_id, JobStage::Analyzing)
        .await
        .unwrap();
    (call.id, job.id)
}

/// Sets a job's `updated_at` directly in the database, as if its last step
/// ran then.
async fn age_job(database: &Path, job_id: &JobId) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    let updated = sqlx::query("UPDATE insights_jobs SET updated_at = $1 WHERE id = $2")
        .bind(LONG_AGO)
        .bind(job_id.as_str())
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
    pool.close().await;
    assert_eq!(updated, 1, "job {job_id} exists");
}

#[tokio::test]
async fn job_without_live_run_is_failed() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("test.db");
    let local = pipeline::start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;
    let store = &local.service.store;
    let (call_id, stale) = processing_job(store, "01jnosuchrun0000000000000").await;
    age_job(&database, &stale).await;
    let (_, fresh) = processing_job(store, "01jnosuchrun0000000000001").await;

    let reaper = Reaper::new(store.clone(), local.service.executor.clone(), STALE_AFTER);
    let reaped = reaper.reap_once().await.unwrap();

    assert_eq!(reaped.len(), 1, "{reaped:?}");
    assert_eq!(reaped[0].job.id, stale);
    let job = store.get_job(&stale).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(
        job.stage,
        JobStage::Analyzing,
        "the stage it stalled in is kept"
    );
    assert!(job.completed_at.is_some());
    let message = job.error_message.unwrap();
    assert!(message.starts_with("no progress for "), "{message}");
    assert!(message.contains(" minutes in stage analyzing"), "{message}");
    assert!(message.contains("the run is gone"), "{message}");
    assert!(
        message.contains(&format!("POST /api/calls/{call_id}/insights")),
        "{message}"
    );

    let untouched = store.get_job(&fresh).await.unwrap().unwrap();
    assert_eq!(
        untouched.status,
        JobStatus::Processing,
        "a recent job stays"
    );
    assert!(
        reaper.reap_once().await.unwrap().is_empty(),
        "a second pass fails nothing"
    );
    local.stop().await;
}

#[tokio::test]
async fn job_with_live_run_is_kept() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("test.db");
    let analyzer = Arc::new(GatedAnalyzer::new());
    let local = pipeline::start(directory.path(), analyzer.clone()).await;
    let api = ApiClient::new(&local.base_url, None);
    let call_id = api.create_inline_call(TRANSCRIPT).await;
    let path = format!("/api/calls/{call_id}/insights");
    let started = api.post(&path, &json!({})).await;
    assert_eq!(started.status, StatusCode::ACCEPTED);
    let job_id = JobId::from(started.body["id"].as_str().unwrap());
    wait_for("the analyzer to be called", || async {
        (analyzer.calls() == 1).then_some(())
    })
    .await;
    age_job(&database, &job_id).await;

    let store = &local.service.store;
    let reaper = Reaper::new(store.clone(), local.service.executor.clone(), STALE_AFTER);
    let reaped = reaper.reap_once().await.unwrap();

    assert!(reaped.is_empty(), "{reaped:?}");
    let job = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Processing);

    analyzer.release();
    let done = api.wait_for_result(&path).await;
    assert_eq!(done.body["status"], "completed", "{:?}", done.body);
    local.stop().await;
}

#[tokio::test]
async fn job_of_ended_run_is_failed() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("test.db");
    let local = pipeline::start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;
    let api = ApiClient::new(&local.base_url, None);
    let call_id = api.create_inline_call(TRANSCRIPT).await;
    let path = format!("/api/calls/{call_id}/insights");
    api.post(&path, &json!({})).await;
    let done = api.wait_for_result(&path).await;
    let ended_run = done.body["job"]["run_id"].as_str().unwrap().to_owned();

    // A job left processing by a run that has completed since.
    let store = &local.service.store;
    let (_, stuck) = processing_job(store, &ended_run).await;
    age_job(&database, &stuck).await;
    let reaper = Reaper::new(store.clone(), local.service.executor.clone(), STALE_AFTER);
    let reaped = reaper.reap_once().await.unwrap();

    assert_eq!(reaped.len(), 1, "{reaped:?}");
    assert_eq!(reaped[0].job.id, stuck);
    assert!(
        reaped[0].message.contains(&ended_run),
        "{}",
        reaped[0].message
    );
    local.stop().await;
}

#[tokio::test]
async fn without_executor_idle_time_decides() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("test.db");
    let url = format!("sqlite://{}?mode=rwc", database.display());
    let store = Store::connect(&url).await.unwrap();
    let (_, stale) = processing_job(&store, "run-in-inngest-1").await;
    age_job(&database, &stale).await;
    let (_, fresh) = processing_job(&store, "run-in-inngest-2").await;

    let reaper = Reaper::new(store.clone(), None, STALE_AFTER);
    let reaped = reaper.reap_once().await.unwrap();

    assert_eq!(reaped.len(), 1, "{reaped:?}");
    assert_eq!(reaped[0].job.id, stale);
    assert!(
        reaped[0].message.contains("the run is presumed gone"),
        "{}",
        reaped[0].message
    );
    let kept = store.get_job(&fresh).await.unwrap().unwrap();
    assert_eq!(kept.status, JobStatus::Processing);
    store.close().await;
}

#[tokio::test]
async fn jobs_reap_prints_failed_jobs() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("reap.db");
    let url = format!("sqlite://{}?mode=rwc", database.display());
    let store = Store::connect(&url).await.unwrap();
    let (call_id, stale) = processing_job(&store, "01jnosuchrun0000000000002").await;
    age_job(&database, &stale).await;
    let (_, fresh) = processing_job(&store, "01jnosuchrun0000000000003").await;
    store.close().await;

    let first = reap_command(&url);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "failed job {stale} of call {call_id}: no progress for"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains(fresh.as_str()), "{stdout}");

    let second = reap_command(&url);
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success());
    assert!(stdout.starts_with("no stale jobs"), "{stdout}");
}

fn reap_command(database_url: &str) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_call-insights"));
    command
        .args(["jobs", "reap"])
        .env("DATABASE_URL", database_url)
        .env("STALE_JOB_AFTER_SECS", STALE_AFTER.as_secs().to_string());
    for name in [
        "INNGEST_DEV",
        "INNGEST_SIGNING_KEY",
        "INNGEST_BASE_URL",
        "INNGEST_API_BASE_URL",
        "API_TOKEN",
        "HOST",
    ] {
        command.env_remove(name);
    }
    command.output().expect("the binary runs")
}
