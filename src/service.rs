//! Composition of the service: store, analyzer, functions, the serve
//! endpoint and, in local mode, the embedded executor.

use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use inngest::executor::{Backoff, Executor, ExecutorHandle, ExecutorOptions};
use inngest::serve::{ServeConfig, ServeHandler, ServerMode, router};
use inngest::signing::SigningKey;
use url::Url;

use functions::chunked::ChunkedAnalyzer;
use functions::ports::{Analyzer, Transcriber};

use crate::config::{Mode, Settings};
use crate::providers::ProviderSettings;
use crate::store::Store;

/// Path of the serve endpoint.
pub const SERVE_PATH: &str = "/api/inngest";

/// App id; function ids are prefixed with it (`call-insights-<function>`).
pub const APP_ID: &str = "call-insights";

/// The vendors the functions call.
#[derive(Clone)]
pub struct Providers {
    pub analyzer: Arc<dyn Analyzer>,
    /// The analyzer's chunked form, for transcripts longer than one request.
    pub chunked: Option<Arc<dyn ChunkedAnalyzer>>,
    pub transcriber: Arc<dyn Transcriber>,
}

impl Providers {
    /// Builds the configured providers.
    ///
    /// # Errors
    /// A provider that cannot be built from its settings.
    pub fn from_settings(settings: &ProviderSettings) -> anyhow::Result<Self> {
        Ok(Self {
            analyzer: crate::analyzer::build(settings)?,
            chunked: crate::analyzer::build_chunked(settings)?,
            transcriber: crate::transcriber::build(settings)?,
        })
    }

    /// `analyzer` with the offline transcriber that reads transcript files.
    ///
    /// # Errors
    /// As [`Providers::from_settings`].
    pub fn with_analyzer(analyzer: Arc<dyn Analyzer>) -> anyhow::Result<Self> {
        let defaults = ProviderSettings::from_lookup(|_| None)?;
        Ok(Self {
            analyzer,
            chunked: None,
            transcriber: crate::transcriber::build(&defaults)?,
        })
    }
}

/// Everything the HTTP server and the commands share.
#[derive(Clone)]
pub struct Service {
    pub settings: Settings,
    pub store: Store,
    pub handler: ServeHandler,
    /// The embedded executor, in local mode only.
    pub executor: Option<Executor>,
}

impl Service {
    /// Connects the store and builds the functions for `settings`, where
    /// `base_url` is where this process serves HTTP.
    ///
    /// # Errors
    /// A database that cannot be opened or migrated, or a provider that
    /// cannot be built.
    pub async fn build(settings: Settings, base_url: &Url) -> anyhow::Result<Self> {
        let providers = Providers::from_settings(&settings.providers)?;
        Self::build_with(settings, base_url, providers).await
    }

    /// As [`Service::build`], with given providers instead of the configured ones.
    ///
    /// # Errors
    /// A database that cannot be opened or migrated.
    pub async fn build_with(
        settings: Settings,
        base_url: &Url,
        providers: Providers,
    ) -> anyhow::Result<Self> {
        let store = Store::connect(&settings.database_url)
            .await
            .with_context(|| {
                format!(
                    "failed to open the database {}",
                    redact(&settings.database_url)
                )
            })?;

        let insights =
            functions::generate_insights::function(functions::generate_insights::InsightsDeps {
                store: Arc::new(store.clone()),
                analyzer: providers.analyzer,
                chunked: providers.chunked,
                retries: settings.retries,
                account_concurrency: settings.account_concurrency,
            });
        let transcribe =
            functions::transcribe_call::function(functions::transcribe_call::TranscribeDeps {
                store: Arc::new(store.clone()),
                transcriber: providers.transcriber,
                retries: settings.retries,
                account_concurrency: settings.account_concurrency,
            });
        let app = inngest::App::new(APP_ID)
            .function(insights)
            .function(transcribe);

        let (serve_config, executor) = match settings.mode {
            Mode::Local => {
                let key = local_signing_key();
                let executor = local_executor(&store, &settings, key.clone()).await?;
                (local_serve_config(&settings, key, base_url), Some(executor))
            }
            Mode::Dev | Mode::Cloud => (settings.serve.clone(), None),
        };

        Ok(Self {
            handler: ServeHandler::new(app, serve_config),
            settings,
            store,
            executor,
        })
    }

    /// Builds the HTTP routes: the serve endpoint, the jobs API, the executor's API
    /// in local mode, and `/health`.
    pub fn router(&self) -> Router {
        let routes = router(SERVE_PATH, self.handler.clone()).merge(crate::api::router(self));
        match &self.executor {
            // The executor's router has its own `/health`.
            Some(executor) => routes.merge(executor.router()),
            None => routes.route(
                "/health",
                axum::routing::get(|| async { axum::Json(serde_json::json!({ "status": "ok" })) }),
            ),
        }
    }

    /// Starts the executor's workers after syncing this process's own
    /// functions with it; a no-op outside local mode.
    ///
    /// # Errors
    /// When the in-band sync with our own serve endpoint fails.
    pub async fn start_executor(&self, base_url: &Url) -> anyhow::Result<Option<ExecutorHandle>> {
        let Some(executor) = &self.executor else {
            return Ok(None);
        };
        let serve_url = base_url.join(SERVE_PATH.trim_start_matches('/'))?;
        executor
            .sync_app(serve_url.as_str())
            .await
            .with_context(|| {
                format!(
                    "failed to sync the functions served at {serve_url} with the local executor"
                )
            })?;
        Ok(Some(executor.start()))
    }

    /// Starts the periodic stale-job check, every `REAP_INTERVAL_SECS`.
    pub fn start_reaper(&self) -> tokio::task::JoinHandle<()> {
        crate::reaper::Reaper::for_service(self).spawn(self.settings.reap_interval)
    }
}

/// A signing key made for this process only: the executor signs its calls
/// and the serve endpoint verifies them, as with Inngest Cloud.
fn local_signing_key() -> SigningKey {
    let bytes: [u8; 32] = rand::random();
    SigningKey::parse(&format!("signkey-local-{}", hex_encode(&bytes)))
        .expect("a generated key is valid hex")
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn local_serve_config(settings: &Settings, key: SigningKey, base_url: &Url) -> ServeConfig {
    let mut config = ServeConfig::cloud(key, base_url.clone(), base_url.clone());
    config.event_key = Some("local".to_owned());
    config.body_limit = settings.serve.body_limit;
    config.streaming = settings.serve.streaming;
    config
}

async fn local_executor(
    store: &Store,
    settings: &Settings,
    key: SigningKey,
) -> anyhow::Result<Executor> {
    let executor_store = crate::executor_store::for_store(store);
    let options = ExecutorOptions {
        signing_key: Some(key),
        backoff: settings
            .retry_interval
            .map_or(Backoff::Table, Backoff::Fixed),
        ..ExecutorOptions::default()
    };
    Ok(Executor::new(executor_store, options))
}

/// The database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Whether the serve configuration is cloud mode without a signing key: such
/// a handler refuses every call, so startup warns about it.
pub fn cloud_without_key(config: &ServeConfig) -> bool {
    config.mode == ServerMode::Cloud && config.signing_key.is_none()
}
