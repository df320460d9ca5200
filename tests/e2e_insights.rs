//! End to end: real transcripts through the serve endpoint and the embedded
//! executor over HTTP, into a real SQLite database.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use call_insights::analyzer::HeuristicAnalyzer;
use call_insights::transcript::{self, Format};
use functions::domain::{JobStage, JobStatus};
use support::pipeline::{self, FlakyAnalyzer};

async fn insights_rows(
    local: &call_insights::local::LocalService,
    database: &std::path::Path,
    call_id: &str,
) -> i64 {
    let _ = local;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM insights WHERE call_id = $1")
        .bind(call_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    count
}

#[tokio::test]
async fn real_meetings_complete_with_their_speakers() {
    let directory = tempfile::tempdir().unwrap();
    let local = pipeline::start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;

    for name in ["ES2006a.json", "ES2009b.json", "IS1006a.json"] {
        let path = pipeline::meeting(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let transcript = transcript::parse(&text, Format::from_path(&path)).unwrap();
        let call_id = local.import(name, None, &transcript).await.unwrap();

        let mut stages = Vec::new();
        let outcome = local
            .run_insights(&call_id, |progress| {
                if let call_insights::local::Progress::Job(job) = progress {
                    stages.push(job.stage);
                }
            })
            .await
            .unwrap();

        assert_eq!(
            outcome.job.status,
            JobStatus::Completed,
            "{name}: {:?}",
            outcome.job.error_message
        );
        assert_eq!(outcome.job.stage, JobStage::Done, "{name}");
        assert!(outcome.job.completed_at.is_some(), "{name}");
        let insights = outcome
            .insights
            .unwrap_or_else(|| panic!("{name}: no insights saved"));
        assert!(!insights.summary.is_empty(), "{name}");
        assert!(!insights.topics.is_empty(), "{name}");
        let speakers: BTreeSet<String> = insights
            .talk_metrics
            .iter()
            .map(|m| m.speaker.clone())
            .collect();
        let expected: BTreeSet<String> = transcript.speakers().into_iter().collect();
        assert_eq!(speakers, expected, "{name}");
        assert_eq!(stages.last(), Some(&JobStage::Done), "{name}: {stages:?}");
    }
    local.stop().await;
}

#[tokio::test]
async fn analyze_retries_twice_then_saves_one_row() {
    let directory = tempfile::tempdir().unwrap();
    let analyzer = FlakyAnalyzer::failing(2);
    let local = pipeline::start(directory.path(), analyzer.clone()).await;
    let transcript = transcript::parse(
        "Ana: Hello there, thanks for joining.\nBo: Happy to help with the rollout.\n",
        None,
    )
    .unwrap();
    let call_id = local.import("flaky", None, &transcript).await.unwrap();

    let outcome = local.run_insights(&call_id, |_| {}).await.unwrap();

    assert_eq!(
        outcome.job.status,
        JobStatus::Completed,
        "{:?}",
        outcome.job.error_message
    );
    assert_eq!(analyzer.calls(), 3);
    assert_eq!(
        insights_rows(&local, &directory.path().join("test.db"), call_id.as_str()).await,
        1
    );
    local.stop().await;
}

#[tokio::test]
async fn analyze_failing_for_good_fails_the_job() {
    let directory = tempfile::tempdir().unwrap();
    let analyzer = FlakyAnalyzer::always_failing();
    let local = pipeline::start(directory.path(), analyzer.clone()).await;
    let transcript = transcript::parse("Ana: Hello there.\nBo: Hi.\n", None).unwrap();
    let call_id = local.import("doomed", None, &transcript).await.unwrap();

    let outcome = local.run_insights(&call_id, |_| {}).await.unwrap();

    assert_eq!(outcome.job.status, JobStatus::Failed);
    let message = outcome.job.error_message.unwrap_or_default();
    assert!(message.contains("vendor unavailable"), "{message}");
    assert!(outcome.job.completed_at.is_some());
    assert!(outcome.insights.is_none());
    // STEP_RETRIES=3: four attempts of the analyze step.
    assert_eq!(analyzer.calls(), 4);
    local.stop().await;
}

#[tokio::test]
async fn bad_signature_is_rejected_and_runs_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let analyzer = FlakyAnalyzer::failing(0);
    let local = pipeline::start(directory.path(), analyzer.clone()).await;
    let transcript = transcript::parse("Ana: Hello there.\nBo: Hi.\n", None).unwrap();
    let call_id = local.import("forged", None, &transcript).await.unwrap();
    let job = local
        .service
        .store
        .create_or_get_active_job(&call_id)
        .await
        .unwrap()
        .job;

    let body = serde_json::json!({
        "ctx": { "run_id": "01FORGED", "attempt": 0, "stack": { "stack": [], "current": 0 } },
        "event": { "name": "insights/start", "data": { "job_id": job.id, "call_id": call_id } },
        "steps": {},
        "version": 2,
    });
    let url = format!(
        "{}api/inngest?fnId=call-insights-generate-call-insights&stepId=step",
        local.base_url
    );
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("x-inngest-signature", "t=1700000000&s=0000")
        .json(&body)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["content-type"], "application/json");
    let reply: serde_json::Value = response.json().await.unwrap();
    assert_eq!(reply["message"], "Unauthorized");
    let job = local.service.store.get_job(&job.id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Pending);
    assert_eq!(analyzer.calls(), 0);
    local.stop().await;
}

#[tokio::test]
async fn analyze_json_prints_exactly_the_saved_insights() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cli.db");
    let meeting = pipeline::meeting("TS3009a.json");

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_call-insights"))
        .args(["analyze", "--json"])
        .arg(&meeting)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", database.display()),
        )
        .env_remove("INNGEST_DEV")
        .env_remove("INNGEST_SIGNING_KEY")
        .env_remove("INNGEST_BASE_URL")
        .output()
        .await
        .unwrap();

    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("stdout is only the JSON object");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for stage in [
        "step fetch: done",
        "step analyze: done",
        "step save: done",
        "done (completed)",
    ] {
        assert!(stderr.contains(stage), "missing {stage:?} in {stderr}");
    }

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    let saved: String = sqlx::query_scalar("SELECT insights FROM insights")
        .fetch_one(&pool)
        .await
        .unwrap();
    let saved: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(printed, saved);
    pool.close().await;
}

#[tokio::test]
async fn analyze_rejects_a_file_without_speakers() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("notes.txt");
    std::fs::write(&file, "just some notes\nwith no speaker names\n").unwrap();

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_call-insights"))
        .arg("analyze")
        .arg(&file)
        .env(
            "DATABASE_URL",
            format!(
                "sqlite://{}?mode=rwc",
                directory.path().join("x.db").display()
            ),
        )
        .output()
        .await
        .unwrap();

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("notes.txt") && stderr.contains("line 1"),
        "{stderr}"
    );
}
