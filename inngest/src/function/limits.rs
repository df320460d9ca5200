//! Time-window limits on starting runs: throttle, rate limit and debounce.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration::TimeString;

/// `throttle`: start at most `limit` runs per `period`, queueing the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttle {
    /// Runs started per period; 0 is rejected by validation.
    #[serde(default)]
    pub limit: u32,
    /// The window, such as `"1m"`.
    #[serde(default)]
    pub period: TimeString,
    /// Extra runs allowed to start at once above the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u32>,
    /// CEL expression that gives each value its own throttle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Throttle {
    /// Starts at most `limit` runs per `period`.
    pub fn new(limit: u32, period: Duration) -> Self {
        Self {
            limit,
            period: period.into(),
            burst: None,
            key: None,
        }
    }

    /// Allows `burst` extra runs to start at once.
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = Some(burst);
        self
    }

    /// Throttles per value of a CEL expression.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

/// `rateLimit`: start at most `limit` runs per `period`, skipping the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Runs started per period; 0 is rejected by validation.
    #[serde(default)]
    pub limit: u32,
    /// The window, such as `"4h"`.
    #[serde(default)]
    pub period: TimeString,
    /// CEL expression that gives each value its own limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl RateLimit {
    /// Starts at most `limit` runs per `period`.
    pub fn new(limit: u32, period: Duration) -> Self {
        Self {
            limit,
            period: period.into(),
            key: None,
        }
    }

    /// Limits per value of a CEL expression.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

/// `debounce`: start one run with the last event once no new event has
/// arrived for `period`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Debounce {
    /// Quiet time before the run starts, 1 s to 7 days.
    #[serde(default)]
    pub period: TimeString,
    /// CEL expression that debounces each value separately.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Maximum delay after the first event, even if events keep arriving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<TimeString>,
}

impl Debounce {
    /// Debounces with a quiet time of `period`.
    pub fn new(period: Duration) -> Self {
        Self {
            period: period.into(),
            key: None,
            timeout: None,
        }
    }

    /// Debounces per value of a CEL expression.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Starts the run at the latest `timeout` after the first event.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout.into());
        self
    }
}
