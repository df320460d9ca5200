//! Errors raised by function code, and their wire form.
//!
//! Function code uses one error type, [`Error`]. It is retriable by default.
//! [`Error::non_retriable`] stops retries, and [`Error::retry_after`] tells
//! the executor how long to wait. The [`ResultExt`] trait classifies errors inline at the
//! call site: `vendor_call().await.non_retriable()?`.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// An error as it travels on the wire: `{name, message, stack, cause}`.
///
/// Unknown fields from other SDKs (`code`, `data`, `noRetry`, ...) are kept so
/// a memoized error can be reported back unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SerializedError {
    #[serde(default = "default_error_name")]
    pub name: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Box<SerializedError>>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn default_error_name() -> String {
    "Error".to_owned()
}

impl SerializedError {
    /// An error with a name and message and no stack.
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            message: message.into(),
            stack: None,
            cause: None,
            extra: serde_json::Map::new(),
        }
    }

    /// Serializes an error and its `source()` chain, at most five levels deep
    /// as the official SDKs do.
    pub fn from_std(name: &str, error: &(dyn std::error::Error + 'static)) -> Self {
        let mut root = Self::new(name, error.to_string());
        root.stack = Some(format!("{name}: {error}"));

        let mut slot = &mut root.cause;
        let mut source = error.source();
        let mut depth = 0;
        while let Some(cause) = source {
            if depth == 5 {
                break;
            }
            let mut serialized = Self::new("Error", cause.to_string());
            serialized.stack = Some(format!("Error: {cause}"));
            *slot = Some(Box::new(serialized));
            slot = &mut slot.as_mut().expect("cause was just set").cause;
            source = cause.source();
            depth += 1;
        }
        root
    }

    /// Marks the object the way the JavaScript SDK does (`"__serialized": true`).
    pub(crate) fn with_serialized_marker(mut self) -> Self {
        self.extra
            .insert("__serialized".to_owned(), serde_json::Value::Bool(true));
        self
    }
}

impl fmt::Display for SerializedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

/// When the executor should retry after this error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryAfter {
    /// Wait this long.
    Delay(Duration),
    /// Retry at this instant.
    At(OffsetDateTime),
}

impl RetryAfter {
    /// The `Retry-After` header value: whole seconds rounded up, or an ISO 8601
    /// timestamp with milliseconds, as the official SDK writes them.
    pub fn header_value(&self) -> String {
        match self {
            Self::Delay(delay) => {
                let millis = delay.as_millis();
                millis.div_ceil(1000).max(1).to_string()
            }
            Self::At(at) => crate::time_fmt::iso_millis(*at),
        }
    }
}

/// Retry behaviour the executor applies to an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retry {
    /// Retry with the executor's backoff (the default).
    Backoff,
    /// Retry at a given time or after a given delay.
    After(RetryAfter),
    /// Never retry; the step or function fails now.
    Never,
}

/// The error type of function and step code.
///
/// The fields live behind one box so `Result<T, Error>` stays small.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    name: String,
    message: String,
    retry: Retry,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    /// Set when this is a memoized step failure surfaced to user code; the
    /// original wire error is then reported unchanged if it escapes.
    memoized: Option<SerializedError>,
}

impl Error {
    /// Creates a retriable error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                name: "Error".to_owned(),
                message: message.into(),
                retry: Retry::Backoff,
                source: None,
                memoized: None,
            }),
        }
    }

    /// A non-retriable error: the step or function fails without more attempts.
    pub fn non_retriable(message: impl Into<String>) -> Self {
        Self::new(message)
            .with_name("NonRetriableError")
            .with_retry(Retry::Never)
    }

    /// Creates a retriable error that tells the executor how long to wait before the next attempt.
    pub fn retry_after(message: impl Into<String>, after: RetryAfter) -> Self {
        Self::new(message)
            .with_name("RetryAfterError")
            .with_retry(Retry::After(after))
    }

    /// Wraps any error, keeping it as the source.
    pub fn from_source(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        let mut wrapped = Self::new(error.to_string());
        wrapped.inner.source = Some(Box::new(error));
        wrapped
    }

    /// Sets the error name shown in the Inngest UI (`Error` by default).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.inner.name = name.into();
        self
    }

    /// Sets the retry behaviour.
    pub fn with_retry(mut self, retry: Retry) -> Self {
        self.inner.retry = retry;
        self
    }

    /// Attaches a cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// The error name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The retry behaviour.
    pub fn retry(&self) -> &Retry {
        &self.inner.retry
    }

    /// The underlying cause, if any.
    ///
    /// `Error` does not implement `std::error::Error` itself, so that `?`
    /// converts any standard error into it.
    pub fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }

    /// Attaches a boxed cause.
    pub fn with_boxed_source(
        mut self,
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    ) -> Self {
        self.inner.source = Some(source);
        self
    }

    /// Wraps a boxed error, keeping it as the source.
    pub fn from_boxed(error: Box<dyn std::error::Error + Send + Sync + 'static>) -> Self {
        let mut wrapped = Self::new(error.to_string());
        wrapped.inner.source = Some(error);
        wrapped
    }

    /// Whether this error is a failed step's memoized error, re-raised.
    pub fn is_step_failure(&self) -> bool {
        self.inner.memoized.is_some()
    }

    pub(crate) fn from_memoized(error: SerializedError) -> Self {
        let mut wrapped = Self::new(error.message.clone()).with_name(error.name.clone());
        wrapped.inner.retry = Retry::Never;
        wrapped.inner.memoized = Some(error);
        wrapped
    }

    /// The wire form, with the cause chain.
    pub fn to_serialized(&self) -> SerializedError {
        if let Some(memoized) = &self.inner.memoized {
            return memoized.clone();
        }

        let mut serialized = SerializedError::new(&self.inner.name, &self.inner.message);
        serialized.stack = Some(format!("{}: {}", self.inner.name, self.inner.message));
        if let Some(source) = &self.inner.source {
            let source: &(dyn std::error::Error + 'static) = source.as_ref();
            serialized.cause = Some(Box::new(SerializedError::from_std("Error", source)));
        }
        serialized.with_serialized_marker()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.name, self.inner.message)?;
        let mut source = self.source();
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl<E> From<E> for Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn from(error: E) -> Self {
        Self::from_source(error)
    }
}

/// Classifies the error of a `Result` at the call site.
pub trait ResultExt<T> {
    /// Makes the error non-retriable, keeping it as the cause.
    fn non_retriable(self) -> Result<T, Error>;

    /// Makes the error retriable after a delay, keeping it as the cause.
    fn retry_after(self, after: Duration) -> Result<T, Error>;
}

impl<T, E> ResultExt<T> for Result<T, E>
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn non_retriable(self) -> Result<T, Error> {
        self.map_err(|error| Error::non_retriable(error.to_string()).with_source(error))
    }

    fn retry_after(self, after: Duration) -> Result<T, Error> {
        self.map_err(|error| {
            Error::retry_after(error.to_string(), RetryAfter::Delay(after)).with_source(error)
        })
    }
}
