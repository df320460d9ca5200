//! Flow control options: concurrency, throttling, debouncing, batching,
//! priority, idempotency, timeouts, singleton and cancellation.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::batch::BatchEvents;
use super::cancel::Cancel;
use super::concurrency::ConcurrencyOption;
use super::limits::{Debounce, RateLimit, Throttle};
use super::run_control::{Priority, Singleton, Timeouts};

/// Flow control of a function, in the JavaScript option shape (camelCase).
/// Every field is optional and left out of the sync payload when unset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowControl {
    /// CEL expression; one run per value in 24 hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency: Option<String>,
    /// Event batching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_events: Option<BatchEvents>,
    /// Runs started per period, the rest skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// Runs started per period, the rest queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<Throttle>,
    /// Steps running at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<ConcurrencyOption>,
    /// One run after a quiet period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debounce: Option<Debounce>,
    /// Queue order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Limits on waiting and running time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<Timeouts>,
    /// At most one run at a time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub singleton: Option<Singleton>,
    /// Events that cancel a run in progress; at most 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_on: Option<Vec<Cancel>>,
}

impl FlowControl {
    /// No flow control.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the idempotency key, a CEL expression such as `event.data.call_id`.
    pub fn idempotency(mut self, expression: impl Into<String>) -> Self {
        self.idempotency = Some(expression.into());
        self
    }

    /// Sets event batching.
    pub fn batch_events(mut self, batch: BatchEvents) -> Self {
        self.batch_events = Some(batch);
        self
    }

    /// Sets the rate limit.
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = Some(rate_limit);
        self
    }

    /// Sets the throttle.
    pub fn throttle(mut self, throttle: Throttle) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// Sets concurrency: a number, one [`Concurrency`](super::Concurrency) or
    /// a list of at most two.
    pub fn concurrency(mut self, concurrency: impl Into<ConcurrencyOption>) -> Self {
        self.concurrency = Some(concurrency.into());
        self
    }

    /// Sets debouncing.
    pub fn debounce(mut self, debounce: Debounce) -> Self {
        self.debounce = Some(debounce);
        self
    }

    /// Sets the priority.
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Sets the start and finish timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = Some(timeouts);
        self
    }

    /// Makes the function a singleton.
    pub fn singleton(mut self, singleton: Singleton) -> Self {
        self.singleton = Some(singleton);
        self
    }

    /// Adds an event that cancels a run in progress.
    pub fn cancel_on(mut self, cancel: Cancel) -> Self {
        self.cancel_on.get_or_insert_with(Vec::new).push(cancel);
        self
    }

    /// Builds the flow control fields of a function's sync entry. They are copied
    /// as given, except `cancelOn`, which becomes `cancel`.
    pub(crate) fn to_sync(&self) -> Map<String, Value> {
        let mut fields = match serde_json::to_value(self) {
            Ok(Value::Object(fields)) => fields,
            _ => Map::new(),
        };
        fields.remove("cancelOn");
        if let Some(cancel_on) = &self.cancel_on {
            let cancel: Vec<Value> = cancel_on.iter().map(Cancel::to_sync).collect();
            fields.insert("cancel".to_owned(), json!(cancel));
        }
        fields
    }
}
