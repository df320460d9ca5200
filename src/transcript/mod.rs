//! Transcript formats and their import into the normalized model.
//!
//! [`parse`] reads QMSum meeting JSON, plain `Speaker: text` lines, WebVTT,
//! SRT and JSON segment lists into a [`Transcript`]. The format comes from the
//! caller (usually [`Format::from_path`]) or is detected from the content.
//!
//! Input that is empty or only whitespace parses to a transcript with no
//! segments, so callers can tell "nothing was said" apart from a broken file.
//! Any other input that yields no segments is an error.

mod cue;
mod plain;
mod qmsum;
mod segments;
mod srt;
mod webvtt;

use std::fmt;
use std::path::Path;

use functions::domain::Transcript;

/// Speaker name given to text whose source names no speaker.
pub const UNKNOWN_SPEAKER: &str = "Unknown";

/// A transcript file format that [`parse`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Lines of `Speaker: text`, where lines without a prefix continue the previous turn.
    Plain,
    /// WebVTT captions, with `<v Speaker>` voice tags or `Speaker:` in the cue text.
    WebVtt,
    /// SubRip captions, with `Speaker:` in the cue text.
    Srt,
    /// A JSON array of `{speaker, start, end, text}`, or an object with `segments`.
    SegmentsJson,
    /// A QMSum meeting: a JSON object with `meeting_transcripts: [{speaker, content}]`.
    QmsumJson,
}

impl Format {
    /// Picks the format from a file extension. Returns `None` for `.json`,
    /// because QMSum and segment JSON share it, and for unknown extensions.
    /// [`parse`] then detects the format from the content.
    pub fn from_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "txt" | "text" => Some(Self::Plain),
            "vtt" | "webvtt" => Some(Self::WebVtt),
            "srt" => Some(Self::Srt),
            _ => None,
        }
    }

    /// Detects the format from the content: JSON by its first character (QMSum
    /// when it has `meeting_transcripts`), WebVTT by its `WEBVTT` header, SRT by
    /// a cue timing line with comma milliseconds, and plain text otherwise.
    pub fn detect(input: &str) -> Self {
        let trimmed = input.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            if trimmed.starts_with('{') && trimmed.contains("\"meeting_transcripts\"") {
                return Self::QmsumJson;
            }
            return Self::SegmentsJson;
        }
        if trimmed.starts_with("WEBVTT") {
            return Self::WebVtt;
        }
        let has_srt_timing = trimmed
            .lines()
            .take(20)
            .any(|line| line.contains("-->") && line.contains(','));
        if has_srt_timing {
            return Self::Srt;
        }
        Self::Plain
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Plain => "plain text",
            Self::WebVtt => "WebVTT",
            Self::Srt => "SRT",
            Self::SegmentsJson => "JSON segments",
            Self::QmsumJson => "QMSum JSON",
        };
        f.write_str(name)
    }
}

/// Why a transcript could not be parsed. Line numbers start at 1.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// The JSON is malformed or does not have the expected shape.
    #[error("invalid {format} transcript; {hint}")]
    InvalidJson {
        format: Format,
        hint: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// Plain text with a line that belongs to no speaker.
    #[error(
        "line {line} has no speaker: {text:?}; expected `Speaker: text` lines \
         (a name of at most 5 words, a colon, then the words), and lines without \
         a name continue the turn above"
    )]
    MissingSpeaker { line: usize, text: String },
    /// A cue timing line or timestamp that cannot be read.
    #[error("invalid {format} cue timing on line {line}: {value:?}; {reason}")]
    InvalidTiming {
        format: Format,
        line: usize,
        value: String,
        reason: String,
    },
    /// A JSON segment or QMSum turn with an invalid field.
    #[error("invalid {format} segment {index}: {reason}")]
    InvalidSegment {
        format: Format,
        /// Position of the segment in its JSON array, from 0.
        index: usize,
        reason: String,
        #[source]
        source: Option<serde_json::Error>,
    },
    /// Input that is not blank but contains no speech.
    #[error("{format} transcript contains no speech; {hint}")]
    NoSegments { format: Format, hint: &'static str },
}

/// Parses a transcript in the given format, or in the format detected from the
/// content when `format` is `None`. Blank input gives an empty transcript.
pub fn parse(input: &str, format: Option<Format>) -> Result<Transcript, TranscriptError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    if input.trim().is_empty() {
        return Ok(Transcript::default());
    }

    let format = format.unwrap_or_else(|| Format::detect(input));
    let transcript = match format {
        Format::Plain => plain::parse(input)?,
        Format::WebVtt => webvtt::parse(input)?,
        Format::Srt => srt::parse(input)?,
        Format::SegmentsJson => segments::parse(input)?,
        Format::QmsumJson => qmsum::parse(input)?,
    };

    if transcript.segments.is_empty() {
        return Err(TranscriptError::NoSegments {
            format,
            hint: "check that the file is a transcript and that its turns have text",
        });
    }
    Ok(transcript)
}

/// Collapses runs of whitespace into single spaces and trims the ends.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_path_maps_extensions() {
        assert_eq!(
            Format::from_path(Path::new("a/call.TXT")),
            Some(Format::Plain)
        );
        assert_eq!(
            Format::from_path(Path::new("call.vtt")),
            Some(Format::WebVtt)
        );
        assert_eq!(Format::from_path(Path::new("call.srt")), Some(Format::Srt));
        assert_eq!(Format::from_path(Path::new("call.json")), None);
        assert_eq!(Format::from_path(Path::new("call")), None);
    }

    #[test]
    fn detect_reads_content() {
        assert_eq!(
            Format::detect("WEBVTT\n\n00:01.000 --> 00:02.000\nhi"),
            Format::WebVtt
        );
        assert_eq!(
            Format::detect("1\n00:00:01,000 --> 00:00:02,000\nhi"),
            Format::Srt
        );
        assert_eq!(
            Format::detect(" [{\"text\": \"hi\"}]"),
            Format::SegmentsJson
        );
        assert_eq!(Format::detect("{\"segments\": []}"), Format::SegmentsJson);
        assert_eq!(
            Format::detect("{\"meeting_transcripts\": []}"),
            Format::QmsumJson
        );
        assert_eq!(Format::detect("Ana: hello"), Format::Plain);
    }

    #[test]
    fn parse_blank_input_is_empty() {
        for input in ["", "  \n\t\n", "\u{feff}"] {
            let transcript = parse(input, None).unwrap();
            assert!(transcript.segments.is_empty(), "input {input:?}");
        }
    }

    #[test]
    fn parse_without_speech_fails() {
        let error = parse("WEBVTT\n\nNOTE nothing here\n", None).unwrap_err();
        assert!(matches!(
            error,
            TranscriptError::NoSegments {
                format: Format::WebVtt,
                ..
            }
        ));
    }

    #[test]
    fn parse_detects_plain_text() {
        let transcript = parse("Ana: Hello there.\nBo: Hi!", None).unwrap();
        assert_eq!(transcript.speakers(), ["Ana", "Bo"]);
    }

    #[test]
    fn parse_honours_explicit_format() {
        let error = parse("Ana: hello", Some(Format::SegmentsJson)).unwrap_err();
        assert!(matches!(error, TranscriptError::InvalidJson { .. }));
        assert!(error.to_string().contains("JSON segments"), "{error}");
    }
}
