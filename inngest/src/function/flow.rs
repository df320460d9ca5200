//! Flow control options: concurrency, throttling, debouncing and friends.

use serde::{Deserialize, Serialize};

/// Flow control of a function, serialized into the sync payload as is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowControl {}
