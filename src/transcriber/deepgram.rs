//! The `deepgram` transcriber: `POST {base}/v1/listen` with diarization and
//! utterances. An http(s) recording is sent as `{"url": ...}` so Deepgram
//! fetches it; any other recording is read and sent as the request body.

use async_trait::async_trait;
use functions::domain::{Segment, Transcript};
use functions::ports::{MediaSource, TranscribeError, Transcriber};
use serde::Deserialize;
use serde_json::json;

use super::media::{Location, MediaReader, permanent};
use super::{DEFAULT_SPEAKER, content_type, require_recording};
use crate::providers::Endpoint;
use crate::vendor::{VendorApi, VendorClient};

/// The Deepgram API and the settings that configure it.
pub const API: VendorApi = VendorApi {
    name: "deepgram",
    key_setting: "DEEPGRAM_API_KEY",
    base_setting: "DEEPGRAM_BASE_URL",
    model_setting: "TRANSCRIBER_MODEL",
};

/// Largest local recording sent, in bytes. Deepgram accepts up to 2 GB, but
/// the upload is held in memory.
// NOTE: 512 MiB is a memory guard chosen here, not a Deepgram limit; stream
// the file to lift it.
pub const MAX_UPLOAD_BYTES: u64 = 512 * 1024 * 1024;

/// Transcriber that calls Deepgram pre-recorded transcription.
#[derive(Debug, Clone)]
pub struct DeepgramTranscriber {
    client: VendorClient,
    media: MediaReader,
    endpoint: Endpoint,
    model: String,
}

impl DeepgramTranscriber {
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

#[derive(Deserialize)]
struct Listen {
    results: Results,
}

#[derive(Deserialize)]
struct Results {
    #[serde(default)]
    utterances: Option<Vec<Utterance>>,
    #[serde(default)]
    channels: Vec<Channel>,
}

#[derive(Deserialize)]
struct Utterance {
    #[serde(default)]
    start: Option<f64>,
    #[serde(default)]
    end: Option<f64>,
    #[serde(default)]
    transcript: String,
    #[serde(default)]
    speaker: Option<u32>,
}

#[derive(Deserialize)]
struct Channel {
    #[serde(default)]
    alternatives: Vec<Alternative>,
}

#[derive(Deserialize)]
struct Alternative {
    #[serde(default)]
    transcript: String,
}

#[async_trait]
impl Transcriber for DeepgramTranscriber {
    fn name(&self) -> &str {
        API.name
    }

    async fn transcribe(&self, source: &MediaSource) -> Result<Transcript, TranscribeError> {
        let recording = require_recording(source, API.name)?;
        let location = Location::parse(recording, "recording_url")?;

        let mut http = self
            .client
            .http()
            .post(self.endpoint.url("/v1/listen"))
            .query(&[
                ("model", self.model.as_str()),
                ("diarize", "true"),
                ("utterances", "true"),
                ("punctuate", "true"),
            ]);
        http = match &location {
            Location::Http(url) => http.json(&json!({ "url": url.as_str() })),
            Location::File(_) => {
                let bytes = self.media.read(&location, MAX_UPLOAD_BYTES).await?;
                http.header("content-type", content_type(location.path()))
                    .body(bytes)
            }
        };
        if let Some(key) = &self.endpoint.api_key {
            http = http.header("authorization", format!("Token {}", key.expose()));
        }

        let response = self.client.send(http).await?;
        let listen: Listen = self.client.parse_json(&response)?;
        let transcript = to_transcript(listen.results);
        if transcript.segments.is_empty() {
            return Err(permanent(format!(
                "deepgram found no speech in the recording {}; check that it contains audible speech",
                self.client.redactor().redact_url(recording)
            )));
        }
        Ok(transcript)
    }
}

/// Maps utterances, naming speaker index `n` "Speaker n+1". Without
/// utterances the first channel's transcript becomes one segment.
fn to_transcript(results: Results) -> Transcript {
    let mut segments: Vec<Segment> = results
        .utterances
        .unwrap_or_default()
        .into_iter()
        .filter(|utterance| !utterance.transcript.trim().is_empty())
        .map(|utterance| Segment {
            speaker: utterance.speaker.map_or_else(
                || DEFAULT_SPEAKER.to_owned(),
                |index| format!("Speaker {}", index + 1),
            ),
            start: utterance.start,
            end: utterance.end,
            text: utterance.transcript.trim().to_owned(),
        })
        .collect();
    let fallback = results
        .channels
        .into_iter()
        .next()
        .and_then(|channel| channel.alternatives.into_iter().next())
        .map(|alternative| alternative.transcript.trim().to_owned())
        .filter(|text| !text.is_empty());
    if segments.is_empty()
        && let Some(text) = fallback
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
