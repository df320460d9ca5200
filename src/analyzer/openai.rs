//! The `openai` analyzer backend: `POST {base}/v1/chat/completions` with
//! structured output (`response_format` of type `json_schema`, strict).
//! Ollama, vLLM and llama.cpp serve the same API, so a base URL pointing at
//! one of them works too.

use async_trait::async_trait;
use functions::ports::AnalyzeError;
use serde::Deserialize;
use serde_json::json;

use super::llm::{ChatBackend, ChatRequest, ModelReply, SCHEMA_NAME};
use crate::providers::Endpoint;
use crate::vendor::{VendorApi, VendorClient};

/// The OpenAI chat API and the settings that configure it.
pub const API: VendorApi = VendorApi {
    name: "openai",
    key_setting: "OPENAI_API_KEY",
    base_setting: "OPENAI_BASE_URL",
    model_setting: "ANALYZER_MODEL",
};

/// Chat completions client for one model.
#[derive(Debug, Clone)]
pub struct OpenAiChat {
    client: VendorClient,
    endpoint: Endpoint,
    model: String,
}

impl OpenAiChat {
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
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

#[async_trait]
impl ChatBackend for OpenAiChat {
    fn name(&self) -> &'static str {
        API.name
    }

    fn model(&self) -> &str {
        &self.model
    }

    async fn complete(&self, request: ChatRequest<'_>) -> Result<ModelReply, AnalyzeError> {
        // `temperature` and a token limit are left out: reasoning models
        // reject a non-default temperature, and OpenAI and local servers
        // disagree on the name of the limit (`max_completion_tokens` or `max_tokens`).
        let body = json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.user},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": SCHEMA_NAME, "strict": true, "schema": request.schema},
            },
        });
        let mut http = self
            .client
            .http()
            .post(self.endpoint.url("/v1/chat/completions"))
            .json(&body);
        if let Some(key) = &self.endpoint.api_key {
            http = http.bearer_auth(key.expose());
        }

        let response = self.client.send(http).await?;
        let completion: Completion = self.client.parse_json(&response)?;
        let Some(choice) = completion.choices.into_iter().next() else {
            return Err(self
                .client
                .malformed(&response.url, "`choices` is empty".to_owned()));
        };

        if let Some(refusal) = choice
            .message
            .refusal
            .filter(|text| !text.trim().is_empty())
        {
            return Ok(ModelReply::Refusal(refusal));
        }
        match choice.finish_reason.as_deref() {
            Some("length") => Ok(ModelReply::Truncated(
                "the model reached its output token limit (finish_reason `length`)".to_owned(),
            )),
            Some("content_filter") => Ok(ModelReply::Refusal(
                "the output was stopped by the vendor's content filter (finish_reason `content_filter`)".to_owned(),
            )),
            _ => Ok(ModelReply::Text(choice.message.content.unwrap_or_default())),
        }
    }
}
