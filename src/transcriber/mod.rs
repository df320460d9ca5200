//! Transcribers: turn a call's media into a transcript.
//!
//! `local` reads a transcript file that comes with the call; `openai` and
//! `deepgram` send the recording to a speech-to-text API.

pub mod deepgram;
pub mod local;
pub mod media;
pub mod openai;

pub use deepgram::DeepgramTranscriber;
pub use local::LocalTranscriber;
pub use openai::OpenAiTranscriber;

use std::path::Path;
use std::sync::Arc;

use functions::ports::{MediaSource, ProviderError, Transcriber};

use crate::providers::{ProviderSettings, TranscriberChoice};
use crate::vendor::{Redactor, VendorApi, VendorClient};
use media::{MediaReader, permanent};

/// Transcriber names accepted by the `TRANSCRIBER` setting.
pub const KNOWN: [&str; 3] = ["local", "openai", "deepgram"];

/// Speaker name of segments whose source does not tell speakers apart.
pub const DEFAULT_SPEAKER: &str = "Speaker 1";

/// Failure to build the configured transcriber.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// An HTTP client could not be created.
    #[error("could not set up the {name} transcriber: {source}")]
    Client {
        name: &'static str,
        #[source]
        source: ProviderError,
    },
}

/// Builds the transcriber selected by the settings.
///
/// # Errors
/// [`BuildError::Client`] when an HTTP client cannot be created.
pub fn build(settings: &ProviderSettings) -> Result<Arc<dyn Transcriber>, BuildError> {
    let redactor = Redactor::new(settings.secrets());
    let name = match settings.transcriber {
        TranscriberChoice::Local => local::NAME,
        TranscriberChoice::OpenAi => openai::API.name,
        TranscriberChoice::Deepgram => deepgram::API.name,
    };
    let media = MediaReader::new(settings.timeout, redactor.clone())
        .map_err(|source| BuildError::Client { name, source })?;
    let client = |api: VendorApi| {
        VendorClient::new(api, settings.timeout, redactor.clone()).map_err(|source| {
            BuildError::Client {
                name: api.name,
                source,
            }
        })
    };
    let model = settings.transcriber_model.clone();

    Ok(match settings.transcriber {
        TranscriberChoice::Local => Arc::new(LocalTranscriber::new(media)),
        TranscriberChoice::OpenAi => Arc::new(OpenAiTranscriber::new(
            client(openai::API)?,
            media,
            settings.openai.clone(),
            model,
        )),
        TranscriberChoice::Deepgram => Arc::new(DeepgramTranscriber::new(
            client(deepgram::API)?,
            media,
            settings.deepgram.clone(),
            model,
        )),
    })
}

/// Returns the call's recording URL, or a permanent error naming the provider.
fn require_recording<'a>(
    source: &'a MediaSource,
    provider: &str,
) -> Result<&'a str, ProviderError> {
    source
        .recording_url
        .as_deref()
        .filter(|url| !url.trim().is_empty())
        .ok_or_else(|| {
            permanent(format!(
                "the call has no recording_url, so TRANSCRIBER={provider} has nothing to transcribe; \
                 upload a recording, or set TRANSCRIBER=local to read a transcript file"
            ))
        })
}

/// Returns the audio content type implied by a file extension, for uploads.
fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("mp3" | "mpga" | "mpeg") => "audio/mpeg",
        Some("wav") => "audio/wav",
        Some("m4a" | "mp4") => "audio/mp4",
        Some("ogg" | "oga" | "opus") => "audio/ogg",
        Some("webm") => "audio/webm",
        Some("flac") => "audio/flac",
        _ => "application/octet-stream",
    }
}
