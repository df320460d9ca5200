//! The whole pipeline on real meetings: `calls/uploaded` through
//! transcription (the local transcriber reading the meeting file) to saved
//! insights, driven by the embedded executor over HTTP, on SQLite and on
//! PostgreSQL. Also a long transcript analyzed in chunks by an
//! OpenAI-compatible analyzer standing in on loopback.

mod support;

#[path = "support/vendors.rs"]
#[allow(dead_code)]
mod vendors;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use call_insights::analyzer::HeuristicAnalyzer;
use call_insights::local::LocalService;
use call_insights::service::Providers;
use call_insights::store::NewCall;
use call_insights::transcript::{self, Format};
use functions::domain::{JobStage, JobStatus};
use support::pipeline;

const MEETINGS: [&str; 3] = ["ES2006b.json", "IS1006b.json", "TS3010c.json"];

async fn run_pipeline(local: &LocalService) {
    for name in MEETINGS {
        let path = pipeline::meeting(name);
        let mut call = NewCall::new(name);
        call.transcript_source = Some(path.display().to_string());
        let call = local.service.store.create_call(&call).await.unwrap();

        let outcome = local
            .upload(&call.id, Duration::from_secs(60))
            .await
            .unwrap();

        assert_eq!(
            outcome.job.status,
            JobStatus::Completed,
            "{name}: {:?}",
            outcome.job.error_message
        );
        assert_eq!(outcome.job.stage, JobStage::Done, "{name}");
        let insights = outcome
            .insights
            .unwrap_or_else(|| panic!("{name}: no insights"));
        let expected = transcript::parse(
            &std::fs::read_to_string(&path).unwrap(),
            Format::from_path(&path),
        )
        .unwrap();
        let speakers: BTreeSet<String> = insights
            .talk_metrics
            .iter()
            .map(|m| m.speaker.clone())
            .collect();
        assert_eq!(
            speakers,
            expected.speakers().into_iter().collect::<BTreeSet<_>>(),
            "{name}"
        );

        let stored = local
            .service
            .store
            .get_transcript(&call.id)
            .await
            .unwrap()
            .expect("transcript stored");
        assert!(stored.is_final, "{name}: transcript not final");
        assert_eq!(stored.provider, "local", "{name}");
        assert_eq!(
            stored.transcript.segments.len(),
            expected.segments.len(),
            "{name}"
        );

        // Uploading again runs the pipeline again for a new job; the first
        // job and its insights stay as they were.
        if name == MEETINGS[0] {
            let again = local
                .upload(&call.id, Duration::from_secs(60))
                .await
                .unwrap();
            assert_ne!(again.job.id, outcome.job.id, "{name}");
            assert_eq!(again.job.status, JobStatus::Completed, "{name}");
            let first = local
                .service
                .store
                .get_job(&outcome.job.id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(first.status, JobStatus::Completed, "{name}");
        }
    }
}

#[tokio::test]
async fn pipeline_on_sqlite() {
    let directory = tempfile::tempdir().unwrap();
    let local = pipeline::start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;

    run_pipeline(&local).await;
    local.stop().await;
}

#[tokio::test]
async fn pipeline_on_postgres() {
    let Some(database) = support::postgres::fresh_database().await else {
        return;
    };
    let settings = pipeline::settings_for_url(&database.url, &[("RETRY_INTERVAL_MS", "50")]);
    let providers = Providers::with_analyzer(Arc::new(HeuristicAnalyzer::new())).unwrap();
    let local = LocalService::start(settings, providers).await.unwrap();

    run_pipeline(&local).await;
    local.stop().await;
}

#[tokio::test]
async fn long_meeting_is_analyzed_one_chunk_per_step() {
    let mock = vendors::MockVendor::start(
        vendors::Dialect::OpenAiChat,
        Some("test-key"),
        vec![vendors::openai_chat(
            &vendors::valid_insights().to_string(),
            "stop",
        )],
    )
    .await;
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("chunks.db");
    let url = format!("sqlite://{}?mode=rwc", database.display());
    let settings = pipeline::settings_for_url(
        &url,
        &[
            ("RETRY_INTERVAL_MS", "50"),
            ("ANALYZER", "openai"),
            ("OPENAI_BASE_URL", &mock.base_url),
            ("OPENAI_API_KEY", "test-key"),
            ("ANALYZER_CHUNK_CHARS", "5000"),
        ],
    );
    let providers = Providers::from_settings(&settings.providers).unwrap();
    let local = LocalService::start(settings, providers).await.unwrap();
    let path = pipeline::meeting("ES2006a.json");
    let meeting = transcript::parse(
        &std::fs::read_to_string(&path).unwrap(),
        Some(Format::QmsumJson),
    )
    .unwrap();
    let call_id = local.import("ES2006a", None, &meeting).await.unwrap();

    let outcome = local.run_insights(&call_id, |_| {}).await.unwrap();

    assert_eq!(
        outcome.job.status,
        JobStatus::Completed,
        "{:?}",
        outcome.job.error_message
    );
    let insights = outcome.insights.unwrap();
    assert_eq!(insights.summary, vendors::valid_insights()["summary"]);
    assert_eq!(insights.analyzer.name, "openai");
    // Four chunks of at most 5,000 characters, then one merge request.
    assert_eq!(mock.received().len(), 5);

    let runs = local.service.executor.as_ref().unwrap().store().clone();
    let run_id = local
        .service
        .store
        .get_job(&outcome.job.id)
        .await
        .unwrap()
        .unwrap()
        .run_id
        .unwrap();
    let steps = runs.steps(&run_id).await.unwrap();
    let chunk_steps = [
        "analyze-chunk",
        "analyze-chunk:1",
        "analyze-chunk:2",
        "analyze-chunk:3",
    ]
    .map(|id| inngest::step_id::StepHash::of(id).as_str().to_owned());
    for hash in &chunk_steps {
        assert!(
            steps.iter().any(|memo| memo.hash == *hash),
            "missing memo {hash}"
        );
    }
    local.stop().await;
}

#[tokio::test]
async fn failed_transcription_fails_the_job_and_can_be_retried() {
    let directory = tempfile::tempdir().unwrap();
    let local = pipeline::start(directory.path(), Arc::new(HeuristicAnalyzer::new())).await;
    let file = directory.path().join("late.txt");
    let mut call = NewCall::new("late transcript");
    call.transcript_source = Some(file.display().to_string());
    let call = local.service.store.create_call(&call).await.unwrap();

    let failed = local
        .upload(&call.id, Duration::from_secs(60))
        .await
        .unwrap();

    assert_eq!(failed.job.status, JobStatus::Failed);
    let message = failed.job.error_message.clone().unwrap_or_default();
    assert!(
        message.starts_with("transcription failed:") && message.contains("late.txt"),
        "{message}"
    );

    std::fs::write(&file, "Ana: The file is here now.\nBo: Good, analyze it.\n").unwrap();
    let retried = local
        .upload(&call.id, Duration::from_secs(60))
        .await
        .unwrap();

    assert_ne!(retried.job.id, failed.job.id);
    assert_eq!(
        retried.job.status,
        JobStatus::Completed,
        "{:?}",
        retried.job.error_message
    );
    local.stop().await;
}
