//! Conversions from store and vendor errors into step errors, in one place
//! so both functions classify the same fault the same way.

use inngest::Error;

use crate::ports::{BoxError, ProviderError, StoreError};

/// Converts a store error: non-retriable for a missing call, retriable
/// otherwise.
pub(crate) fn store_error(error: BoxError) -> Error {
    if let Some(StoreError::CallNotFound(call_id)) = error.downcast_ref::<StoreError>() {
        return Error::non_retriable(format!(
            "call {call_id} not found; create it before starting this job"
        ));
    }
    Error::from_boxed(error)
}

/// Converts a vendor error, keeping its retry decision, its delay and its
/// cause.
pub(crate) fn provider_error(error: ProviderError) -> Error {
    let (converted, source) = match error {
        ProviderError::Retryable {
            message,
            retry_after: Some(after),
            source,
        } => (
            Error::retry_after(message, inngest::RetryAfter::Delay(after)),
            source,
        ),
        ProviderError::Retryable {
            message, source, ..
        } => (Error::new(message), source),
        ProviderError::Permanent { message, source } => (Error::non_retriable(message), source),
    };
    match source {
        Some(source) => converted.with_boxed_source(source),
        None => converted,
    }
}
