//! `generate-call-insights`: fetch a call's transcript, analyze it, save the
//! insights, and mark the job. Triggered by `insights/start`.
//!
//! Step outputs stay small: counts and the insights object. Each step that
//! needs the transcript reads it from the store, because Inngest caps a step
//! output at 4 MiB and a run's state at 32 MiB.

use std::sync::Arc;

use inngest::{Context, Error, Function, FunctionFailed, Step, Trigger};
use serde::{Deserialize, Serialize};

use crate::chunked::{Chunk, ChunkedAnalyzer, PartialInsights};
use crate::domain::{CallId, JobId, JobStage, Transcript};
use crate::errors::{provider_error, store_error};
use crate::insights::Insights;
use crate::ports::{Analyzer, InsightsStore, Transition};

/// Function id; the composite id is `<app id>-generate-call-insights`.
pub const FUNCTION_ID: &str = "generate-call-insights";

/// Event that starts an insights job.
pub const EVENT: &str = "insights/start";

/// Data of `insights/start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightsStart {
    /// The job to run; the web app usually creates its row first, but the
    /// function creates it when it does not exist yet.
    pub job_id: JobId,
    pub call_id: CallId,
    /// Account of the call, for per-account concurrency limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// The `insights/start` event of a job. Its id is the job id, so a resend
/// for the same job, from the web app, the API or a replayed transcription,
/// starts no second run.
pub fn start_event(job_id: &JobId, call_id: &CallId) -> inngest::Event {
    let data = serde_json::json!({ "job_id": job_id, "call_id": call_id });
    inngest::Event::new(EVENT, data).with_id(job_id.as_str())
}

/// Output of the `fetch` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fetched {
    pub segments: usize,
    pub words: usize,
    pub speakers: Vec<String>,
}

/// Output of the `save` step and of the function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saved {
    pub job_id: JobId,
    pub call_id: CallId,
    /// `false` when the job had already finished and nothing was written.
    pub saved: bool,
}

/// What the function needs from the service.
#[derive(Clone)]
pub struct InsightsDeps {
    pub store: Arc<dyn InsightsStore>,
    pub analyzer: Arc<dyn Analyzer>,
    /// The analyzer split into steps; when present, each chunk of the
    /// transcript is analyzed in its own step.
    pub chunked: Option<Arc<dyn ChunkedAnalyzer>>,
    /// Retries after the first attempt of each step.
    pub retries: u32,
    /// Runs in flight per account at most.
    pub account_concurrency: u32,
}

/// Builds the function and its failure handler.
pub fn function(deps: InsightsDeps) -> Function {
    let failure_store = Arc::clone(&deps.store);
    let retries = deps.retries;
    Function::builder(FUNCTION_ID)
        .name("Generate call insights")
        .trigger(Trigger::event(EVENT))
        .retries(retries)
        .flow_control(crate::per_call_and_account(deps.account_concurrency))
        .on_failure(
            move |ctx: Context<FunctionFailed<InsightsStart>>, step: Step| {
                let store = Arc::clone(&failure_store);
                async move { mark_failed(store, ctx, step).await }
            },
        )
        .build(move |ctx: Context<InsightsStart>, step: Step| {
            let deps = deps.clone();
            async move { run(deps, ctx, step).await }
        })
}

async fn run(deps: InsightsDeps, ctx: Context<InsightsStart>, step: Step) -> Result<Saved, Error> {
    let InsightsStart {
        job_id, call_id, ..
    } = ctx.event.data.clone();
    let run_id = ctx.run_id.clone();

    let fetched: Option<Fetched> = step
        .run("fetch", || fetch(&deps, &job_id, &call_id, &run_id))
        .await?;
    let Some(fetched) = fetched else {
        ctx.log
            .info(format!("job {job_id} already finished; nothing to do"));
        return Ok(Saved {
            job_id,
            call_id,
            saved: false,
        });
    };
    ctx.log.info(format!(
        "analyzing call {call_id}: {} segments, {} words",
        fetched.segments, fetched.words
    ));

    let insights: Insights = match deps.chunked.clone() {
        Some(chunked) => analyze_in_chunks(&deps, chunked, &step, &job_id, &call_id).await?,
        None => {
            step.run("analyze", || analyze(&deps, &job_id, &call_id))
                .await?
        }
    };

    step.run("save", || save(&deps, &job_id, &call_id, &insights))
        .await
}

/// Marks the job `processing` and checks the transcript is there and usable.
async fn fetch(
    deps: &InsightsDeps,
    job_id: &JobId,
    call_id: &CallId,
    run_id: &str,
) -> Result<Option<Fetched>, Error> {
    let started = deps
        .store
        .start_job(job_id, call_id, run_id, JobStage::Fetching)
        .await
        .map_err(store_error)?;
    if started == Transition::Skipped {
        return Ok(None);
    }

    let transcript = load_transcript(deps, call_id).await?;
    Ok(Some(Fetched {
        segments: transcript.segments.len(),
        words: transcript.word_count(),
        speakers: transcript.speakers(),
    }))
}

async fn analyze(deps: &InsightsDeps, job_id: &JobId, call_id: &CallId) -> Result<Insights, Error> {
    deps.store
        .set_stage(job_id, JobStage::Analyzing)
        .await
        .map_err(store_error)?;
    let transcript = load_transcript(deps, call_id).await?;

    deps.analyzer
        .analyze(&transcript)
        .await
        .map_err(provider_error)
}

/// Analyzes a transcript one chunk per step (`analyze-chunk`, then
/// `analyze-chunk:1`, ...), then merges the chunk results in `analyze`, so
/// a failing chunk is retried alone and finished chunks are never redone.
async fn analyze_in_chunks(
    deps: &InsightsDeps,
    chunked: Arc<dyn ChunkedAnalyzer>,
    step: &Step,
    job_id: &JobId,
    call_id: &CallId,
) -> Result<Insights, Error> {
    let planner = Arc::clone(&chunked);
    let chunks: Vec<Chunk> = step
        .run("plan", || async {
            deps.store
                .set_stage(job_id, JobStage::Analyzing)
                .await
                .map_err(store_error)?;
            let transcript = load_transcript(deps, call_id).await?;
            Ok::<_, Error>(planner.plan(&transcript))
        })
        .await?;

    let mut partials: Vec<PartialInsights> = Vec::with_capacity(chunks.len());
    for chunk in &chunks {
        let analyzer = Arc::clone(&chunked);
        let partial = step
            .run("analyze-chunk", || async move {
                let transcript = load_transcript(deps, call_id).await?;
                analyzer
                    .analyze_chunk(&transcript, chunk)
                    .await
                    .map_err(provider_error)
            })
            .await?;
        partials.push(partial);
    }

    step.run("analyze", || async move {
        let transcript = load_transcript(deps, call_id).await?;
        chunked
            .merge(&transcript, partials)
            .await
            .map_err(provider_error)
    })
    .await
}

async fn save(
    deps: &InsightsDeps,
    job_id: &JobId,
    call_id: &CallId,
    insights: &Insights,
) -> Result<Saved, Error> {
    deps.store
        .set_stage(job_id, JobStage::Saving)
        .await
        .map_err(store_error)?;
    let saved = deps
        .store
        .save_insights(job_id, call_id, insights)
        .await
        .map_err(store_error)?;
    Ok(Saved {
        job_id: job_id.clone(),
        call_id: call_id.clone(),
        saved: saved == Transition::Applied,
    })
}

/// Loads the transcript; a missing call or an empty transcript cannot be
/// fixed by retrying, so both are non-retriable.
async fn load_transcript(deps: &InsightsDeps, call_id: &CallId) -> Result<Transcript, Error> {
    let transcript = deps
        .store
        .load_transcript(call_id)
        .await
        .map_err(store_error)?;
    let Some(transcript) = transcript else {
        return Err(Error::non_retriable(format!(
            "call {call_id} has no transcript; transcribe it first (POST /api/calls/{call_id}/transcribe) or create it with one"
        )));
    };
    if transcript.word_count() == 0 {
        return Err(Error::non_retriable(format!(
            "the transcript of call {call_id} is empty; there is nothing to analyze"
        )));
    }
    Ok(transcript)
}

async fn mark_failed(
    store: Arc<dyn InsightsStore>,
    ctx: Context<FunctionFailed<InsightsStart>>,
    step: Step,
) -> Result<Transition, Error> {
    let failed = ctx.event.data;
    let job_id = failed.event.data.job_id.clone();
    let message = failed.error.message.clone();
    step.run("mark-failed", || async move {
        store.fail_job(&job_id, &message).await.map_err(store_error)
    })
    .await
}
