//! What the functions need from the outside world, as traits.
//!
//! The service implements these over sqlx (SQLite and PostgreSQL) and the
//! configured vendors; tests can implement them in memory.

use async_trait::async_trait;

use crate::domain::{CallId, JobId, JobStage, Transcript};

use crate::insights::Insights;

/// Boxed error with its cause chain, as returned by stores and providers.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result of a guarded job update: whether a row changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transition {
    /// The row moved to the new state.
    Applied,
    /// The guard did not hold (for example, the job is already completed).
    Skipped,
}

/// Storage operations of the insights pipeline.
#[async_trait]
pub trait InsightsStore: Send + Sync + 'static {
    /// Creates the job row if the web app has not created it yet, then moves it
    /// to `processing` with the given stage and run id. Never moves a completed
    /// or failed job back.
    async fn start_job(
        &self,
        job_id: &JobId,
        call_id: &CallId,
        run_id: &str,
        stage: JobStage,
    ) -> Result<Transition, BoxError>;

    /// Updates the stage of a job that is still `processing`.
    async fn set_stage(&self, job_id: &JobId, stage: JobStage) -> Result<Transition, BoxError>;

    /// Loads the transcript of a call: `Ok(None)` when the call exists without one.
    /// An unknown call is an error of kind [`StoreError::CallNotFound`].
    async fn load_transcript(&self, call_id: &CallId) -> Result<Option<Transcript>, BoxError>;

    /// Upserts the insights by job id and marks the job `completed` (stage
    /// `done`) in one transaction.
    async fn save_insights(
        &self,
        job_id: &JobId,
        call_id: &CallId,
        insights: &Insights,
    ) -> Result<Transition, BoxError>;

    /// Marks an active job `failed` with the message and `completed_at`.
    async fn fail_job(&self, job_id: &JobId, message: &str) -> Result<Transition, BoxError>;
}

/// Storage operations of the transcription pipeline.
#[async_trait]
pub trait TranscriptionStore: Send + Sync + 'static {
    /// Where the call's recording or transcript file is. An unknown call is
    /// an error of kind [`StoreError::CallNotFound`].
    async fn media_source(&self, call_id: &CallId) -> Result<MediaSource, BoxError>;

    /// Stores (or replaces) the call's transcript, not yet final.
    async fn save_draft_transcript(
        &self,
        call_id: &CallId,
        transcript: &Transcript,
        provider: &str,
    ) -> Result<(), BoxError>;

    /// Marks the transcript final and returns the call's active insights
    /// job, creating it when there is none, so a replay never makes a second.
    async fn finalize_transcript(&self, call_id: &CallId) -> Result<JobId, BoxError>;

    /// Records that transcription failed for good: the call's active job
    /// (created when there is none) becomes `failed` with the message, so
    /// the failure shows where the insights would.
    async fn fail_transcription(
        &self,
        call_id: &CallId,
        message: &str,
    ) -> Result<Transition, BoxError>;
}

/// Errors a store reports that the functions must tell apart.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No row in `calls` has this id.
    #[error("call {0} not found")]
    CallNotFound(CallId),
}

/// Turns a transcript into insights.
#[async_trait]
pub trait Analyzer: Send + Sync + 'static {
    /// Short provider name stored with the insights (`heuristic`, `openai`, ...).
    fn name(&self) -> &str;

    /// Model name, when the provider has one.
    fn model(&self) -> Option<&str>;

    /// Analyzes a whole transcript.
    async fn analyze(&self, transcript: &Transcript) -> Result<Insights, AnalyzeError>;
}

/// Where a call's audio or transcript is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaSource {
    /// URL of the recording (`https://`, `file://` or a local path).
    pub recording_url: Option<String>,
    /// Path or URL of a transcript file that comes with the call.
    pub transcript_source: Option<String>,
    /// Format of the transcript file when its name does not tell it.
    pub transcript_format: Option<String>,
}

/// Turns a call's media into a transcript.
#[async_trait]
pub trait Transcriber: Send + Sync + 'static {
    /// Short provider name stored with the transcript (`local`, `openai`, ...).
    fn name(&self) -> &str;

    /// Transcribes the call's recording or reads its transcript file.
    async fn transcribe(&self, source: &MediaSource) -> Result<Transcript, TranscribeError>;
}

/// Why an analysis failed.
pub type AnalyzeError = ProviderError;

/// Why a transcription failed.
pub type TranscribeError = ProviderError;

/// Why a vendor call failed, shaped for the retry decision the step makes.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// A transient fault (rate limit, 5xx, timeout); retry, after the delay when given.
    #[error("{message}")]
    Retryable {
        message: String,
        retry_after: Option<std::time::Duration>,
        #[source]
        source: Option<BoxError>,
    },
    /// A fault retrying cannot fix (invalid request, unknown model, exhausted quota).
    #[error("{message}")]
    Permanent {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
}
