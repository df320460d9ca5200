//! Executor configuration.

use std::time::Duration;

use super::backoff::Backoff;
use crate::signing::SigningKey;

/// How the executor runs. [`ExecutorOptions::default`] matches Inngest's
/// behaviour; tests shorten the backoff, poll interval and lease.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// Signs call requests and in-band syncs, and guards the API with its
    /// hashed form as a Bearer token. Without it, nothing is signed or checked.
    pub signing_key: Option<SigningKey>,
    /// Event keys accepted by `POST /e/{key}`; empty accepts any non-empty key.
    pub event_keys: Vec<String>,
    /// Delay before retrying a failed attempt.
    pub backoff: Backoff,
    /// Calls in flight at most.
    pub concurrency: usize,
    /// How often idle workers look for due jobs.
    pub poll_interval: Duration,
    /// How long a claimed job stays leased. A worker renews the lease while
    /// its call runs, so only the jobs of a stopped worker expire.
    pub lease: Duration,
    /// Longest wait for a call's reply; Inngest allows 2 hours per call.
    pub call_timeout: Duration,
    /// Capacity of the progress channel; slow subscribers miss older events.
    pub progress_capacity: usize,
}

impl Default for ExecutorOptions {
    fn default() -> Self {
        Self {
            signing_key: None,
            event_keys: Vec::new(),
            backoff: Backoff::Table,
            concurrency: 16,
            poll_interval: Duration::from_millis(150),
            lease: Duration::from_secs(30),
            call_timeout: Duration::from_secs(2 * 3600),
            progress_capacity: 1024,
        }
    }
}
