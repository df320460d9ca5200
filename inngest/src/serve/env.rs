//! Reads [`ServeConfig`] from the environment variables the official SDKs use,
//! so a deployment moving from another SDK changes nothing.

use url::Url;

use super::config::{ConfigError, DEFAULT_BODY_LIMIT, ServeConfig, ServerMode};
use crate::signing::SigningKey;

const DEV_SERVER: &str = "http://localhost:8288/";
const CLOUD_API: &str = "https://api.inngest.com/";
const CLOUD_EVENTS: &str = "https://inn.gs/";

/// Variables that name the branch environment, in priority order.
const ENV_NAME_VARIABLES: [&str; 7] = [
    "INNGEST_ENV",
    "BRANCH_NAME",
    "VERCEL_GIT_COMMIT_REF",
    "BRANCH",
    "CF_PAGES_BRANCH",
    "RENDER_GIT_BRANCH",
    "RAILWAY_GIT_BRANCH",
];

/// How `INNGEST_DEV` was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevSetting {
    /// Unset or empty.
    Unset,
    /// A boolean (`1`, `true`, `0`, `false`).
    Flag(bool),
    /// A dev server URL; a bare `host:port` gets `http://`.
    Url(Url),
}

/// Parses `INNGEST_DEV`.
pub fn parse_dev(value: Option<&str>) -> DevSetting {
    let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else {
        return DevSetting::Unset;
    };
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" => return DevSetting::Flag(true),
        "0" | "false" => return DevSetting::Flag(false),
        _ => {}
    }
    let with_scheme = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    Url::parse(&with_scheme).map_or(DevSetting::Flag(true), DevSetting::Url)
}

impl ServeConfig {
    /// Reads the configuration from the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable that holds an invalid value.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, for tests and embedding.
    ///
    /// # Errors
    /// As [`ServeConfig::from_env`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };

        let dev = parse_dev(get("INNGEST_DEV").as_deref());
        let mode = match dev {
            DevSetting::Flag(true) | DevSetting::Url(_) => ServerMode::Dev,
            DevSetting::Flag(false) | DevSetting::Unset => ServerMode::Cloud,
        };
        let dev_url = match &dev {
            DevSetting::Url(url) => Some(url.clone()),
            _ => None,
        };

        let default_api = dev_url
            .clone()
            .unwrap_or_else(|| default_base(&mode, CLOUD_API));
        let default_events = dev_url.unwrap_or_else(|| default_base(&mode, CLOUD_EVENTS));
        let base = get("INNGEST_BASE_URL");
        let api_base_url = url_var(
            "INNGEST_API_BASE_URL",
            get("INNGEST_API_BASE_URL").or(base.clone()),
            default_api,
        )?;
        let event_api_base_url = url_var(
            "INNGEST_EVENT_API_BASE_URL",
            get("INNGEST_EVENT_API_BASE_URL").or(base),
            default_events,
        )?;

        let signing_key = get("INNGEST_SIGNING_KEY")
            .map(|key| SigningKey::parse(&key))
            .transpose()
            .map_err(ConfigError::SigningKey)?;
        let signing_key_fallback = get("INNGEST_SIGNING_KEY_FALLBACK")
            .map(|key| SigningKey::parse(&key))
            .transpose()
            .map_err(ConfigError::FallbackKey)?;

        Ok(Self {
            mode,
            signing_key,
            signing_key_fallback,
            event_key: get("INNGEST_EVENT_KEY"),
            api_base_url,
            event_api_base_url,
            serve_origin: get("INNGEST_SERVE_ORIGIN").or_else(|| get("INNGEST_SERVE_HOST")),
            serve_path: get("INNGEST_SERVE_PATH"),
            env: ENV_NAME_VARIABLES.iter().find_map(|name| get(name)),
            platform: detect_platform(&get),
            streaming: is_truthy(get("INNGEST_STREAMING").as_deref(), &["allow", "force"]),
            stream_keep_alive: std::time::Duration::from_secs(3),
            body_limit: body_limit(get("INNGEST_BODY_LIMIT"))?,
            allow_in_band_sync: !is_false(get("INNGEST_ALLOW_IN_BAND_SYNC").as_deref()),
            enable_unauthed_sync: !is_false(get("INNGEST_ENABLE_UNAUTHED_SYNC").as_deref()),
            target_timeout: crate::execution::DEFAULT_TARGET_TIMEOUT,
        })
    }
}

fn default_base(mode: &ServerMode, cloud: &str) -> Url {
    let text = match mode {
        ServerMode::Dev => DEV_SERVER,
        ServerMode::Cloud => cloud,
    };
    Url::parse(text).expect("static URL is valid")
}

fn url_var(
    variable: &'static str,
    value: Option<String>,
    default: Url,
) -> Result<Url, ConfigError> {
    let Some(value) = value else {
        return Ok(default);
    };
    Url::parse(&value).map_err(|source| ConfigError::Url {
        variable,
        value,
        source,
    })
}

fn body_limit(value: Option<String>) -> Result<usize, ConfigError> {
    let Some(value) = value else {
        return Ok(DEFAULT_BODY_LIMIT);
    };
    match value.parse::<usize>() {
        Ok(limit) if limit > 0 => Ok(limit),
        _ => Err(ConfigError::BodyLimit {
            variable: "INNGEST_BODY_LIMIT",
            value,
        }),
    }
}

fn is_truthy(value: Option<&str>, also: &[&str]) -> bool {
    value.is_some_and(|value| {
        let value = value.to_ascii_lowercase();
        value == "1" || value == "true" || also.contains(&value.as_str())
    })
}

fn is_false(value: Option<&str>) -> bool {
    value.is_some_and(|value| matches!(value.to_ascii_lowercase().as_str(), "0" | "false"))
}

fn detect_platform(get: &impl Fn(&str) -> Option<String>) -> Option<String> {
    let platform = if get("VERCEL").as_deref() == Some("1") {
        "vercel"
    } else if get("NETLIFY").as_deref() == Some("true") {
        "netlify"
    } else if get("CF_PAGES").as_deref() == Some("1") {
        "cloudflare-pages"
    } else if get("RENDER").as_deref() == Some("true") {
        "render"
    } else if get("RAILWAY_ENVIRONMENT").is_some() {
        "railway"
    } else {
        return None;
    };
    Some(platform.to_owned())
}
