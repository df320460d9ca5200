//! Analysis with a large language model, shared by the `openai` and
//! `anthropic` analyzers: prompts, the insights schema, output checks and
//! chunking of long transcripts.
//!
//! A transcript is planned into chunks that fit one request. Each chunk is
//! analyzed on its own, and when there is more than one, a final request
//! combines the chunk results into one analysis, so the summary covers the
//! whole call. Talk metrics always come from the transcript, never from the
//! model, and the analyzer info is filled in here.

mod chunk;
mod output;
mod prompt;
mod schema;
mod validate;

use std::sync::Arc;

use async_trait::async_trait;
use functions::domain::Transcript;
use functions::insights::{AnalyzerInfo, Insights, TalkMetrics};
use functions::ports::{AnalyzeError, Analyzer};
use serde_json::Value;

pub use chunk::{Chunk, plan, render};
pub use output::{ModelReply, PartialInsights, parse_reply};
pub use prompt::PROMPT_VERSION;
pub use schema::{SCHEMA_NAME, insights_schema};
pub use validate::{Violation, validate};

use super::HeuristicAnalyzer;

/// One request to a model: instructions, the message, and the output schema.
#[derive(Debug, Clone, Copy)]
pub struct ChatRequest<'a> {
    pub system: &'a str,
    pub user: &'a str,
    pub schema: &'a Value,
}

/// A vendor API that returns structured output for a [`ChatRequest`].
#[async_trait]
pub trait ChatBackend: Send + Sync + 'static {
    /// Provider name, such as `openai`.
    fn name(&self) -> &'static str;

    /// Model the requests name.
    fn model(&self) -> &str;

    /// Sends one request. Vendor faults are classified [`AnalyzeError`]s;
    /// what the model wrote is returned unchecked.
    async fn complete(&self, request: ChatRequest<'_>) -> Result<ModelReply, AnalyzeError>;
}

pub use functions::chunked::ChunkedAnalyzer;

/// An analyzer that sends requests to a model through a [`ChatBackend`].
#[derive(Clone)]
pub struct LlmAnalyzer {
    backend: Arc<dyn ChatBackend>,
    max_output_retries: u32,
    chunk_chars: usize,
    schema: Arc<Value>,
}

impl LlmAnalyzer {
    /// Creates an analyzer that re-requests invalid output up to
    /// `max_output_retries` times and sends at most about `chunk_chars`
    /// transcript characters per request.
    pub fn new(backend: Arc<dyn ChatBackend>, max_output_retries: u32, chunk_chars: usize) -> Self {
        Self {
            backend,
            max_output_retries,
            chunk_chars: chunk_chars.max(1),
            schema: Arc::new(insights_schema()),
        }
    }

    /// Sends a request until the output passes the checks, up to
    /// `max_output_retries` more times. A refusal ends the loop at once.
    async fn request_valid(&self, user: &str) -> Result<PartialInsights, AnalyzeError> {
        let attempts = self.max_output_retries + 1;
        let mut last_violation: Option<Violation> = None;

        for attempt in 1..=attempts {
            let corrected;
            let message = match &last_violation {
                Some(violation) => {
                    corrected = prompt::with_correction(user, violation);
                    corrected.as_str()
                }
                None => user,
            };
            let request = ChatRequest {
                system: prompt::SYSTEM,
                user: message,
                schema: &self.schema,
            };
            let reply = self.backend.complete(request).await?;
            if let ModelReply::Refusal(text) = reply {
                return Err(self.refusal(&text));
            }

            match parse_reply(reply, &self.schema) {
                Ok(insights) => return Ok(insights),
                Err(violation) => {
                    tracing::warn!(
                        vendor = self.backend.name(),
                        model = self.backend.model(),
                        attempt,
                        attempts,
                        problem = %violation,
                        "model output failed validation"
                    );
                    last_violation = Some(violation);
                }
            }
        }

        let violation = last_violation
            .map(|violation| violation.to_string())
            .unwrap_or_default();
        Err(AnalyzeError::Permanent {
            message: format!(
                "{name} model {model} returned invalid insights {attempts} times; last problem: \
                 {violation}; try another ANALYZER_MODEL or raise LLM_MAX_OUTPUT_RETRIES",
                name = self.backend.name(),
                model = self.backend.model(),
            ),
            source: None,
        })
    }

    fn refusal(&self, text: &str) -> AnalyzeError {
        AnalyzeError::Permanent {
            message: format!(
                "{name} model {model} refused to analyze the transcript: {text}",
                name = self.backend.name(),
                model = self.backend.model(),
            ),
            source: None,
        }
    }

    fn info(&self) -> AnalyzerInfo {
        AnalyzerInfo {
            name: self.backend.name().to_owned(),
            model: Some(self.backend.model().to_owned()),
            version: PROMPT_VERSION.to_owned(),
        }
    }
}

/// Computes talk metrics with the heuristic analyzer's code, which also
/// rejects transcripts without words before any request is sent.
fn talk_metrics(transcript: &Transcript) -> Result<Vec<TalkMetrics>, AnalyzeError> {
    // NOTE: this runs the whole heuristic analysis to reach its metrics; a
    // public metrics function in the heuristic module would avoid the extra work.
    Ok(HeuristicAnalyzer::new()
        .analyze_transcript(transcript)?
        .talk_metrics)
}

#[async_trait]
impl ChunkedAnalyzer for LlmAnalyzer {
    fn plan(&self, transcript: &Transcript) -> Vec<Chunk> {
        plan(transcript, self.chunk_chars)
    }

    async fn analyze_chunk(
        &self,
        transcript: &Transcript,
        chunk: &Chunk,
    ) -> Result<PartialInsights, AnalyzeError> {
        let lines = render(chunk.segments(transcript));
        let user = prompt::chunk_request(chunk.index, chunk.count, &transcript.speakers(), &lines);
        self.request_valid(&user).await
    }

    async fn merge(
        &self,
        transcript: &Transcript,
        mut partials: Vec<PartialInsights>,
    ) -> Result<Insights, AnalyzeError> {
        let metrics = talk_metrics(transcript)?;
        let merged = match partials.len() {
            0 => {
                return Err(AnalyzeError::Permanent {
                    message: "no chunk results to merge; analyze every planned chunk first"
                        .to_owned(),
                    source: None,
                });
            }
            1 => partials.remove(0),
            _ => {
                let user = prompt::merge_request(&transcript.speakers(), &partials);
                self.request_valid(&user).await?
            }
        };
        Ok(merged.into_insights(metrics, self.info()))
    }
}

#[async_trait]
impl Analyzer for LlmAnalyzer {
    fn name(&self) -> &str {
        self.backend.name()
    }

    fn model(&self) -> Option<&str> {
        Some(self.backend.model())
    }

    async fn analyze(&self, transcript: &Transcript) -> Result<Insights, AnalyzeError> {
        talk_metrics(transcript)?;
        let chunks = ChunkedAnalyzer::plan(self, transcript);
        let mut partials = Vec::with_capacity(chunks.len());
        for chunk in &chunks {
            partials.push(self.analyze_chunk(transcript, chunk).await?);
        }
        self.merge(transcript, partials).await
    }
}
