//! Triggers: the events and schedules that start a run.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Event or schedule that starts a run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Trigger {
    /// An event, optionally filtered by a CEL expression (`if` in the
    /// options, `expression` in the sync payload).
    Event {
        /// Event name, such as `calls/uploaded`.
        event: String,
        /// CEL expression over `event` that must hold for the run to start.
        #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
        expression: Option<String>,
    },
    /// A five-field cron schedule, optionally prefixed with `TZ=Zone/Name `.
    Cron {
        /// The schedule, such as `TZ=Europe/Paris 0 9 * * 1-5`.
        cron: String,
    },
}

impl Trigger {
    /// Triggers on an event name.
    pub fn event(name: impl Into<String>) -> Self {
        Self::Event {
            event: name.into(),
            expression: None,
        }
    }

    /// Triggers on an event name when `expression` holds.
    pub fn event_if(name: impl Into<String>, expression: impl Into<String>) -> Self {
        Self::Event {
            event: name.into(),
            expression: Some(expression.into()),
        }
    }

    /// Triggers on a cron schedule.
    pub fn cron(schedule: impl Into<String>) -> Self {
        Self::Cron {
            cron: schedule.into(),
        }
    }

    /// Builds the trigger's entry in the sync payload.
    pub(crate) fn to_sync(&self) -> Value {
        match self {
            Self::Event {
                event,
                expression: None,
            } => json!({ "event": event }),
            Self::Event {
                event,
                expression: Some(expression),
            } => json!({ "event": event, "expression": expression }),
            Self::Cron { cron } => json!({ "cron": cron }),
        }
    }
}
