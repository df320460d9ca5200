//! Options on how queued runs are ordered, bounded in time and deduplicated:
//! priority, timeouts and singleton.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration::TimeString;

/// `priority`: moves runs ahead in the queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priority {
    /// CEL expression returning the seconds (-600 to 600) by which a run is
    /// moved ahead; required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
}

impl Priority {
    /// Prioritises runs by a CEL expression, such as
    /// `event.data.plan == 'enterprise' ? 120 : 0`.
    pub fn run(expression: impl Into<String>) -> Self {
        Self {
            run: Some(expression.into()),
        }
    }
}

/// `timeouts`: cancels runs that wait or last too long.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeouts {
    /// Maximum time between enqueueing a run and its first step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<TimeString>,
    /// Maximum time between a run's first step and its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish: Option<TimeString>,
}

impl Timeouts {
    /// No timeouts; add them with [`Timeouts::start`] and [`Timeouts::finish`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels a run that has not started within `start`.
    pub fn start(mut self, start: Duration) -> Self {
        self.start = Some(start.into());
        self
    }

    /// Cancels a run that has not finished within `finish` of starting.
    pub fn finish(mut self, finish: Duration) -> Self {
        self.finish = Some(finish.into());
        self
    }
}

/// Handling of a new run while a singleton function has one in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SingletonMode {
    /// Drops the new run.
    Skip,
    /// Cancels the run in progress and starts the new one.
    Cancel,
}

/// `singleton`: at most one run at a time, per key when one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Singleton {
    /// CEL expression that allows one run per value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Handling of a new run while one is in progress.
    pub mode: SingletonMode,
}

impl Singleton {
    /// Creates a singleton with the given mode.
    pub fn new(mode: SingletonMode) -> Self {
        Self { key: None, mode }
    }

    /// Allows one run per value of a CEL expression.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}
