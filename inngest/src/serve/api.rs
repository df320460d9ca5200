//! Outbound calls from the serve handler to the Inngest API: registration and
//! `use_api` state hydration. Each call authenticates with the hashed signing
//! key and retries once with the hashed fallback key after a 401 or 403.

use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};
use url::Url;

use crate::signing::SigningKey;
use crate::wire::{Event, headers};

/// Why a call to the Inngest API failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("could not reach {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url} answered {status}: {message}")]
    Status {
        url: String,
        status: u16,
        message: String,
    },
    #[error(
        "{url} answered {status} with a body that is not the expected JSON ({snippet:?}); check that the API base URL points at Inngest"
    )]
    NotJson {
        url: String,
        status: u16,
        snippet: String,
    },
}

/// Client of the Inngest API for one configuration.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: Url,
    key: Option<SigningKey>,
    fallback: Option<SigningKey>,
    env: Option<String>,
}

impl ApiClient {
    /// A client for `base` with optional keys and branch environment.
    pub fn new(
        http: reqwest::Client,
        base: Url,
        key: Option<SigningKey>,
        fallback: Option<SigningKey>,
        env: Option<String>,
    ) -> Self {
        Self {
            http,
            base,
            key,
            fallback,
            env,
        }
    }

    /// `base` joined with `path`, keeping any path prefix of the base.
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!(
            "{}/{}",
            url.path().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        url.set_path(&joined);
        url
    }

    /// Sends a request, with the fallback key after a 401 or 403, and returns
    /// the status and parsed JSON body.
    ///
    /// # Errors
    /// [`ApiError`] when the API is unreachable or replies with something other than JSON.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        extra_headers: &[(&str, String)],
    ) -> Result<(StatusCode, Value), ApiError> {
        let mut keys = vec![self.key.as_ref()];
        if self.fallback.is_some() {
            keys.push(self.fallback.as_ref());
        }

        let mut last = None;
        for key in keys {
            let reply = self
                .send_once(method.clone(), url.clone(), body, extra_headers, key)
                .await?;
            let retry_with_fallback =
                matches!(reply.0, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
            last = Some(reply);
            if !retry_with_fallback {
                break;
            }
        }
        let (status, text) = last.expect("at least one attempt is made");

        match serde_json::from_str::<Value>(&text) {
            Ok(json) => Ok((status, json)),
            Err(_) => Err(ApiError::NotJson {
                url: url.to_string(),
                status: status.as_u16(),
                snippet: text.chars().take(120).collect(),
            }),
        }
    }

    async fn send_once(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        extra_headers: &[(&str, String)],
        key: Option<&SigningKey>,
    ) -> Result<(StatusCode, String), ApiError> {
        let mut request = self
            .http
            .request(method, url.clone())
            .header(headers::SDK, crate::SDK_HEADER_VALUE)
            .header("user-agent", crate::SDK_HEADER_VALUE);
        if let Some(key) = key {
            request = request.bearer_auth(key.hashed());
        }
        if let Some(env) = &self.env {
            request = request.header(headers::ENV, env);
        }
        for (name, value) in extra_headers {
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }

        let unreachable = |source| ApiError::Unreachable {
            url: url.to_string(),
            source,
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let text = response.text().await.map_err(unreachable)?;
        Ok((status, text))
    }

    /// Fetches the events and memoized steps of a run whose call request was
    /// trimmed (`use_api`): `GET /v0/runs/{id}/batch` and `/actions`.
    ///
    /// # Errors
    /// [`ApiError`] for an unreachable API or a non-200 reply.
    pub async fn run_state(
        &self,
        run_id: &str,
    ) -> Result<(Vec<Event>, Map<String, Value>), ApiError> {
        let batch_url = self.url(&format!("v0/runs/{run_id}/batch"));
        let events = self.get_ok(batch_url.clone()).await?;
        let events: Vec<Event> = serde_json::from_value(events).map_err(|_| ApiError::NotJson {
            url: batch_url.to_string(),
            status: 200,
            snippet: "expected a JSON array of events".to_owned(),
        })?;

        let actions_url = self.url(&format!("v0/runs/{run_id}/actions"));
        let Value::Object(steps) = self.get_ok(actions_url.clone()).await? else {
            return Err(ApiError::NotJson {
                url: actions_url.to_string(),
                status: 200,
                snippet: "expected a JSON object of step results".to_owned(),
            });
        };
        Ok((events, steps))
    }

    async fn get_ok(&self, url: Url) -> Result<Value, ApiError> {
        let (status, body) = self.send(Method::GET, url.clone(), None, &[]).await?;
        if status != StatusCode::OK {
            return Err(ApiError::Status {
                url: url.to_string(),
                status: status.as_u16(),
                message: error_text(&body),
            });
        }
        Ok(body)
    }
}

/// The error text of an API reply: `error`, else `message`, else the body.
pub(crate) fn error_text(body: &Value) -> String {
    body.get("error")
        .or_else(|| body.get("message"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| body.to_string())
}
