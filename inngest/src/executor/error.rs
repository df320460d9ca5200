//! Errors of the executor's public operations.

use super::registry::RegisterError;
use super::store::StoreError;

/// Why an executor operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// An event was rejected before anything was stored.
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// The in-band sync request could not be sent or read.
    #[error("in-band sync with {url} failed: {source}")]
    SyncRequest {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The app answered the in-band sync with an error or unexpected body.
    #[error("in-band sync with {url} failed: {reason}")]
    SyncReply { url: String, reason: String },
}
