//! The insights object: what every analyzer produces and what `save` stores.
//!
//! Every field is required and arrays may be empty, so the same shape works as
//! a strict JSON schema for LLM structured output. Talk metrics are always
//! computed from the transcript, never taken from a model.

use serde::{Deserialize, Serialize};

/// Version of the insights schema written into every object.
pub const SCHEMA_VERSION: &str = "1";

/// Insights for one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Insights {
    pub schema_version: String,
    /// Two to five sentences.
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
    pub talk_metrics: Vec<TalkMetrics>,
    pub analyzer: AnalyzerInfo,
}

/// Sentiment label shared by the overall and per-speaker scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    Positive,
    Neutral,
    Negative,
    Mixed,
}

impl SentimentLabel {
    /// The label as stored in the `insights.sentiment` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Positive => "positive",
            Self::Neutral => "neutral",
            Self::Negative => "negative",
            Self::Mixed => "mixed",
        }
    }
}

/// Overall and per-speaker sentiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sentiment {
    pub overall: SentimentScore,
    pub by_speaker: Vec<SpeakerSentiment>,
}

/// A label with a score in -1..=1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentScore {
    pub label: SentimentLabel,
    pub score: f64,
}

/// Sentiment of one speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeakerSentiment {
    pub speaker: String,
    pub label: SentimentLabel,
    pub score: f64,
}

/// A topic with how often it came up and when it first did (seconds, when known).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub name: String,
    pub mentions: u32,
    pub first_at_s: Option<f64>,
}

/// Which side of the call owns an action item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OwnerSide {
    Rep,
    Customer,
    Unknown,
}

/// A commitment made during the call, with the quote it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionItem {
    pub description: String,
    pub owner: Option<String>,
    pub owner_side: OwnerSide,
    /// ISO date, when the due text resolves to one.
    pub due: Option<String>,
    pub due_text: Option<String>,
    pub evidence: Evidence,
}

/// A quote from the transcript backing an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub quote: String,
    pub at_s: Option<f64>,
}

/// A question asked during the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub text: String,
    pub asked_by: Option<String>,
    pub answered: Option<bool>,
    pub at_s: Option<f64>,
}

/// Category of an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectionCategory {
    Price,
    Timing,
    Authority,
    Need,
    Competition,
    Other,
}

/// An objection raised during the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objection {
    pub text: String,
    pub category: ObjectionCategory,
    pub raised_by: Option<String>,
    pub addressed: Option<bool>,
    pub at_s: Option<f64>,
}

/// Talk metrics of one speaker, computed from the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TalkMetrics {
    pub speaker: String,
    /// Seconds of speech; estimated from word count when the transcript has no times.
    pub talk_time_s: f64,
    /// Share of all words spoken, in 0..=1.
    pub talk_ratio: f64,
    pub words: u32,
    pub turns: u32,
    pub longest_monologue_s: f64,
    pub questions_asked: u32,
    pub filler_words: u32,
}

/// Which analyzer produced the insights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyzerInfo {
    pub name: String,
    pub model: Option<String>,
    pub version: String,
}
