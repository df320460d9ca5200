//! The `openai` transcriber: uploads the recording to
//! `POST {base}/v1/audio/transcriptions` as multipart form data and maps the
//! `verbose_json` segments. Local Whisper servers with the same API work too.

use async_trait::async_trait;
use functions::domain::{Segment, Transcript};
use functions::ports::{MediaSource, TranscribeError, Transcriber};
use reqwest::multipart::{Form, Part};
use serde::Deserialize;

use super::media::{Location, MediaReader, permanent};
use super::{DEFAULT_SPEAKER, content_type, require_recording};
use crate::providers::Endpoint;
use crate::vendor::{VendorApi, VendorClient};

/// The OpenAI audio API and the settings that configure it.
pub const API: VendorApi = VendorApi {
    name: "openai",
    key_setting: "OPENAI_API_KEY",
    base_setting: "OPENAI_BASE_URL",
    model_setting: "TRANSCRIBER_MODEL",
};

/// Upload limit of the endpoint: 25 MiB.
pub const MAX_UPLOAD_BYTES: u64 = 25 * 1024 * 1024;

/// Transcriber that calls the OpenAI transcription API.
#[derive(Debug, Clone)]
pub struct OpenAiTranscriber {
    client: VendorClient,
    media: MediaReader,
    endpoint: Endpoint,
    model: String,
}

impl OpenAiTranscriber {
    /// Creates the transcriber.
    pub fn new(
        client: VendorClient,
        media: MediaReader,
        endpoint: Endpoint,
        model: impl Into<String>,
    ) -> Self {
        Self {
            client,
            media,
            endpoint,
            model: model.into(),
        }
    }
}

/// A `verbose_json` (or `diarized_json`) transcription. Every segment field
/// is optional, because compatible servers fill them partially.
#[derive(Deserialize)]
struct Transcription {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    segments: Option<Vec<RawSegment>>,
}

#[derive(Deserialize)]
struct RawSegment {
    #[serde(default)]
    start: Option<f64>,
    #[serde(default)]
    end: Option<f64>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    speaker: Option<String>,
}

#[async_trait]
impl Transcriber for OpenAiTranscriber {
    fn name(&self) -> &str {
        API.name
    }

    async fn transcribe(&self, source: &MediaSource) -> Result<Transcript, TranscribeError> {
        let recording = require_recording(source, API.name)?;
        let location = Location::parse(recording, "recording_url")?;
        let bytes = self.media.read(&location, MAX_UPLOAD_BYTES).await?;
        let file_name = location
            .file_name()
            .unwrap_or_else(|| "recording.mp3".to_owned());

        let file = Part::bytes(bytes)
            .file_name(file_name)
            .mime_str(content_type(location.path()))
            .map_err(|error| {
                permanent(format!("invalid content type for the recording: {error}"))
            })?;
        let form = Form::new()
            .part("file", file)
            .text("model", self.model.clone())
            .text("response_format", "verbose_json")
            .text("timestamp_granularities[]", "segment");
        let mut http = self
            .client
            .http()
            .post(self.endpoint.url("/v1/audio/transcriptions"))
            .multipart(form);
        if let Some(key) = &self.endpoint.api_key {
            http = http.bearer_auth(key.expose());
        }

        let response = self.client.send(http).await?;
        let transcription: Transcription = self.client.parse_json(&response)?;
        let transcript = to_transcript(transcription);
        if transcript.segments.is_empty() {
            return Err(permanent(format!(
                "openai found no speech in the recording {}; check that it contains audible speech",
                self.client.redactor().redact_url(recording)
            )));
        }
        Ok(transcript)
    }
}

/// Maps segments; without segments the whole `text` becomes one segment.
fn to_transcript(transcription: Transcription) -> Transcript {
    let raw_segments = transcription.segments.unwrap_or_default();
    let mut segments: Vec<Segment> = raw_segments
        .into_iter()
        .filter_map(|raw| {
            let text = raw.text?.trim().to_owned();
            (!text.is_empty()).then(|| Segment {
                speaker: raw.speaker.unwrap_or_else(|| DEFAULT_SPEAKER.to_owned()),
                start: raw.start,
                end: raw.end,
                text,
            })
        })
        .collect();
    if segments.is_empty()
        && let Some(text) = transcription.text.map(|text| text.trim().to_owned())
        && !text.is_empty()
    {
        segments.push(Segment {
            speaker: DEFAULT_SPEAKER.to_owned(),
            start: None,
            end: None,
            text,
        });
    }
    Transcript { segments }
}
