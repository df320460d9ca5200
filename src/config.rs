//! Service settings, read once from the environment at startup.
//!
//! The Inngest variables keep the official SDKs' names and meanings, so a
//! deployment moving from the TypeScript SDK changes nothing. Which mode the
//! service runs in, and why, is decided here and printed at startup.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use inngest::serve::{ServeConfig, ServerMode};

pub use crate::api::auth::ApiToken;

/// Default SQLite database, relative to the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/call-insights.db?mode=rwc";

/// Default port of the HTTP service.
pub const DEFAULT_PORT: u16 = 3000;

/// Default interval of the stale-job check that `serve` runs, in seconds.
pub const DEFAULT_REAP_INTERVAL_SECS: u64 = 60;

/// Who drives the functions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// No Inngest configured: the embedded executor drives the functions.
    Local,
    /// The Inngest dev server drives them.
    Dev,
    /// Inngest Cloud or self-hosted Inngest drives them.
    Cloud,
}

impl Mode {
    /// The mode's name as printed.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Dev => "dev",
            Self::Cloud => "cloud",
        }
    }
}

/// Why a setting is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Inngest(#[from] inngest::serve::ConfigError),
    #[error(transparent)]
    Providers(#[from] crate::providers::ProviderConfigError),
    #[error("{name} must be {expected}, got {value:?}")]
    Invalid {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error(
        "HOST={host} exposes the jobs API beyond this machine without a token; \
         set API_TOKEN to a secret that clients send as `Authorization: Bearer <token>`, \
         or set HOST=127.0.0.1"
    )]
    Unprotected { host: IpAddr },
}

/// Every setting of the service.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: Mode,
    /// Why this mode was chosen, for the startup line and `doctor`.
    pub mode_reason: String,
    pub serve: ServeConfig,
    pub database_url: String,
    pub listen: SocketAddr,
    /// Analyzer, transcriber and vendor settings.
    pub providers: crate::providers::ProviderSettings,
    /// Retries of each function step after the first attempt.
    pub retries: u32,
    /// Runs in flight per account (`data.account_id`) at most.
    pub account_concurrency: u32,
    /// Fixed retry interval of the local executor instead of Inngest's
    /// backoff table; meant for tests and demos.
    pub retry_interval: Option<Duration>,
    /// Jobs in `processing` longer than this with no live run are failed.
    pub stale_job_after: Duration,
    /// How often `serve` looks for stale jobs.
    pub reap_interval: Duration,
    /// Bearer token that the jobs API requires when set.
    pub api_token: Option<ApiToken>,
}

impl Settings {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable with an invalid value.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`.
    ///
    /// # Errors
    /// As [`Settings::from_env`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let serve = ServeConfig::from_lookup(&lookup)?;
        let (mode, mode_reason) = decide_mode(&get, &serve);

        let host = match get("HOST") {
            Some(host) => host.parse::<IpAddr>().map_err(|_| ConfigError::Invalid {
                name: "HOST",
                value: host,
                expected: "an IP address such as 127.0.0.1 or 0.0.0.0",
            })?,
            None => IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        let port = get("PORT").map_or(Ok(DEFAULT_PORT), |value| {
            value.parse::<u16>().map_err(|_| ConfigError::Invalid {
                name: "PORT",
                value,
                expected: "a port number from 0 to 65535",
            })
        })?;

        Ok(Self {
            mode,
            mode_reason,
            serve,
            database_url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            listen: SocketAddr::new(host, port),
            providers: crate::providers::ProviderSettings::from_lookup(&lookup)?,
            retries: parse_number("STEP_RETRIES", get("STEP_RETRIES"), 3)?,
            account_concurrency: parse_positive(
                "ACCOUNT_CONCURRENCY",
                get("ACCOUNT_CONCURRENCY"),
                10,
            )?,
            retry_interval: get("RETRY_INTERVAL_MS")
                .map(|value| parse_number("RETRY_INTERVAL_MS", Some(value), 0u64))
                .transpose()?
                .map(Duration::from_millis),
            stale_job_after: Duration::from_secs(parse_number(
                "STALE_JOB_AFTER_SECS",
                get("STALE_JOB_AFTER_SECS"),
                30 * 60,
            )?),
            reap_interval: Duration::from_secs(parse_positive(
                "REAP_INTERVAL_SECS",
                get("REAP_INTERVAL_SECS"),
                DEFAULT_REAP_INTERVAL_SECS,
            )?),
            api_token: get("API_TOKEN").map(ApiToken::new),
        })
    }

    /// Rejects a listen address reachable from other machines when no
    /// `API_TOKEN` protects the jobs API.
    ///
    /// # Errors
    /// [`ConfigError::Unprotected`] naming HOST and API_TOKEN.
    pub fn check_api_exposure(&self) -> Result<(), ConfigError> {
        if self.api_token.is_none() && !self.listen.ip().is_loopback() {
            return Err(ConfigError::Unprotected {
                host: self.listen.ip(),
            });
        }
        Ok(())
    }
}

/// Local when nothing points at an Inngest server; dev for `INNGEST_DEV`;
/// cloud when a signing key or base URL is set.
fn decide_mode(get: &impl Fn(&str) -> Option<String>, serve: &ServeConfig) -> (Mode, String) {
    if serve.mode == ServerMode::Dev {
        return (
            Mode::Dev,
            format!(
                "INNGEST_DEV is set; the dev server at {} drives the functions",
                serve.api_base_url
            ),
        );
    }
    if get("INNGEST_SIGNING_KEY").is_some() {
        return (
            Mode::Cloud,
            format!(
                "INNGEST_SIGNING_KEY is set; Inngest at {} drives the functions",
                serve.api_base_url
            ),
        );
    }
    if get("INNGEST_BASE_URL").is_some() || get("INNGEST_API_BASE_URL").is_some() {
        return (
            Mode::Cloud,
            format!(
                "an Inngest base URL is set without INNGEST_DEV; Inngest at {} drives the functions (set INNGEST_SIGNING_KEY)",
                serve.api_base_url
            ),
        );
    }
    (
        Mode::Local,
        "no INNGEST_DEV, INNGEST_SIGNING_KEY or INNGEST_BASE_URL; the embedded executor drives the functions".to_owned(),
    )
}

fn parse_positive<T>(
    name: &'static str,
    value: Option<String>,
    default: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialEq + From<u8>,
{
    let number = parse_number(name, value.clone(), default)?;
    if number == T::from(0) {
        return Err(ConfigError::Invalid {
            name,
            value: value.unwrap_or_default(),
            expected: "a whole number of at least 1",
        });
    }
    Ok(number)
}

fn parse_number<T: std::str::FromStr>(
    name: &'static str,
    value: Option<String>,
    default: T,
) -> Result<T, ConfigError> {
    match value {
        None => Ok(default),
        Some(value) => value.parse().map_err(|_| ConfigError::Invalid {
            name,
            value,
            expected: "a non-negative whole number",
        }),
    }
}
