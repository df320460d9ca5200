//! Vendor provider settings: which analyzer and transcriber run, where their
//! APIs are, and the keys and limits they use. Read once at startup, so a
//! missing key or a misspelled provider stops the service before any job runs.

use std::fmt;
use std::time::Duration;

use url::Url;

/// Default OpenAI API base; `/v1` is appended per request.
pub const OPENAI_DEFAULT_BASE: &str = "https://api.openai.com";
/// Default Anthropic API base.
pub const ANTHROPIC_DEFAULT_BASE: &str = "https://api.anthropic.com";
/// Default Deepgram API base.
pub const DEEPGRAM_DEFAULT_BASE: &str = "https://api.deepgram.com";

/// Model of the `openai` analyzer when `ANALYZER_MODEL` is unset.
pub const OPENAI_DEFAULT_MODEL: &str = "gpt-4o-mini";
/// Model of the `anthropic` analyzer when `ANALYZER_MODEL` is unset.
// NOTE: model aliases are retired over time; set ANALYZER_MODEL when this one is.
pub const ANTHROPIC_DEFAULT_MODEL: &str = "claude-sonnet-4-5";
/// Model of the `openai` transcriber when `TRANSCRIBER_MODEL` is unset; the
/// only OpenAI model that returns segment timestamps.
pub const OPENAI_DEFAULT_TRANSCRIBER_MODEL: &str = "whisper-1";
/// Model of the `deepgram` transcriber when `TRANSCRIBER_MODEL` is unset.
pub const DEEPGRAM_DEFAULT_MODEL: &str = "nova-3";

/// Per-request timeout when `VENDOR_TIMEOUT_SECS` is unset.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Re-requests after invalid model output when `LLM_MAX_OUTPUT_RETRIES` is unset.
pub const DEFAULT_MAX_OUTPUT_RETRIES: u32 = 2;
/// Transcript characters per analysis request when `ANALYZER_CHUNK_CHARS` is
/// unset. At roughly 4 characters per token this is an estimated 6,000
/// tokens, which leaves room for the prompt and output in an 8k context.
pub const DEFAULT_CHUNK_CHARS: usize = 24_000;
/// Smallest accepted `ANALYZER_CHUNK_CHARS`; smaller chunks lose context.
pub const MIN_CHUNK_CHARS: usize = 1_000;

/// Analyzer selected by `ANALYZER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyzerChoice {
    /// The offline heuristic analyzer.
    Heuristic,
    /// OpenAI chat completions, or any OpenAI-compatible server.
    OpenAi,
    /// The Anthropic Messages API.
    Anthropic,
}

/// Transcriber selected by `TRANSCRIBER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscriberChoice {
    /// Reads the transcript file that comes with the call.
    Local,
    /// OpenAI audio transcriptions, or any OpenAI-compatible server.
    OpenAi,
    /// Deepgram pre-recorded transcription.
    Deepgram,
}

/// An API key. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// Returns the key itself, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Base URL and key of a vendor API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// API base without `/v1`, such as `https://api.openai.com`.
    pub base_url: Url,
    /// Key sent with every request; `None` for local servers that need none.
    pub api_key: Option<ApiKey>,
}

impl Endpoint {
    /// Builds the URL of an API path such as `/v1/chat/completions`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.as_str().trim_end_matches('/'))
    }
}

/// Every provider setting, validated.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub analyzer: AnalyzerChoice,
    pub transcriber: TranscriberChoice,
    pub openai: Endpoint,
    pub anthropic: Endpoint,
    pub deepgram: Endpoint,
    /// Model of the selected LLM analyzer, defaulted per vendor.
    pub analyzer_model: String,
    /// Model of the selected transcriber, defaulted per vendor.
    pub transcriber_model: String,
    /// Timeout of each vendor request, from sending to the last body byte.
    pub timeout: Duration,
    /// Re-requests after model output fails validation, before failing.
    pub max_output_retries: u32,
    /// Transcript characters sent in one analysis request.
    pub chunk_chars: usize,
}

/// An invalid provider setting. Every message names the setting and the fix.
#[derive(Debug, thiserror::Error)]
pub enum ProviderConfigError {
    /// A provider name that does not exist.
    #[error("unknown {setting} value {value:?}; use one of: {known}")]
    UnknownProvider {
        setting: &'static str,
        value: String,
        known: &'static str,
    },
    /// A hosted vendor selected without its key.
    #[error(
        "{setting}={provider} needs {key_setting}; set it, or set {base_setting} to a \
         {local_hint} that needs no key"
    )]
    MissingKey {
        setting: &'static str,
        provider: &'static str,
        key_setting: &'static str,
        base_setting: &'static str,
        local_hint: &'static str,
    },
    /// A base URL that is not an http(s) URL.
    #[error("{setting} must be an http:// or https:// URL such as {example}, got {value:?}")]
    InvalidUrl {
        setting: &'static str,
        value: String,
        example: &'static str,
    },
    /// A number out of range or not a number.
    #[error("{setting} must be {expected}, got {value:?}")]
    InvalidNumber {
        setting: &'static str,
        value: String,
        expected: String,
    },
}

impl ProviderSettings {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    /// As [`ProviderSettings::from_lookup`].
    pub fn from_env() -> Result<Self, ProviderConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`; blank values count as unset.
    ///
    /// # Errors
    /// [`ProviderConfigError`] for an unknown provider name, a selected
    /// hosted vendor without its key, an invalid base URL or number.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ProviderConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };

        let analyzer = parse_analyzer(get("ANALYZER"))?;
        let transcriber = parse_transcriber(get("TRANSCRIBER"))?;
        let openai = endpoint(
            &get,
            "OPENAI_BASE_URL",
            "OPENAI_API_KEY",
            OPENAI_DEFAULT_BASE,
        )?;
        let anthropic = endpoint(
            &get,
            "ANTHROPIC_BASE_URL",
            "ANTHROPIC_API_KEY",
            ANTHROPIC_DEFAULT_BASE,
        )?;
        let deepgram = endpoint(
            &get,
            "DEEPGRAM_BASE_URL",
            "DEEPGRAM_API_KEY",
            DEEPGRAM_DEFAULT_BASE,
        )?;

        require_key(
            analyzer == AnalyzerChoice::OpenAi,
            &openai,
            KeyRule::OPENAI_ANALYZER,
        )?;
        require_key(
            analyzer == AnalyzerChoice::Anthropic,
            &anthropic,
            KeyRule::ANTHROPIC,
        )?;
        require_key(
            transcriber == TranscriberChoice::OpenAi,
            &openai,
            KeyRule::OPENAI_TRANSCRIBER,
        )?;
        require_key(
            transcriber == TranscriberChoice::Deepgram,
            &deepgram,
            KeyRule::DEEPGRAM,
        )?;

        let analyzer_model = get("ANALYZER_MODEL").unwrap_or_else(|| match analyzer {
            AnalyzerChoice::Anthropic => ANTHROPIC_DEFAULT_MODEL.to_owned(),
            AnalyzerChoice::OpenAi | AnalyzerChoice::Heuristic => OPENAI_DEFAULT_MODEL.to_owned(),
        });
        let transcriber_model = get("TRANSCRIBER_MODEL").unwrap_or_else(|| match transcriber {
            TranscriberChoice::Deepgram => DEEPGRAM_DEFAULT_MODEL.to_owned(),
            TranscriberChoice::OpenAi | TranscriberChoice::Local => {
                OPENAI_DEFAULT_TRANSCRIBER_MODEL.to_owned()
            }
        });

        Ok(Self {
            analyzer,
            transcriber,
            openai,
            anthropic,
            deepgram,
            analyzer_model,
            transcriber_model,
            timeout: parse_timeout(get("VENDOR_TIMEOUT_SECS"))?,
            max_output_retries: parse_bounded(
                "LLM_MAX_OUTPUT_RETRIES",
                get("LLM_MAX_OUTPUT_RETRIES"),
                0..=10,
            )?
            .unwrap_or(DEFAULT_MAX_OUTPUT_RETRIES),
            chunk_chars: parse_bounded(
                "ANALYZER_CHUNK_CHARS",
                get("ANALYZER_CHUNK_CHARS"),
                MIN_CHUNK_CHARS..=10_000_000,
            )?
            .unwrap_or(DEFAULT_CHUNK_CHARS),
        })
    }

    /// Returns every configured key, so messages can be scrubbed of them.
    pub fn secrets(&self) -> Vec<String> {
        [&self.openai, &self.anthropic, &self.deepgram]
            .into_iter()
            .filter_map(|endpoint| endpoint.api_key.as_ref())
            .map(|key| key.expose().to_owned())
            .collect()
    }
}

fn parse_analyzer(value: Option<String>) -> Result<AnalyzerChoice, ProviderConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("heuristic") => Ok(AnalyzerChoice::Heuristic),
        Some("openai") => Ok(AnalyzerChoice::OpenAi),
        Some("anthropic") => Ok(AnalyzerChoice::Anthropic),
        Some(_) => Err(ProviderConfigError::UnknownProvider {
            setting: "ANALYZER",
            value: value.unwrap_or_default(),
            known: "heuristic, openai, anthropic",
        }),
    }
}

fn parse_transcriber(value: Option<String>) -> Result<TranscriberChoice, ProviderConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("local") => Ok(TranscriberChoice::Local),
        Some("openai") => Ok(TranscriberChoice::OpenAi),
        Some("deepgram") => Ok(TranscriberChoice::Deepgram),
        Some(_) => Err(ProviderConfigError::UnknownProvider {
            setting: "TRANSCRIBER",
            value: value.unwrap_or_default(),
            known: "local, openai, deepgram",
        }),
    }
}

/// Reads a base URL and key. A base ending in `/v1` is accepted and the
/// suffix dropped, because clients of OpenAI-compatible servers often include it.
fn endpoint(
    get: &impl Fn(&str) -> Option<String>,
    base_setting: &'static str,
    key_setting: &'static str,
    default_base: &str,
) -> Result<Endpoint, ProviderConfigError> {
    let raw = get(base_setting).unwrap_or_else(|| default_base.to_owned());
    let invalid = || ProviderConfigError::InvalidUrl {
        setting: base_setting,
        value: raw.clone(),
        example: default_base_example(base_setting),
    };
    let trimmed = raw.trim_end_matches('/');
    let without_version = trimmed.strip_suffix("/v1").unwrap_or(trimmed);
    let base_url = Url::parse(without_version).map_err(|_| invalid())?;
    if !matches!(base_url.scheme(), "http" | "https") || base_url.host_str().is_none() {
        return Err(invalid());
    }
    Ok(Endpoint {
        base_url,
        api_key: get(key_setting).map(ApiKey::new),
    })
}

fn default_base_example(base_setting: &str) -> &'static str {
    match base_setting {
        "OPENAI_BASE_URL" => "http://localhost:11434/v1",
        "ANTHROPIC_BASE_URL" => ANTHROPIC_DEFAULT_BASE,
        _ => DEEPGRAM_DEFAULT_BASE,
    }
}

/// When a selected vendor needs a key.
struct KeyRule {
    setting: &'static str,
    provider: &'static str,
    key_setting: &'static str,
    base_setting: &'static str,
    hosted_host: &'static str,
    local_hint: &'static str,
}

impl KeyRule {
    const OPENAI_ANALYZER: Self = Self {
        setting: "ANALYZER",
        provider: "openai",
        key_setting: "OPENAI_API_KEY",
        base_setting: "OPENAI_BASE_URL",
        hosted_host: "api.openai.com",
        local_hint: "local server such as Ollama",
    };
    const OPENAI_TRANSCRIBER: Self = Self {
        setting: "TRANSCRIBER",
        provider: "openai",
        key_setting: "OPENAI_API_KEY",
        base_setting: "OPENAI_BASE_URL",
        hosted_host: "api.openai.com",
        local_hint: "local Whisper server such as faster-whisper-server",
    };
    const ANTHROPIC: Self = Self {
        setting: "ANALYZER",
        provider: "anthropic",
        key_setting: "ANTHROPIC_API_KEY",
        base_setting: "ANTHROPIC_BASE_URL",
        hosted_host: "api.anthropic.com",
        local_hint: "gateway",
    };
    const DEEPGRAM: Self = Self {
        setting: "TRANSCRIBER",
        provider: "deepgram",
        key_setting: "DEEPGRAM_API_KEY",
        base_setting: "DEEPGRAM_BASE_URL",
        hosted_host: "api.deepgram.com",
        local_hint: "self-hosted Deepgram",
    };
}

/// Requires a key only for the vendor's own hosted API, because any other
/// base URL may be a local server that ignores keys.
fn require_key(
    selected: bool,
    endpoint: &Endpoint,
    rule: KeyRule,
) -> Result<(), ProviderConfigError> {
    let hosted = endpoint.base_url.host_str() == Some(rule.hosted_host);
    if !selected || endpoint.api_key.is_some() || !hosted {
        return Ok(());
    }
    Err(ProviderConfigError::MissingKey {
        setting: rule.setting,
        provider: rule.provider,
        key_setting: rule.key_setting,
        base_setting: rule.base_setting,
        local_hint: rule.local_hint,
    })
}

/// Accepts whole or fractional seconds, so tests and slow local models can
/// both be served.
fn parse_timeout(value: Option<String>) -> Result<Duration, ProviderConfigError> {
    let Some(value) = value else {
        return Ok(DEFAULT_TIMEOUT);
    };
    match value.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0 => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(ProviderConfigError::InvalidNumber {
            setting: "VENDOR_TIMEOUT_SECS",
            value,
            expected: "seconds greater than 0 and at most 86400, such as 120".to_owned(),
        }),
    }
}

fn parse_bounded<T>(
    setting: &'static str,
    value: Option<String>,
    range: std::ops::RangeInclusive<T>,
) -> Result<Option<T>, ProviderConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display,
{
    let Some(value) = value else {
        return Ok(None);
    };
    match value.parse::<T>() {
        Ok(number) if range.contains(&number) => Ok(Some(number)),
        _ => Err(ProviderConfigError::InvalidNumber {
            setting,
            value,
            expected: format!("a whole number from {} to {}", range.start(), range.end()),
        }),
    }
}
