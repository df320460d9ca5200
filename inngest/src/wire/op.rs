//! Opcodes: what a 206 response asks the executor to do.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SerializedError;

/// Opcode names as the executor parses them (case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Opcode {
    None,
    Step,
    StepRun,
    StepError,
    StepPlanned,
    Sleep,
    WaitForEvent,
    InvokeFunction,
    #[serde(rename = "AIGateway", alias = "AiGateway")]
    AiGateway,
    Gateway,
    WaitForSignal,
    RunComplete,
    StepFailed,
    SyncRunComplete,
    DiscoveryRequest,
    DeferAdd,
    DeferAbort,
}

/// The user's own step id, kept so UIs can show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Userland {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
}

/// Start (Unix nanoseconds) and duration (nanoseconds) of a step run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub a: i128,
    pub b: i128,
}

/// One operation in a 206 response body.
///
/// `data` is tri-state on the wire: absent, `null` or a value. `Some(Value::Null)`
/// serializes as `"data": null`, which the executor requires on `Sleep`,
/// `WaitForEvent` and `StepError`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    pub id: String,
    pub op: Opcode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opts: Option<Value>,
    #[serde(
        rename = "displayName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userland: Option<Userland>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<SerializedError>,
    #[serde(
        default,
        deserialize_with = "present_value",
        skip_serializing_if = "Option::is_none"
    )]
    pub data: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
}

/// Keeps an explicit `null` as `Some(Value::Null)` instead of `None`.
fn present_value<'de, D>(deserializer: D) -> Result<Option<Value>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Value::deserialize(deserializer).map(Some)
}

impl Op {
    /// An op with only an id and a code.
    pub fn new(id: impl Into<String>, op: Opcode) -> Self {
        Self {
            id: id.into(),
            op,
            name: None,
            opts: None,
            display_name: None,
            userland: None,
            error: None,
            data: None,
            timing: None,
        }
    }
}
