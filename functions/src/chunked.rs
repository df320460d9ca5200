//! Analysis split into steps, for transcripts longer than one model request.
//!
//! The service's LLM analyzers implement [`ChunkedAnalyzer`];
//! `generate-call-insights` runs one durable step per [`Chunk`], with a
//! repeated step id, so each chunk is retried on its own.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{Segment, Transcript};
use crate::insights::{
    ActionItem, AnalyzerInfo, Insights, Objection, Question, SCHEMA_VERSION, Sentiment,
    TalkMetrics, Topic,
};
use crate::ports::AnalyzeError;

/// A run of consecutive segments analyzed in one request. Small, so it can
/// be a durable step's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// Position of the chunk, from 0.
    pub index: usize,
    /// Number of chunks in the plan.
    pub count: usize,
    /// First segment of the chunk.
    pub start: usize,
    /// One past the last segment of the chunk.
    pub end: usize,
    /// Characters of the rendered lines.
    pub chars: usize,
}

impl Chunk {
    /// Returns the segments of this chunk.
    pub fn segments<'a>(&self, transcript: &'a Transcript) -> &'a [Segment] {
        let end = self.end.min(transcript.segments.len());
        &transcript.segments[self.start.min(end)..end]
    }
}

/// The insights a model writes for one chunk or for the merge: everything
/// except the fields computed locally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialInsights {
    pub summary: String,
    pub key_points: Vec<String>,
    pub sentiment: Sentiment,
    pub topics: Vec<Topic>,
    pub action_items: Vec<ActionItem>,
    pub next_steps: Vec<String>,
    pub decisions: Vec<String>,
    pub questions: Vec<Question>,
    pub objections: Vec<Objection>,
    pub risks: Vec<String>,
}

impl PartialInsights {
    /// Completes the insights with locally computed talk metrics and analyzer info.
    pub fn into_insights(self, talk_metrics: Vec<TalkMetrics>, analyzer: AnalyzerInfo) -> Insights {
        Insights {
            schema_version: SCHEMA_VERSION.to_owned(),
            summary: self.summary,
            key_points: self.key_points,
            sentiment: self.sentiment,
            topics: self.topics,
            action_items: self.action_items,
            next_steps: self.next_steps,
            decisions: self.decisions,
            questions: self.questions,
            objections: self.objections,
            risks: self.risks,
            talk_metrics,
            analyzer,
        }
    }
}

/// Analysis split into steps, so a durable function can run one step per
/// chunk (with a repeated step id) and retry chunks on their own.
///
/// The outputs are small and serializable, and every method is
/// deterministic apart from the model calls, so replays see the same plan.
#[async_trait]
pub trait ChunkedAnalyzer: Send + Sync + 'static {
    /// Splits the transcript into chunks; empty for an empty transcript.
    fn plan(&self, transcript: &Transcript) -> Vec<Chunk>;

    /// Analyzes the segments of one chunk.
    async fn analyze_chunk(
        &self,
        transcript: &Transcript,
        chunk: &Chunk,
    ) -> Result<PartialInsights, AnalyzeError>;

    /// Combines the chunk results, in plan order, into the insights of the
    /// whole call. One chunk needs no request.
    async fn merge(
        &self,
        transcript: &Transcript,
        partials: Vec<PartialInsights>,
    ) -> Result<Insights, AnalyzeError>;
}
