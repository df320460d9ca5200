//! The serve endpoint: introspection (GET), sync (PUT) and execution (POST).
//!
//! [`ServeHandler::handle`] is framework-independent: it takes the method, URI,
//! headers and raw body, and returns status, headers and body. [`router`]
//! mounts it in axum.

mod api;
mod auth;
mod axum_adaptor;
mod call;
mod config;
mod env;
mod introspect;
mod response;
mod streaming;
mod sync;
pub mod url;

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Uri};

pub use api::{ApiClient, ApiError};
pub use axum_adaptor::router;
pub use config::{ConfigError, DEFAULT_BODY_LIMIT, ServeConfig, ServerMode};
pub use env::{DevSetting, parse_dev};
pub use response::ServeResponse;

use crate::app::{App, Entry};
use crate::client::EventClient;
use crate::wire::headers;

/// A request as the serve endpoint receives it.
#[derive(Debug, Clone)]
pub struct ServeRequest {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ServeRequest {
    /// A query parameter's value.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.uri.query()?;
        ::url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// The serve handler for one app.
#[derive(Clone)]
pub struct ServeHandler {
    inner: Arc<Inner>,
}

struct Inner {
    app: App,
    entries: BTreeMap<String, Entry>,
    config: ServeConfig,
    api: ApiClient,
    events: EventClient,
}

impl std::fmt::Debug for ServeHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeHandler")
            .field("app", &self.inner.app.id())
            .field("mode", &self.inner.config.mode)
            .finish_non_exhaustive()
    }
}

impl ServeHandler {
    /// A handler for `app` with `config`.
    ///
    /// # Panics
    ///
    /// Panics with the message of [`App::validate`] when a function option
    /// is invalid, so the app stops at startup instead of failing every
    /// sync. Use [`ServeHandler::try_new`] to handle the error instead.
    pub fn new(app: App, config: ServeConfig) -> Self {
        match Self::try_new(app, config) {
            Ok(handler) => handler,
            Err(error) => panic!("{error}"),
        }
    }

    /// Creates a handler for `app` with `config`, or returns the first
    /// invalid function option found by [`App::validate`].
    pub fn try_new(
        app: App,
        config: ServeConfig,
    ) -> Result<Self, crate::function::FunctionConfigError> {
        app.validate()?;
        if config.mode == ServerMode::Cloud && config.signing_key.is_none() {
            tracing::warn!(
                app = app.id(),
                "cloud mode without a signing key: every call will be rejected with 500; set INNGEST_SIGNING_KEY, or INNGEST_DEV=1 for the dev server"
            );
        }
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        let events = EventClient::new(http.clone(), &config);
        let api = ApiClient::new(
            http,
            config.api_base_url.clone(),
            config.signing_key.clone(),
            config.signing_key_fallback.clone(),
            config.env.clone(),
        );
        let entries = app.entries();
        Ok(Self {
            inner: Arc::new(Inner {
                app,
                entries,
                config,
                api,
                events,
            }),
        })
    }

    /// The app served.
    pub fn app(&self) -> &App {
        &self.inner.app
    }

    /// The event client built from the configuration.
    pub fn event_client(&self) -> &EventClient {
        &self.inner.events
    }

    /// The configuration in force.
    pub fn config(&self) -> &ServeConfig {
        &self.inner.config
    }

    /// Handles one request on the serve path.
    pub async fn handle(&self, request: ServeRequest) -> ServeResponse {
        let mut response = match request.method {
            Method::GET => self.introspect(&request),
            Method::PUT => self.sync(&request).await,
            Method::POST => self.call(&request).await,
            _ => ServeResponse::message(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
        };
        self.decorate(&request, &mut response);
        response
    }

    /// Adds the headers that depend on configuration and on the request.
    fn decorate(&self, request: &ServeRequest, response: &mut ServeResponse) {
        if !response.headers.contains_key(headers::SDK) {
            // Stripped for an unauthenticated caller; add nothing back.
            return;
        }
        if let Some(env) = &self.inner.config.env {
            response.set(headers::ENV, env);
        }
        if let Some(platform) = &self.inner.config.platform {
            response.set(headers::PLATFORM, platform);
        }
        if let Some(kind) = request.header(headers::SERVER_KIND) {
            let kind = kind.to_owned();
            response.set(headers::EXPECTED_SERVER_KIND, &kind);
        }
    }
}
