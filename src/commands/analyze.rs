//! `call-insights analyze FILE`: one insights job, end to end, in this process.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use functions::domain::JobStatus;

use crate::config::Settings;
use crate::local::{LocalService, Progress};
use crate::render;
use crate::transcript::{self, Format};
use inngest::executor::RunProgress;

/// Imports `file`, runs the insights job, prints the insights.
///
/// # Errors
/// An unreadable or unparsable file, or a failure to start the service.
pub async fn run(file: &Path, json: bool, title: Option<String>) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("failed to read the transcript {}", file.display()))?;
    let transcript = transcript::parse(&text, Format::from_path(file))
        .with_context(|| format!("failed to parse the transcript {}", file.display()))?;
    anyhow::ensure!(
        !transcript.segments.is_empty(),
        "the transcript {} is empty; there is nothing to analyze",
        file.display()
    );

    let settings = Settings::from_env()?;
    let providers = crate::service::Providers::from_settings(&settings.providers)?;
    let local = LocalService::start(settings, providers).await?;

    let title = title.unwrap_or_else(|| file_title(file));
    let call_id = local
        .import(&title, Some(file.display().to_string()), &transcript)
        .await?;
    eprintln!(
        "imported {} as call {call_id}: {} turns, {} speakers, {} words",
        file.display(),
        transcript.segments.len(),
        transcript.speakers().len(),
        transcript.word_count()
    );

    let outcome = local.run_insights(&call_id, show_stage).await;
    local.stop().await;
    let outcome = outcome?;

    if outcome.job.status == JobStatus::Failed {
        let message = outcome
            .job
            .error_message
            .as_deref()
            .unwrap_or("no error message was recorded");
        eprintln!("job {} failed: {message}", outcome.job.id);
        return Ok(ExitCode::FAILURE);
    }
    let insights = outcome.insights.with_context(|| {
        format!(
            "job {} completed but no insights were saved",
            outcome.job.id
        )
    })?;

    let mut stdout = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut stdout, &insights)?;
        writeln!(stdout)?;
    } else {
        render::write_insights(&mut stdout, &title, &insights)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn show_stage(progress: Progress<'_>) {
    match progress {
        Progress::Job(job) => eprintln!(
            "job {}: {} ({})",
            job.id,
            job.stage.as_str(),
            job.status.as_str()
        ),
        Progress::Run(RunProgress::StepCompleted {
            name: Some(name), ..
        }) => eprintln!("  step {name}: done"),
        Progress::Run(RunProgress::Retrying {
            next_attempt,
            retry_at,
            error,
            ..
        }) => {
            let message = error["message"].as_str().unwrap_or("unknown error");
            let wait_ms = (*retry_at - inngest::executor::now_millis()).max(0);
            eprintln!(
                "  attempt failed: {message}; attempt {} in {wait_ms} ms",
                next_attempt + 1
            );
        }
        Progress::Run(RunProgress::StepFailed { name, error, .. }) => {
            let message = error["message"].as_str().unwrap_or("unknown error");
            eprintln!(
                "  step {} failed for good: {message}",
                name.as_deref().unwrap_or("?")
            );
        }
        Progress::Run(_) => {}
    }
}

fn file_title(file: &Path) -> String {
    file.file_stem().map_or_else(
        || "call".to_owned(),
        |stem| stem.to_string_lossy().into_owned(),
    )
}
