//! Identifiers and transcript types shared by the functions and the service.

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an existing id.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// Creates a fresh, time-ordered id.
            pub fn generate() -> Self {
                Self(uuid_v7_like())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }
    };
}

string_id!(
    /// Id of a row in `calls`.
    CallId
);
string_id!(
    /// Id of a row in `insights_jobs`; also the id of the `insights/start` event that starts it.
    JobId
);

/// A time-ordered unique id: milliseconds since the epoch in hex, then random hex.
fn uuid_v7_like() -> String {
    inngest::ids::new_ulid().to_lowercase()
}

/// One speaker turn of a transcript. Times are seconds from the start of the
/// recording, absent when the source has none (plain text, QMSum JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub speaker: String,
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub text: String,
}

/// A normalized transcript: ordered segments, whatever the source format.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub segments: Vec<Segment>,
}

impl Transcript {
    /// The transcript as `Speaker: text` lines.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for segment in &self.segments {
            text.push_str(&segment.speaker);
            text.push_str(": ");
            text.push_str(&segment.text);
            text.push('\n');
        }
        text
    }

    /// Distinct speakers in order of first appearance.
    pub fn speakers(&self) -> Vec<String> {
        let mut speakers: Vec<String> = Vec::new();
        for segment in &self.segments {
            if !speakers.contains(&segment.speaker) {
                speakers.push(segment.speaker.clone());
            }
        }
        speakers
    }

    /// Total number of whitespace-separated words.
    pub fn word_count(&self) -> usize {
        self.segments
            .iter()
            .map(|segment| segment.text.split_whitespace().count())
            .sum()
    }
}

/// Lifecycle of an insights job. Stored as text with a CHECK constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Pending,
    Processing,
    Completed,
    Failed,
}

impl JobStatus {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    /// Parses the stored text form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "processing" => Some(Self::Processing),
            "completed" => Some(Self::Completed),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }

    /// Whether the job can still change state.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Processing)
    }
}

/// The step an insights job is in, shown to users while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStage {
    Queued,
    Fetching,
    Analyzing,
    Saving,
    Done,
}

impl JobStage {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Fetching => "fetching",
            Self::Analyzing => "analyzing",
            Self::Saving => "saving",
            Self::Done => "done",
        }
    }

    /// Parses the stored text form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "queued" => Some(Self::Queued),
            "fetching" => Some(Self::Fetching),
            "analyzing" => Some(Self::Analyzing),
            "saving" => Some(Self::Saving),
            "done" => Some(Self::Done),
            _ => None,
        }
    }
}
