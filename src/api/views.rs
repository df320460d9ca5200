//! JSON bodies of calls and jobs as the API returns them. Timestamps are
//! RFC 3339 strings in UTC.

use functions::domain::{JobStage, JobStatus, Transcript};
use serde::Serialize;
use time::OffsetDateTime;

use crate::store::{Call, Job};

/// A call.
#[derive(Debug, Serialize)]
pub struct CallView {
    pub id: String,
    pub title: String,
    pub recording_url: Option<String>,
    pub transcript_url: Option<String>,
    pub transcript_format: Option<String>,
    pub duration_s: Option<f64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Counts of the stored transcript, absent until the call has one.
    pub transcript: Option<TranscriptSummary>,
}

impl CallView {
    /// Builds the view of a call and, when it has one, its transcript.
    pub fn new(call: Call, transcript: Option<&Transcript>) -> Self {
        Self {
            id: call.id.to_string(),
            title: call.title,
            recording_url: call.recording_url,
            transcript_url: call.transcript_source,
            transcript_format: call.transcript_format,
            duration_s: call.duration_s,
            created_at: call.created_at,
            transcript: transcript.map(TranscriptSummary::new),
        }
    }
}

/// Size of a transcript.
#[derive(Debug, Serialize)]
pub struct TranscriptSummary {
    pub segments: usize,
    pub words: usize,
    pub speakers: Vec<String>,
}

impl TranscriptSummary {
    fn new(transcript: &Transcript) -> Self {
        Self {
            segments: transcript.segments.len(),
            words: transcript.word_count(),
            speakers: transcript.speakers(),
        }
    }
}

/// An insights job.
#[derive(Debug, Serialize)]
pub struct JobView {
    pub id: String,
    pub call_id: String,
    pub status: JobStatus,
    pub stage: JobStage,
    pub attempt: i32,
    pub run_id: Option<String>,
    /// Failure reason, set only when `status` is `failed`.
    pub error_message: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<Job> for JobView {
    fn from(job: Job) -> Self {
        Self {
            id: job.id.to_string(),
            call_id: job.call_id.to_string(),
            status: job.status,
            stage: job.stage,
            attempt: job.attempt,
            run_id: job.run_id,
            error_message: job.error_message,
            created_at: job.created_at,
            started_at: job.started_at,
            completed_at: job.completed_at,
            updated_at: job.updated_at,
        }
    }
}
