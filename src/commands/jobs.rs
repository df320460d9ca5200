//! `call-insights jobs reap`: one pass of the stale-job check, by hand.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use url::Url;

use crate::config::Settings;
use crate::reaper::Reaper;
use crate::service::{self, Service};

/// Fails the stale jobs once and prints one line per failed job on stdout.
///
/// In local mode the executor's state in the database identifies live runs,
/// without starting its workers; in dev and cloud mode the idle time alone
/// decides, as in `serve`.
///
/// # Errors
/// Invalid settings, a database that cannot open, or a failed pass.
pub async fn reap() -> anyhow::Result<ExitCode> {
    let settings = Settings::from_env()?;
    let stale_after = settings.stale_job_after;
    // Nothing listens here; the URL only completes the local serve config.
    let base_url = Url::parse("http://127.0.0.1/").expect("a literal URL is valid");
    let service = Service::build(settings, &base_url).await?;

    let reaped = Reaper::for_service(&service)
        .reap_once()
        .await
        .with_context(|| {
            format!(
                "the stale-job check on {} failed",
                service::redact(&service.settings.database_url)
            )
        })?;

    let mut stdout = std::io::stdout().lock();
    if reaped.is_empty() {
        writeln!(
            stdout,
            "no stale jobs: none has been processing without progress for more than {} s with its run gone",
            stale_after.as_secs()
        )?;
    }
    for reaped_job in &reaped {
        writeln!(
            stdout,
            "failed job {} of call {}: {}",
            reaped_job.job.id, reaped_job.job.call_id, reaped_job.message
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
