//! Function options and their sync (registration) JSON.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::config_error::FunctionConfigError;
use super::flow::FlowControl;
use super::trigger::Trigger;
use super::validate::validate_options;

/// Default retries when a function sets none; the executor's own default.
pub const DEFAULT_RETRIES: u32 = 4;

/// Retries allowed at most. The executor caps higher values silently, so
/// validation rejects them.
pub const MAX_RETRIES: u32 = 20;

/// Options of a function, in the shape the official SDKs accept them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionOptions {
    /// Function id, unique in the app; the composite id is `<app id>-<id>`.
    pub id: String,
    /// Display name; the id when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Events and schedules that start a run; at most 10, and none for a
    /// function that is only invoked. One trigger object is read as a list.
    #[serde(default, deserialize_with = "one_or_many")]
    pub triggers: Vec<Trigger>,
    /// Retries after the first attempt, 0 to 20; the executor's default of 4
    /// when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Flow control, whose fields sit next to the others in the option shape.
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

    /// Checks every option and returns the first invalid one, with the
    /// function id, the option and how to fix it.
    pub fn validate(&self) -> Result<(), FunctionConfigError> {
        validate_options(self)
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
        config.extend(self.flow.to_sync());
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
