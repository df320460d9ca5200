//! An embedded, single-node executor that drives functions over the serve
//! protocol the way Inngest does, with durable state behind [`ExecutorStore`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), inngest::executor::ExecutorError> {
//! use std::sync::Arc;
//! use inngest::executor::{Executor, ExecutorOptions, MemoryStore};
//! use inngest::wire::Event;
//!
//! let executor = Executor::new(Arc::new(MemoryStore::new()), ExecutorOptions::default());
//! executor.sync_app("http://127.0.0.1:3000/api/inngest").await?;
//! let mut progress = executor.subscribe();
//! let workers = executor.start();
//! executor.send(vec![Event::new("calls/uploaded", serde_json::json!({"call_id": "c1"}))]).await?;
//! while let Ok(change) = progress.recv().await {
//!     println!("{change:?}");
//! }
//! workers.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod backoff;
mod cancel;
mod concurrency;
mod dispatch;
mod duration;
mod error;
mod expression;
mod ingest;
mod memory;
mod model;
mod ops;
mod options;
mod progress;
mod registry;
mod respond;
mod store;
mod sync;
mod worker;

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{Notify, broadcast};

pub use backoff::{Backoff, retry_after};
pub use concurrency::ConcurrencySlots;
pub use duration::{DurationError, pause_until};
pub use error::ExecutorError;
pub use expression::{Expression, ExpressionError};
pub use memory::MemoryStore;
pub use model::{
    AppRecord, CancelTrigger, ConcurrencyKey, ConcurrencyLimit, EventTrigger, FunctionRecord, Job,
    JobKind, MemoEntry, RunRecord, RunStatus, StoredEvent, Wait, now_millis,
};
pub use options::ExecutorOptions;
pub use progress::RunProgress;
pub use registry::{RegisterError, parse_register};
pub use store::{
    Commit, ExecutorStore, JobRetry, Resume, RunUpdate, StepResult, StoreError, WaitResolution,
};
pub use worker::ExecutorHandle;

/// The executor: registration, the event API and the worker pool share one
/// store. Cheap to clone.
#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn ExecutorStore>,
    options: ExecutorOptions,
    http: reqwest::Client,
    progress: broadcast::Sender<RunProgress>,
    /// Wakes the worker loop when new jobs may be due.
    wake: Notify,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// The result of a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The app and its functions as stored.
    pub app: AppRecord,
    /// Whether the functions differ from what was registered before.
    pub modified: bool,
}

impl Executor {
    /// An executor over `store`. Call [`Executor::start`] to run jobs.
    pub fn new(store: Arc<dyn ExecutorStore>, options: ExecutorOptions) -> Self {
        // Each call may run for up to `call_timeout`; redirects are not
        // followed blindly beyond reqwest's default limit of 10.
        let http = reqwest::Client::builder()
            .timeout(options.call_timeout)
            .build()
            .unwrap_or_default();
        let (progress, _) = broadcast::channel(options.progress_capacity.max(1));
        Self {
            inner: Arc::new(Inner {
                store,
                options,
                http,
                progress,
                wake: Notify::new(),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn ExecutorStore> {
        &self.inner.store
    }

    /// The options in force.
    pub fn options(&self) -> &ExecutorOptions {
        &self.inner.options
    }

    /// Subscribes to run progress from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RunProgress> {
        self.inner.progress.subscribe()
    }

    /// Registers an app from a `/fn/register` payload, replacing its
    /// previous functions.
    ///
    /// # Errors
    /// [`ExecutorError::Register`] for invalid or unsupported functions, or a
    /// store failure.
    pub async fn register(&self, payload: &Value) -> Result<Registration, ExecutorError> {
        let app = registry::parse_register(payload)?;
        let modified = self.inner.store.save_app(&app).await?;
        tracing::info!(app = %app.id, functions = app.functions.len(), modified, "registered app");
        Ok(Registration { app, modified })
    }

    /// A run by id.
    ///
    /// # Errors
    /// A store failure.
    pub async fn run(&self, run_id: &str) -> Result<Option<RunRecord>, ExecutorError> {
        Ok(self.inner.store.run(run_id).await?)
    }

    fn emit(&self, progress: Vec<RunProgress>) {
        for change in progress {
            // No subscriber is not an error.
            let _ = self.inner.progress.send(change);
        }
    }
}
