//! The offline heuristic analyzer: deterministic insights from the
//! transcript text alone, with no model and no network.
//!
//! Every list item quotes or tidies a sentence of the transcript, so each
//! item can be traced back to the transcript. Output depends only on the
//! transcript: maps are ordered and ties are broken by position.

mod commitments;
mod cues;
mod lexicon;
mod metrics;
mod sentiment;
mod stopwords;
mod summary;
mod text;
mod topics;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod quality_tests;
#[cfg(test)]
mod tests;

use async_trait::async_trait;
use functions::domain::Transcript;
use functions::insights::{AnalyzerInfo, Insights, SCHEMA_VERSION};
use functions::ports::{AnalyzeError, Analyzer};

use text::Document;

/// Name stored with insights from this analyzer.
pub const NAME: &str = "heuristic";
/// Version of the heuristics, stored with the insights. Raise it when a
/// change alters the output for the same transcript.
pub const VERSION: &str = "1";

/// Analyzer that extracts insights with word lists and sentence scoring.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeuristicAnalyzer;

impl HeuristicAnalyzer {
    /// Creates the analyzer. It has no configuration.
    pub fn new() -> Self {
        Self
    }

    /// Analyzes a transcript synchronously. [`Analyzer::analyze`] calls this.
    ///
    /// Fails with [`AnalyzeError::Permanent`] when the transcript has no
    /// segments or no words, because retrying cannot add speech.
    pub fn analyze_transcript(&self, transcript: &Transcript) -> Result<Insights, AnalyzeError> {
        if transcript.segments.is_empty() {
            return Err(permanent(
                "the transcript is empty: it has no segments to analyze; \
                 check that transcription produced speech",
            ));
        }
        if transcript.word_count() == 0 {
            return Err(permanent(
                "the transcript has segments but no words; check that transcription produced text",
            ));
        }

        let document = Document::new(transcript);
        let scorer = summary::Scorer::new(&document);
        let found_topics = topics::find(&document);
        let summary_sentences = summary::choose(&document, &scorer);

        Ok(Insights {
            schema_version: SCHEMA_VERSION.to_owned(),
            summary: summary::write(&document, &summary_sentences),
            key_points: summary::key_points(&document, &scorer, &found_topics, &summary_sentences),
            sentiment: sentiment::analyze(&document),
            topics: topics::to_insights(&document, &found_topics),
            action_items: commitments::find(&document),
            next_steps: cues::next_steps(&document),
            decisions: cues::decisions(&document),
            questions: cues::questions(&document),
            objections: cues::objections(&document),
            risks: cues::risks(&document),
            talk_metrics: metrics::compute(&document),
            analyzer: AnalyzerInfo {
                name: NAME.to_owned(),
                model: None,
                version: VERSION.to_owned(),
            },
        })
    }
}

fn permanent(message: &str) -> AnalyzeError {
    AnalyzeError::Permanent {
        message: message.to_owned(),
        source: None,
    }
}

#[async_trait]
impl Analyzer for HeuristicAnalyzer {
    fn name(&self) -> &str {
        NAME
    }

    fn model(&self) -> Option<&str> {
        None
    }

    async fn analyze(&self, transcript: &Transcript) -> Result<Insights, AnalyzeError> {
        self.analyze_transcript(transcript)
    }
}
