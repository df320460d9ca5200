//! Running insights jobs in this process: the service on a loopback port,
//! the embedded executor driving it over HTTP, and a job watched to its end.
//! `call-insights analyze` and the end-to-end tests use this.

use std::time::Duration;

use anyhow::Context as _;
use functions::domain::{CallId, JobStage, JobStatus, Transcript};
use functions::insights::Insights;
use inngest::executor::{ExecutorHandle, RunProgress};
use url::Url;

use crate::config::{Mode, Settings};
use crate::service::Service;
use crate::store::{Job, NewCall};

/// Maximum wait for a finished job's run to report its last events.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// How often the job row is read while waiting.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The service running on an ephemeral loopback port with its executor.
pub struct LocalService {
    pub service: Service,
    pub base_url: Url,
    server: tokio::task::JoinHandle<()>,
    workers: Option<ExecutorHandle>,
}

/// What [`LocalService::run_insights`] reports while a job runs.
#[derive(Debug)]
pub enum Progress<'a> {
    /// The job row changed status or stage.
    Job(&'a Job),
    /// The executor reported a step or run event.
    Run(&'a RunProgress),
}

/// How a job ended.
#[derive(Debug, Clone)]
pub struct JobOutcome {
    pub job: Job,
    /// The saved insights, when the job completed.
    pub insights: Option<Insights>,
}

impl LocalService {
    /// Starts the service in local mode on 127.0.0.1 with `providers`.
    ///
    /// # Errors
    /// A database that cannot open, or a failed sync with the executor.
    pub async fn start(
        mut settings: Settings,
        providers: crate::service::Providers,
    ) -> anyhow::Result<Self> {
        settings.mode = Mode::Local;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .context("failed to listen on a loopback port")?;
        let base_url = crate::commands::serve::base_url(listener.local_addr()?);

        let service = Service::build_with(settings, &base_url, providers).await?;
        let router = service.router();
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::error!(%error, "the local HTTP server stopped");
            }
        });
        let workers = service.start_executor(&base_url).await?;

        Ok(Self {
            service,
            base_url,
            server,
            workers,
        })
    }

    /// Stores a call with its transcript and returns the call id.
    ///
    /// # Errors
    /// A database error.
    pub async fn import(
        &self,
        title: &str,
        source: Option<String>,
        transcript: &Transcript,
    ) -> anyhow::Result<CallId> {
        let mut call = NewCall::new(title);
        call.transcript_source = source;
        let call = self.service.store.create_call(&call).await?;
        self.service
            .store
            .save_transcript(&call.id, transcript, "file", true)
            .await?;
        Ok(call.id)
    }

    /// Creates the call's insights job (or finds the active one), sends
    /// `insights/start`, and waits until the job is completed or failed.
    /// `observe` receives every stage the job enters and every step event of its
    /// runs, as they happen.
    ///
    /// # Errors
    /// A database error, or an executor that refuses the event.
    pub async fn run_insights(
        &self,
        call_id: &CallId,
        mut observe: impl FnMut(Progress<'_>),
    ) -> anyhow::Result<JobOutcome> {
        let store = &self.service.store;
        let job = store.create_or_get_active_job(call_id).await?.job;
        let executor = self
            .service
            .executor
            .as_ref()
            .context("the local executor is not running")?;
        let mut events = executor.subscribe();

        let event = functions::generate_insights::start_event(&job.id, call_id);
        executor.send(vec![event]).await?;

        let mut last: Option<(JobStatus, JobStage)> = None;
        let mut ended_runs: Vec<String> = Vec::new();
        let mut ticks = tokio::time::interval(POLL_INTERVAL);
        loop {
            tokio::select! {
                event = events.recv() => {
                    if let Ok(event) = event {
                        if let RunProgress::RunCompleted { run_id, .. } | RunProgress::RunFailed { run_id, .. } = &event {
                            ended_runs.push(run_id.clone());
                        }
                        observe(Progress::Run(&event));
                    }
                    continue;
                }
                _ = ticks.tick() => {}
            }

            let current = store
                .get_job(&job.id)
                .await?
                .with_context(|| format!("job {} disappeared", job.id))?;
            if current.status.is_active() && last != Some((current.status, current.stage)) {
                observe(Progress::Job(&current));
                last = Some((current.status, current.stage));
            }
            if !current.status.is_active() {
                // The save step commits the job before the executor hears its
                // reply, so the run's last step events are reported first.
                let run_id = current
                    .run_id
                    .as_deref()
                    .filter(|id| !ended_runs.iter().any(|ended| ended == id));
                drain_run_events(&mut events, run_id, &mut observe).await;
                observe(Progress::Job(&current));
                let insights = store
                    .get_insights_by_job(&job.id)
                    .await?
                    .map(|stored| stored.insights);
                return Ok(JobOutcome {
                    job: current,
                    insights,
                });
            }
        }
    }

    /// Sends `calls/uploaded` for a call whose recording or transcript file
    /// is stored with it, then waits until transcription has created the
    /// insights job and that job completed or failed.
    ///
    /// # Errors
    /// A database error, an executor that refuses the event, or no job
    /// within `timeout` (the transcription failed).
    pub async fn upload(&self, call_id: &CallId, timeout: Duration) -> anyhow::Result<JobOutcome> {
        let store = &self.service.store;
        let executor = self
            .service
            .executor
            .as_ref()
            .context("the local executor is not running")?;
        let job = store.create_or_get_active_job(call_id).await?.job;
        executor
            .send(vec![functions::transcribe_call::uploaded_event(
                call_id, &job.id,
            )])
            .await?;

        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(job) = store.latest_job_for_call(call_id).await?
                && !job.status.is_active()
            {
                let insights = store
                    .get_insights_by_job(&job.id)
                    .await?
                    .map(|stored| stored.insights);
                return Ok(JobOutcome { job, insights });
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "call {call_id} has no finished insights job after {timeout:?}; did transcription fail?"
            );
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Stops the workers and the server.
    pub async fn stop(self) {
        if let Some(workers) = self.workers {
            workers.shutdown().await;
        }
        self.server.abort();
    }
}

/// Reports the step events a finished job's run still sends: the `save`
/// step commits the job before the executor hears the step's reply. Waits
/// for the run's own end, at most [`DRAIN_LIMIT`].
async fn drain_run_events(
    events: &mut tokio::sync::broadcast::Receiver<RunProgress>,
    run_id: Option<&str>,
    observe: &mut impl FnMut(Progress<'_>),
) {
    let Some(run_id) = run_id else {
        return;
    };
    let deadline = tokio::time::Instant::now() + DRAIN_LIMIT;
    while let Ok(Ok(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        observe(Progress::Run(&event));
        let ended = matches!(
            &event,
            RunProgress::RunCompleted { run_id: id, .. } | RunProgress::RunFailed { run_id: id, .. } if id == run_id
        );
        if ended {
            return;
        }
    }
}
