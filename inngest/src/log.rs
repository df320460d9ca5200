//! A logger for function code that stays quiet while memoized steps replay.
//!
//! Code outside steps runs again on every request of a run. Logging through
//! [`Logger`] instead of `tracing` directly keeps those lines from repeating:
//! a line is emitted only once the function has passed its last memoized step.

use crate::step::Step;

/// Replay-aware logging for function bodies.
#[derive(Debug, Clone)]
pub struct Logger {
    step: Option<Step>,
}

impl Logger {
    pub(crate) fn new(step: Step) -> Self {
        Self { step: Some(step) }
    }

    /// A logger that always logs (outside any execution).
    pub fn detached() -> Self {
        Self { step: None }
    }

    /// Whether lines would be dropped right now.
    pub fn is_replaying(&self) -> bool {
        self.step.as_ref().is_some_and(Step::is_replaying)
    }

    /// Logs at info level unless replaying.
    pub fn info(&self, message: impl AsRef<str>) {
        if !self.is_replaying() {
            tracing::info!(target: "inngest::function", "{}", message.as_ref());
        }
    }

    /// Logs at warn level unless replaying.
    pub fn warn(&self, message: impl AsRef<str>) {
        if !self.is_replaying() {
            tracing::warn!(target: "inngest::function", "{}", message.as_ref());
        }
    }

    /// Logs at error level unless replaying.
    pub fn error(&self, message: impl AsRef<str>) {
        if !self.is_replaying() {
            tracing::error!(target: "inngest::function", "{}", message.as_ref());
        }
    }

    /// Logs at debug level unless replaying.
    pub fn debug(&self, message: impl AsRef<str>) {
        if !self.is_replaying() {
            tracing::debug!(target: "inngest::function", "{}", message.as_ref());
        }
    }
}
