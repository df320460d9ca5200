//! Serve handler configuration, read once from options or the environment.

use std::time::Duration;

use url::Url;

use crate::signing::{KeyError, SigningKey};

/// Default maximum request body: the executor sends at most 4 MiB, and a
/// request over that is trimmed to `use_api`, so 16 MiB leaves ample room.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Which kind of Inngest server drives this handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMode {
    /// The local dev server: requests are never rejected over signatures.
    Dev,
    /// Inngest Cloud or self-hosted Inngest: every call must be signed.
    Cloud,
}

impl ServerMode {
    /// `dev` or `cloud`, as introspection and server-kind headers spell it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Cloud => "cloud",
        }
    }
}

/// Why the configuration is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("INNGEST_SIGNING_KEY is invalid: {0}")]
    SigningKey(#[source] KeyError),
    #[error("INNGEST_SIGNING_KEY_FALLBACK is invalid: {0}")]
    FallbackKey(#[source] KeyError),
    #[error(
        "{variable} is not a valid URL ({value:?}): {source}; use a form like http://localhost:8288"
    )]
    Url {
        variable: &'static str,
        value: String,
        #[source]
        source: url::ParseError,
    },
    #[error("{variable} must be a positive number of bytes, got {value:?}")]
    BodyLimit {
        variable: &'static str,
        value: String,
    },
}

/// Everything the serve handler needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub mode: ServerMode,
    pub signing_key: Option<SigningKey>,
    pub signing_key_fallback: Option<SigningKey>,
    pub event_key: Option<String>,
    /// Base of the Inngest API (`/fn/register`, `/v0/runs/...`).
    pub api_base_url: Url,
    /// Base of the event API (`/e/<key>`).
    pub event_api_base_url: Url,
    /// Origin reported at sync instead of the one inferred from the request.
    pub serve_origin: Option<String>,
    /// Path reported at sync instead of the request path.
    pub serve_path: Option<String>,
    /// Branch environment name, sent as `X-Inngest-Env`.
    pub env: Option<String>,
    /// Hosting platform, sent as `X-Inngest-Platform`.
    pub platform: Option<String>,
    /// Stream POST responses (201 with keep-alive bytes, then the envelope).
    pub streaming: bool,
    /// Interval between keep-alive bytes of a streamed response (3 s, as
    /// the official SDK sends them).
    pub stream_keep_alive: Duration,
    /// Maximum request body in bytes.
    pub body_limit: usize,
    /// Whether `X-Inngest-Sync-Kind: in_band` PUTs get the configuration in the response.
    pub allow_in_band_sync: bool,
    /// Allow unsigned out-of-band sync PUTs in cloud mode.
    pub enable_unauthed_sync: bool,
    /// How long a targeted request waits for its step to appear.
    pub target_timeout: Duration,
}

impl ServeConfig {
    /// Dev mode against a dev server at `base` (e.g. `http://localhost:8288`).
    pub fn dev(base: Url) -> Self {
        Self {
            mode: ServerMode::Dev,
            signing_key: None,
            signing_key_fallback: None,
            event_key: None,
            api_base_url: base.clone(),
            event_api_base_url: base,
            serve_origin: None,
            serve_path: None,
            env: None,
            platform: None,
            streaming: false,
            stream_keep_alive: Duration::from_secs(3),
            body_limit: DEFAULT_BODY_LIMIT,
            allow_in_band_sync: true,
            enable_unauthed_sync: true,
            target_timeout: crate::execution::DEFAULT_TARGET_TIMEOUT,
        }
    }

    /// Cloud mode with a signing key, talking to `api` and `events`.
    pub fn cloud(signing_key: SigningKey, api: Url, events: Url) -> Self {
        Self {
            mode: ServerMode::Cloud,
            signing_key: Some(signing_key),
            api_base_url: api,
            event_api_base_url: events,
            ..Self::dev(Url::parse("http://localhost:8288/").expect("static URL is valid"))
        }
    }
}
