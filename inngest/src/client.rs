//! The event client: sends events to the Inngest event API.

use std::time::Duration;

use base64::Engine;
use serde_json::Value;
use url::Url;

use crate::serve::{ServeConfig, ServerMode};
use crate::wire::{Event, headers};

/// Attempts per send, with a doubling delay from [`RETRY_BASE`].
const ATTEMPTS: u32 = 5;
const RETRY_BASE: Duration = Duration::from_millis(100);

/// The event key the dev server accepts when none is configured.
const DEV_EVENT_KEY: &str = "NO_EVENT_KEY_SET";

/// Why sending events failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(
        "INNGEST_EVENT_KEY is not set; set it to an event key from the Inngest dashboard to send events in cloud mode"
    )]
    MissingEventKey,
    #[error("event #{index} has an empty name; every event needs a name such as `calls/uploaded`")]
    EmptyName { index: usize },
    #[error("could not reach the event API at {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the event API at {url} rejected the events with status {status}: {message}")]
    Rejected {
        url: String,
        status: u16,
        message: String,
    },
}

/// Sends events; cheap to clone.
#[derive(Debug, Clone)]
pub struct EventClient {
    http: reqwest::Client,
    base: Url,
    event_key: Option<String>,
    env: Option<String>,
    mode: ServerMode,
}

impl EventClient {
    /// A client for the event API of a serve configuration.
    pub fn new(http: reqwest::Client, config: &ServeConfig) -> Self {
        Self {
            http,
            base: config.event_api_base_url.clone(),
            event_key: config.event_key.clone(),
            env: config.env.clone(),
            mode: config.mode.clone(),
        }
    }

    /// Sends one event and returns its id.
    ///
    /// # Errors
    /// As [`EventClient::send_many`].
    pub async fn send(&self, event: Event) -> Result<String, SendError> {
        let ids = self.send_many(vec![event]).await?;
        Ok(ids.into_iter().next().unwrap_or_default())
    }

    /// Sends events in one request and returns their ids in input order.
    /// An event with an `id` is de-duplicated by Inngest for 24 hours.
    ///
    /// # Errors
    /// [`SendError`] for a missing key, an unnamed event, an unreachable API
    /// after five attempts, or a rejection.
    pub async fn send_many(&self, events: Vec<Event>) -> Result<Vec<String>, SendError> {
        if let Some(index) = events.iter().position(|event| event.name.trim().is_empty()) {
            return Err(SendError::EmptyName { index });
        }
        let key = match (&self.event_key, &self.mode) {
            (Some(key), _) => key.clone(),
            (None, ServerMode::Dev) => DEV_EVENT_KEY.to_owned(),
            (None, ServerMode::Cloud) => return Err(SendError::MissingEventKey),
        };

        let now = crate::time_fmt::unix_millis(time::OffsetDateTime::now_utc());
        let events: Vec<Event> = events
            .into_iter()
            .map(|mut event| {
                event.ts.get_or_insert(now);
                event
            })
            .collect();
        let mut url = self.base.clone();
        let path = format!("{}/e/{key}", url.path().trim_end_matches('/'));
        url.set_path(&path);
        // The URL carries the event key, so messages show the base only.
        let shown = self.base.to_string();

        let seed = id_seed(now);
        let mut delay = RETRY_BASE;
        let mut attempt = 1;
        loop {
            match self.post(&url, &events, &seed).await {
                Ok((status, body)) => return parse_reply(&shown, status, &body),
                Err(source) if attempt >= ATTEMPTS => {
                    return Err(SendError::Unreachable { url: shown, source });
                }
                Err(_) => {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                    attempt += 1;
                }
            }
        }
    }

    async fn post(
        &self,
        url: &Url,
        events: &[Event],
        seed: &str,
    ) -> Result<(u16, String), reqwest::Error> {
        let mut request = self
            .http
            .post(url.clone())
            .header(headers::SDK, crate::SDK_HEADER_VALUE)
            .header(headers::EVENT_ID_SEED, seed)
            .json(events);
        if let Some(env) = &self.env {
            request = request.header(headers::ENV, env);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        Ok((status, body))
    }
}

/// `<ms>,<base64 of 10 random bytes>`: the event API derives stable internal
/// ids from it, so a retried request does not create different ids.
fn id_seed(now_millis: i64) -> String {
    let bytes: [u8; 10] = rand::random();
    format!(
        "{now_millis},{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn parse_reply(url: &str, status: u16, body: &str) -> Result<Vec<String>, SendError> {
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let reported = json
        .get("status")
        .and_then(Value::as_u64)
        .unwrap_or(u64::from(status));
    let error = json
        .get("error")
        .and_then(Value::as_str)
        .filter(|error| !error.is_empty());
    if !(200..300).contains(&status) || reported != 200 || error.is_some() {
        let message = error
            .map(str::to_owned)
            .unwrap_or_else(|| body.chars().take(200).collect());
        return Err(SendError::Rejected {
            url: url.to_owned(),
            status,
            message,
        });
    }

    let ids = json
        .get("ids")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(ids)
}
