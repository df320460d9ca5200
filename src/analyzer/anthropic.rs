//! The `anthropic` analyzer backend: `POST {base}/v1/messages` with a forced
//! tool whose input schema is the insights schema, so the answer arrives as
//! the tool call's parsed input.

use async_trait::async_trait;
use functions::ports::AnalyzeError;
use serde::Deserialize;
use serde_json::{Value, json};

use super::llm::{ChatBackend, ChatRequest, ModelReply};
use crate::providers::Endpoint;
use crate::vendor::{VendorApi, VendorClient};

/// The Anthropic Messages API and the settings that configure it.
pub const API: VendorApi = VendorApi {
    name: "anthropic",
    key_setting: "ANTHROPIC_API_KEY",
    base_setting: "ANTHROPIC_BASE_URL",
    model_setting: "ANALYZER_MODEL",
};

/// API version sent in `anthropic-version`.
pub const API_VERSION: &str = "2023-06-01";

/// Name of the tool the model is forced to call.
pub const TOOL_NAME: &str = "record_insights";

/// Output token limit of each request. The insights of one chunk are a few
/// thousand tokens at most, and the API requires a limit.
const MAX_TOKENS: u32 = 8192;

/// Messages API client for one model.
#[derive(Debug, Clone)]
pub struct AnthropicMessages {
    client: VendorClient,
    endpoint: Endpoint,
    model: String,
}

impl AnthropicMessages {
    /// Creates the client.
    pub fn new(client: VendorClient, endpoint: Endpoint, model: impl Into<String>) -> Self {
        Self {
            client,
            endpoint,
            model: model.into(),
        }
    }
}

#[derive(Deserialize)]
struct MessageResponse {
    content: Vec<ContentBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct ContentBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    input: Option<Value>,
}

#[async_trait]
impl ChatBackend for AnthropicMessages {
    fn name(&self) -> &'static str {
        API.name
    }

    fn model(&self) -> &str {
        &self.model
    }

    async fn complete(&self, request: ChatRequest<'_>) -> Result<ModelReply, AnalyzeError> {
        let body = json!({
            "model": self.model,
            "max_tokens": MAX_TOKENS,
            "system": request.system,
            "messages": [{"role": "user", "content": request.user}],
            "tools": [{
                "name": TOOL_NAME,
                "description": "Record the insights of the call transcript.",
                "input_schema": request.schema,
            }],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
        });
        let mut http = self
            .client
            .http()
            .post(self.endpoint.url("/v1/messages"))
            .header("anthropic-version", API_VERSION)
            .json(&body);
        if let Some(key) = &self.endpoint.api_key {
            http = http.header("x-api-key", key.expose());
        }

        let response = self.client.send(http).await?;
        let message: MessageResponse = self.client.parse_json(&response)?;
        let text: String = message
            .content
            .iter()
            .filter(|block| block.kind == "text")
            .filter_map(|block| block.text.as_deref())
            .collect::<Vec<_>>()
            .join("\n");

        match message.stop_reason.as_deref() {
            Some("refusal") => {
                let explanation = if text.trim().is_empty() {
                    "the model declined (stop_reason `refusal`) without an explanation".to_owned()
                } else {
                    text
                };
                return Ok(ModelReply::Refusal(explanation));
            }
            Some("max_tokens") => {
                return Ok(ModelReply::Truncated(format!(
                    "the model reached the output limit of {MAX_TOKENS} tokens (stop_reason `max_tokens`)"
                )));
            }
            _ => {}
        }

        let tool_input = message
            .content
            .into_iter()
            .find(|block| block.kind == "tool_use" && block.name.as_deref() == Some(TOOL_NAME))
            .and_then(|block| block.input);
        Ok(match tool_input {
            Some(input) => ModelReply::Json(input),
            None => ModelReply::Text(text),
        })
    }
}
