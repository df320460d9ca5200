//! The `local` transcriber: reads the transcript file that comes with the
//! call and parses it. It never transcribes audio.

use async_trait::async_trait;
use functions::domain::Transcript;
use functions::ports::{MediaSource, TranscribeError, Transcriber};

use super::media::{Location, MediaReader, permanent};
use crate::transcript::{self, Format};

/// Name stored with transcripts from this transcriber.
pub const NAME: &str = "local";

/// Largest transcript file read, in bytes. A ten-hour call is a few MB of text.
pub const MAX_TRANSCRIPT_BYTES: u64 = 64 * 1024 * 1024;

/// Extensions of recordings that are themselves transcripts, so a call
/// imported with only a `.vtt` or `.srt` "recording" still works.
const TRANSCRIPT_EXTENSIONS: &[&str] = &["vtt", "srt", "txt", "json"];

/// Transcriber that parses the call's transcript file.
#[derive(Debug, Clone)]
pub struct LocalTranscriber {
    media: MediaReader,
}

impl LocalTranscriber {
    /// Creates the transcriber.
    pub fn new(media: MediaReader) -> Self {
        Self { media }
    }
}

#[async_trait]
impl Transcriber for LocalTranscriber {
    fn name(&self) -> &str {
        NAME
    }

    async fn transcribe(&self, source: &MediaSource) -> Result<Transcript, TranscribeError> {
        let (field, text) = transcript_field(source)?;
        let location = Location::parse(text, field)?;
        let format = match source.transcript_format.as_deref() {
            Some(name) => parse_format(name)?,
            None => Format::from_path(location.path()),
        };

        let bytes = self.media.read(&location, MAX_TRANSCRIPT_BYTES).await?;
        let text = String::from_utf8(bytes).map_err(|error| {
            permanent(format!(
                "{field} is not UTF-8 text ({error}); save the transcript as UTF-8"
            ))
        })?;
        let transcript =
            transcript::parse(&text, format).map_err(|error| TranscribeError::Permanent {
                message: format!("could not read the transcript in {field}: {error}"),
                source: Some(Box::new(error)),
            })?;
        if transcript.segments.is_empty() {
            return Err(permanent(format!(
                "the transcript in {field} is empty; upload a transcript with speech"
            )));
        }
        Ok(transcript)
    }
}

/// Picks the transcript: `transcript_source`, else a recording whose
/// extension marks it as a transcript.
fn transcript_field(source: &MediaSource) -> Result<(&'static str, &str), TranscribeError> {
    if let Some(text) = source
        .transcript_source
        .as_deref()
        .filter(|text| !text.trim().is_empty())
    {
        return Ok(("transcript_source", text));
    }
    let Some(recording) = source
        .recording_url
        .as_deref()
        .filter(|text| !text.trim().is_empty())
    else {
        return Err(permanent(
            "the call has neither a transcript_source nor a recording_url; upload a transcript or a recording"
                .to_owned(),
        ));
    };
    let extension = Location::parse(recording, "recording_url")?
        .path()
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    if extension.is_some_and(|extension| TRANSCRIPT_EXTENSIONS.contains(&extension.as_str())) {
        return Ok(("recording_url", recording));
    }
    Err(permanent(
        "the call has a recording but no transcript, and TRANSCRIBER=local only reads transcripts; \
         set TRANSCRIBER=openai or TRANSCRIBER=deepgram to transcribe recordings"
            .to_owned(),
    ))
}

/// Reads a `transcript_format` name. `json` means "detect", because QMSum
/// and segment lists are both JSON.
fn parse_format(name: &str) -> Result<Option<Format>, TranscribeError> {
    let format = match name.trim().to_ascii_lowercase().as_str() {
        "plain" | "text" | "txt" => Some(Format::Plain),
        "webvtt" | "vtt" => Some(Format::WebVtt),
        "srt" => Some(Format::Srt),
        "segments" | "segments_json" => Some(Format::SegmentsJson),
        "qmsum" | "qmsum_json" => Some(Format::QmsumJson),
        "json" | "auto" => None,
        _ => {
            return Err(permanent(format!(
                "unknown transcript_format {name:?}; use one of plain, webvtt, srt, segments, qmsum, json, auto"
            )));
        }
    };
    Ok(format)
}
