//! Function options and their sync (registration) JSON.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::flow::FlowControl;

/// Default retries when a function sets none; the executor's own default.
pub const DEFAULT_RETRIES: u32 = 4;

/// Retries allowed at most; the executor caps higher values silently.
pub const MAX_RETRIES: u32 = 20;

/// What starts a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Trigger {
    /// An event, optionally filtered by a CEL expression.
    Event {
        event: String,
        #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
        expression: Option<String>,
    },
    /// A cron schedule, optionally prefixed with `TZ=Zone/Name `.
    Cron { cron: String },
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

    fn to_sync(&self) -> Value {
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

/// Options of a function, in the shape the official SDKs accept them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionOptions {
    /// Function id, unique in the app; the composite id is `<app id>-<id>`.
    pub id: String,
    /// Display name; the id when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub triggers: Vec<Trigger>,
    /// Retries after the first attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    #[serde(flatten)]
    pub flow: FlowControl,
}

fn one_or_many<'de, D>(deserializer: D) -> Result<Vec<Trigger>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Trigger),
        Many(Vec<Trigger>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(trigger) => vec![trigger],
        OneOrMany::Many(triggers) => triggers,
    })
}

impl FunctionOptions {
    /// Options with an id and nothing else.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            triggers: Vec::new(),
            retries: None,
            flow: FlowControl::default(),
        }
    }

    /// Attempts in total: retries plus one.
    pub fn max_attempts(&self) -> u32 {
        self.retries.unwrap_or(DEFAULT_RETRIES).min(MAX_RETRIES) + 1
    }

    /// The function's entry in the sync payload's `functions` array.
    pub(crate) fn to_sync(&self, composite_id: &str, step_url: &str) -> Value {
        let mut step = Map::new();
        step.insert("id".to_owned(), json!("step"));
        step.insert("name".to_owned(), json!("step"));
        step.insert(
            "runtime".to_owned(),
            json!({ "type": "http", "url": step_url }),
        );
        if let Some(retries) = self.retries {
            step.insert("retries".to_owned(), json!({ "attempts": retries }));
        }

        let mut config = Map::new();
        config.insert("id".to_owned(), json!(composite_id));
        config.insert(
            "name".to_owned(),
            json!(self.name.clone().unwrap_or_else(|| self.id.clone())),
        );
        let triggers: Vec<Value> = self.triggers.iter().map(Trigger::to_sync).collect();
        config.insert("triggers".to_owned(), Value::Array(triggers));
        config.insert("steps".to_owned(), json!({ "step": step }));
        if let Value::Object(flow) = serde_json::to_value(&self.flow).unwrap_or_default() {
            config.extend(flow);
        }
        Value::Object(config)
    }

    /// The failure handler's companion entry, triggered by
    /// `inngest/function.failed` for this function only, with one retry.
    pub(crate) fn failure_sync(&self, composite_id: &str, step_url: &str) -> Value {
        let name = self.name.clone().unwrap_or_else(|| self.id.clone());
        json!({
            "id": format!("{composite_id}-failure"),
            "name": format!("{name} (failure)"),
            "triggers": [{
                "event": "inngest/function.failed",
                "expression": format!("event.data.function_id == '{composite_id}'"),
            }],
            "steps": { "step": {
                "id": "step",
                "name": "step",
                "runtime": { "type": "http", "url": step_url },
                "retries": { "attempts": 1 },
            }},
        })
    }
}
