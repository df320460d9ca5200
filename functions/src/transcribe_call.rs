//! `transcribe-call`: transcribe an uploaded call, store the transcript, and
//! start its insights job. Triggered by `calls/uploaded`.
//!
//! The transcript goes to the database, never into step state: the
//! `transcribe` step returns only counts.

use std::sync::Arc;

use inngest::{Context, Error, Event, Function, FunctionFailed, Step, Trigger};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::{CallId, JobId};
use crate::errors::{provider_error, store_error};
use crate::generate_insights;
use crate::ports::{Transcriber, TranscriptionStore};

/// Function id; the composite id is `<app id>-transcribe-call`.
pub const FUNCTION_ID: &str = "transcribe-call";

/// Event that starts a transcription.
pub const EVENT: &str = "calls/uploaded";

/// Data of `calls/uploaded`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallUploaded {
    pub call_id: CallId,
    /// Account of the call, for per-account concurrency limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// Output of the `transcribe` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcribed {
    pub provider: String,
    pub segments: usize,
    pub words: usize,
}

/// Output of the function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscribeOutput {
    pub call_id: CallId,
    pub job_id: JobId,
    pub segments: usize,
    /// Id of the `insights/start` event.
    pub event_id: Option<String>,
}

/// What the function needs from the service.
#[derive(Clone)]
pub struct TranscribeDeps {
    pub store: Arc<dyn TranscriptionStore>,
    pub transcriber: Arc<dyn Transcriber>,
    /// Retries after the first attempt of each step.
    pub retries: u32,
    /// Runs in flight per account at most.
    pub account_concurrency: u32,
}

/// The `calls/uploaded` event that transcribes a call for its active job.
/// Its id derives from the job, so repeated requests for one job start one
/// run, and a retry after a failed job (a new job) starts a new one.
pub fn uploaded_event(call_id: &CallId, job_id: &JobId) -> Event {
    Event::new(EVENT, json!({ "call_id": call_id })).with_id(format!("calls-uploaded-{job_id}"))
}

/// Builds the function and its failure handler; one run per call at a time.
pub fn function(deps: TranscribeDeps) -> Function {
    let retries = deps.retries;
    let failure_store = Arc::clone(&deps.store);
    Function::builder(FUNCTION_ID)
        .name("Transcribe call")
        .trigger(Trigger::event(EVENT))
        .retries(retries)
        .on_failure(
            move |ctx: Context<FunctionFailed<CallUploaded>>, step: Step| {
                let store = Arc::clone(&failure_store);
                async move {
                    let failed = ctx.event.data;
                    let call_id = failed.event.data.call_id.clone();
                    let message = format!("transcription failed: {}", failed.error.message);
                    step.run("mark-failed", || async move {
                        store
                            .fail_transcription(&call_id, &message)
                            .await
                            .map_err(store_error)
                    })
                    .await
                }
            },
        )
        .flow_control(crate::per_call_and_account(deps.account_concurrency))
        .build(move |ctx: Context<CallUploaded>, step: Step| {
            let deps = deps.clone();
            async move { run(deps, ctx, step).await }
        })
}

async fn run(
    deps: TranscribeDeps,
    ctx: Context<CallUploaded>,
    step: Step,
) -> Result<TranscribeOutput, Error> {
    let call_id = ctx.event.data.call_id.clone();

    let source = step
        .run("fetch", || async {
            let source = deps.store.media_source(&call_id).await.map_err(store_error)?;
            if source.recording_url.is_none() && source.transcript_source.is_none() {
                return Err(Error::non_retriable(format!(
                    "call {call_id} has neither a recording URL nor a transcript file; create it with one of them"
                )));
            }
            Ok::<_, Error>(json!({
                "recording_url": source.recording_url,
                "transcript_source": source.transcript_source,
            }))
        })
        .await?;
    ctx.log
        .info(format!("transcribing call {call_id} from {source}"));

    let transcribed: Transcribed = step
        .run("transcribe", || async {
            let media = deps
                .store
                .media_source(&call_id)
                .await
                .map_err(store_error)?;
            let transcript = deps
                .transcriber
                .transcribe(&media)
                .await
                .map_err(provider_error)?;
            deps.store
                .save_draft_transcript(&call_id, &transcript, deps.transcriber.name())
                .await
                .map_err(store_error)?;
            Ok::<_, Error>(Transcribed {
                provider: deps.transcriber.name().to_owned(),
                segments: transcript.segments.len(),
                words: transcript.word_count(),
            })
        })
        .await?;

    let job_id: JobId = step
        .run("save", || async {
            deps.store
                .finalize_transcript(&call_id)
                .await
                .map_err(store_error)
        })
        .await?;

    let start = generate_insights::start_event(&job_id, &call_id);
    let ids = step.send_event("start-insights", vec![start]).await?;

    Ok(TranscribeOutput {
        call_id,
        job_id,
        segments: transcribed.segments,
        event_id: ids.into_iter().next(),
    })
}
