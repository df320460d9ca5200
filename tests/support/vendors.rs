//! Local stand-ins for the vendor APIs, on 127.0.0.1 with a free port.
//!
//! Each mock checks a request the way its vendor does (path, auth header,
//! required body fields) and replies to a failed check with that vendor's 400
//! or 401 error body, so a client that sends the wrong shape fails its test.
//! Requests that pass are recorded and answered with scripted replies in order;
//! the last reply repeats.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Which vendor API a mock speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// OpenAI `POST /v1/chat/completions` with structured output.
    OpenAiChat,
    /// Anthropic `POST /v1/messages` with a forced tool.
    AnthropicMessages,
    /// OpenAI `POST /v1/audio/transcriptions`, multipart.
    OpenAiAudio,
    /// Deepgram `POST /v1/listen`.
    Deepgram,
    /// A plain file host: any GET, no checks.
    FileHost,
}

/// A request the mock accepted.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    /// A header as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The body as JSON; panics when it is not.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }

    /// The multipart form parts; empty when the body is not multipart.
    pub(crate) fn form(&self) -> Vec<FormPart> {
        parse_form(self.header("content-type").unwrap_or_default(), &self.body)
    }
}

/// One part of a multipart form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormPart {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// A scripted response.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Wait before replying, to provoke client timeouts.
    pub delay: Duration,
}

impl Reply {
    /// A JSON response.
    pub(crate) fn json(status: u16, body: &Value) -> Self {
        Self::text(status, &body.to_string()).with_header("content-type", "application/json")
    }

    /// A response with any body.
    pub(crate) fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
            delay: Duration::ZERO,
        }
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Delays the reply by `delay`.
    pub(crate) fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

struct Shared {
    dialect: Dialect,
    key: Option<String>,
    replies: Vec<Reply>,
    received: Mutex<Vec<Received>>,
}

/// A running mock vendor. The server stops when the test's runtime ends.
pub(crate) struct MockVendor {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    shared: Arc<Shared>,
}

impl MockVendor {
    /// Starts a mock that expects `key` (when given) and answers with `replies`.
    pub(crate) async fn start(dialect: Dialect, key: Option<&str>, replies: Vec<Reply>) -> Self {
        assert!(!replies.is_empty(), "a mock needs at least one reply");
        let shared = Arc::new(Shared {
            dialect,
            key: key.map(str::to_owned),
            replies,
            received: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base_url: format!("http://{address}"),
            shared,
        }
    }

    /// The accepted requests, in arrival order.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = Received {
        method,
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        headers,
        body: body.to_vec(),
    };
    if let Err(rejection) = check(shared.dialect, shared.key.as_deref(), &request) {
        return rejection.into_response(shared.dialect);
    }

    let reply = {
        let mut received = shared.received.lock().unwrap();
        received.push(request);
        let index = (received.len() - 1).min(shared.replies.len() - 1);
        shared.replies[index].clone()
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    response
}

/// Why a mock rejected a request, answered in the vendor's error format.
struct Rejection {
    status: u16,
    message: String,
}

impl Rejection {
    fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            message: message.into(),
        }
    }

    fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            status: 401,
            message: message.into(),
        }
    }

    fn into_response(self, dialect: Dialect) -> Response {
        let body = match dialect {
            Dialect::AnthropicMessages => anthropic_error_body(
                if self.status == 401 {
                    "authentication_error"
                } else {
                    "invalid_request_error"
                },
                &self.message,
            ),
            Dialect::Deepgram => {
                json!({"err_code": "Bad Request", "err_msg": self.message, "request_id": "mock"})
            }
            _ => openai_error_body(&self.message, "invalid_request_error", None),
        };
        (StatusCode::from_u16(self.status).unwrap(), axum::Json(body)).into_response()
    }
}

fn check(dialect: Dialect, key: Option<&str>, request: &Received) -> Result<(), Rejection> {
    match dialect {
        Dialect::OpenAiChat => check_openai_chat(key, request),
        Dialect::AnthropicMessages => check_anthropic(key, request),
        Dialect::OpenAiAudio => check_openai_audio(key, request),
        Dialect::Deepgram => check_deepgram(key, request),
        Dialect::FileHost => Ok(()),
    }
}

fn expect_route(request: &Received, path: &str) -> Result<(), Rejection> {
    if request.method != Method::POST || request.path != path {
        return Err(Rejection::bad_request(format!(
            "unknown route {} {}; expected POST {path}",
            request.method, request.path
        )));
    }
    Ok(())
}

fn expect_header(
    request: &Received,
    name: &str,
    expected: Option<String>,
) -> Result<(), Rejection> {
    let Some(expected) = expected else {
        return Ok(());
    };
    if request.header(name) != Some(expected.as_str()) {
        return Err(Rejection::unauthorized(format!(
            "invalid or missing {name} header"
        )));
    }
    Ok(())
}

fn json_body(request: &Received) -> Result<Value, Rejection> {
    if !request
        .header("content-type")
        .unwrap_or_default()
        .starts_with("application/json")
    {
        return Err(Rejection::bad_request(
            "content-type must be application/json",
        ));
    }
    serde_json::from_slice(&request.body)
        .map_err(|error| Rejection::bad_request(format!("invalid JSON body: {error}")))
}

fn check_openai_chat(key: Option<&str>, request: &Received) -> Result<(), Rejection> {
    expect_route(request, "/v1/chat/completions")?;
    expect_header(
        request,
        "authorization",
        key.map(|key| format!("Bearer {key}")),
    )?;
    let body = json_body(request)?;
    if !body["model"].is_string() {
        return Err(Rejection::bad_request("you must provide a model parameter"));
    }
    let roles: Vec<&str> = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|message| message["role"].as_str())
        .collect();
    if roles != ["system", "user"] {
        return Err(Rejection::bad_request(format!(
            "expected system and user messages, got {roles:?}"
        )));
    }
    let format = &body["response_format"];
    if format["type"] != "json_schema" || format["json_schema"]["strict"] != true {
        return Err(Rejection::bad_request(
            "response_format must be a strict json_schema",
        ));
    }
    if !format["json_schema"]["name"].is_string()
        || format["json_schema"]["schema"]["type"] != "object"
    {
        return Err(Rejection::bad_request(
            "json_schema needs a name and an object schema",
        ));
    }
    if format["json_schema"]["schema"]["additionalProperties"] != false {
        return Err(Rejection::bad_request(
            "strict schemas must set additionalProperties to false",
        ));
    }
    Ok(())
}

fn check_anthropic(key: Option<&str>, request: &Received) -> Result<(), Rejection> {
    expect_route(request, "/v1/messages")?;
    expect_header(request, "x-api-key", key.map(str::to_owned))?;
    if request.header("anthropic-version") != Some("2023-06-01") {
        return Err(Rejection::bad_request(
            "anthropic-version: header is required",
        ));
    }
    let body = json_body(request)?;
    if !body["model"].is_string() || !body["max_tokens"].is_u64() {
        return Err(Rejection::bad_request("model and max_tokens are required"));
    }
    if body["messages"][0]["role"] != "user" {
        return Err(Rejection::bad_request(
            "messages must start with a user message",
        ));
    }
    let tool = &body["tools"][0];
    if tool["input_schema"]["type"] != "object" || !tool["name"].is_string() {
        return Err(Rejection::bad_request(
            "tools.0.input_schema must be an object schema",
        ));
    }
    if body["tool_choice"]["type"] != "tool" || body["tool_choice"]["name"] != tool["name"] {
        return Err(Rejection::bad_request("tool_choice must name the tool"));
    }
    Ok(())
}

fn check_openai_audio(key: Option<&str>, request: &Received) -> Result<(), Rejection> {
    expect_route(request, "/v1/audio/transcriptions")?;
    expect_header(
        request,
        "authorization",
        key.map(|key| format!("Bearer {key}")),
    )?;
    let form = request.form();
    let field = |name: &str| form.iter().find(|part| part.name == name);
    let Some(file) = field("file") else {
        return Err(Rejection::bad_request(
            "the file field is required (multipart/form-data)",
        ));
    };
    if file.file_name.is_none() || file.data.is_empty() {
        return Err(Rejection::bad_request(
            "file must be an upload with a file name",
        ));
    }
    if field("model").is_none() {
        return Err(Rejection::bad_request("you must provide a model parameter"));
    }
    Ok(())
}

fn check_deepgram(key: Option<&str>, request: &Received) -> Result<(), Rejection> {
    expect_route(request, "/v1/listen")?;
    expect_header(
        request,
        "authorization",
        key.map(|key| format!("Token {key}")),
    )?;
    let content_type = request.header("content-type").unwrap_or_default();
    if content_type.starts_with("application/json") {
        let body = json_body(request)?;
        if !body["url"].is_string() {
            return Err(Rejection::bad_request("JSON body must contain a url"));
        }
    } else if request.body.is_empty() {
        return Err(Rejection::bad_request("corrupt or unsupported data"));
    }
    Ok(())
}

/// Splits a multipart body at its boundary.
fn parse_form(content_type: &str, body: &[u8]) -> Vec<FormPart> {
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return Vec::new();
    };
    let delimiter = format!("--{}", boundary.trim_matches('"'));
    let text = String::from_utf8_lossy(body);
    let mut parts = Vec::new();
    for raw in text.split(delimiter.as_str()).skip(1) {
        if raw.starts_with("--") {
            break;
        }
        let Some((head, data)) = raw.trim_start_matches("\r\n").split_once("\r\n\r\n") else {
            continue;
        };
        let attribute = |name: &str| {
            let marker = format!("{name}=\"");
            let start = head.find(&marker)? + marker.len();
            let end = head[start..].find('"')? + start;
            Some(head[start..end].to_owned())
        };
        let content_type = head.lines().find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|value| value.trim().to_owned())
        });
        parts.push(FormPart {
            name: attribute(" name").unwrap_or_default(),
            file_name: attribute("filename"),
            content_type,
            data: data
                .strip_suffix("\r\n")
                .unwrap_or(data)
                .as_bytes()
                .to_vec(),
        });
    }
    parts
}

/// An OpenAI error body.
pub(crate) fn openai_error_body(message: &str, kind: &str, code: Option<&str>) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}

/// An Anthropic error body.
pub(crate) fn anthropic_error_body(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_mock"})
}

/// An OpenAI chat completion whose content is `content`.
pub(crate) fn openai_chat(content: &str, finish_reason: &str) -> Reply {
    Reply::json(
        200,
        &json!({
            "id": "chatcmpl-mock",
            "object": "chat.completion",
            "created": 1_717_200_000,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": null},
                "logprobs": null,
                "finish_reason": finish_reason,
            }],
            "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
        }),
    )
}

/// An OpenAI chat completion with a refusal.
pub(crate) fn openai_refusal(text: &str) -> Reply {
    Reply::json(
        200,
        &json!({
            "id": "chatcmpl-mock",
            "object": "chat.completion",
            "created": 1_717_200_000,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": null, "refusal": text},
                "logprobs": null,
                "finish_reason": "stop",
            }],
        }),
    )
}

/// An Anthropic message that calls the insights tool with `input`.
pub(crate) fn anthropic_tool(input: &Value) -> Reply {
    Reply::json(
        200,
        &json!({
            "id": "msg_mock",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": [{"type": "tool_use", "id": "toolu_mock", "name": "record_insights", "input": input}],
            "stop_reason": "tool_use",
            "stop_sequence": null,
            "usage": {"input_tokens": 100, "output_tokens": 50},
        }),
    )
}

/// An Anthropic message with `stop_reason: "refusal"`.
pub(crate) fn anthropic_refusal(text: &str) -> Reply {
    Reply::json(
        200,
        &json!({
            "id": "msg_mock",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "refusal",
            "stop_sequence": null,
            "usage": {"input_tokens": 100, "output_tokens": 5},
        }),
    )
}

/// A `verbose_json` transcription of `(start, end, text)` segments.
pub(crate) fn whisper_verbose(segments: &[(f64, f64, &str)]) -> Reply {
    let text: Vec<&str> = segments.iter().map(|(_, _, text)| *text).collect();
    let segments: Vec<Value> = segments
        .iter()
        .enumerate()
        .map(|(index, (start, end, text))| {
            json!({
                "id": index, "seek": 0, "start": start, "end": end, "text": format!(" {text}"),
                "tokens": [50364, 1012], "temperature": 0.0, "avg_logprob": -0.25,
                "compression_ratio": 1.3, "no_speech_prob": 0.01,
            })
        })
        .collect();
    Reply::json(
        200,
        &json!({"task": "transcribe", "language": "english", "duration": 9.5, "text": text.join(" "), "segments": segments}),
    )
}

/// A Deepgram result with `(speaker, start, end, transcript)` utterances.
pub(crate) fn deepgram_listen(utterances: &[(u32, f64, f64, &str)]) -> Reply {
    let text: Vec<&str> = utterances.iter().map(|(_, _, _, text)| *text).collect();
    let utterances: Vec<Value> = utterances
        .iter()
        .map(|(speaker, start, end, text)| {
            json!({"start": start, "end": end, "confidence": 0.97, "channel": 0,
                   "transcript": text, "words": [], "speaker": speaker, "id": "utt-mock"})
        })
        .collect();
    Reply::json(
        200,
        &json!({
            "metadata": {"request_id": "mock", "created": "2024-06-01T00:00:00.000Z", "duration": 9.5,
                         "channels": 1, "models": ["mock"], "model_info": {}},
            "results": {
                "channels": [{"alternatives": [{"transcript": text.join(" "), "confidence": 0.97, "words": []}]}],
                "utterances": utterances,
            },
        }),
    )
}

/// Insights as a model would write them, valid against the schema.
pub(crate) fn valid_insights() -> Value {
    json!({
        "summary": "The team discussed the remote control design and agreed on a budget.",
        "key_points": ["The budget is 12.50 euros per unit"],
        "sentiment": {"overall": {"label": "positive", "score": 0.3},
                      "by_speaker": [{"speaker": "Project Manager", "label": "positive", "score": 0.4}]},
        "topics": [{"name": "remote control design", "mentions": 4, "first_at_s": null}],
        "action_items": [{"description": "Send the minutes", "owner": "Project Manager", "owner_side": "unknown",
                          "due": null, "due_text": "after the meeting",
                          "evidence": {"quote": "I will send the minutes", "at_s": null}}],
        "next_steps": ["Meet again for the functional design"],
        "decisions": ["Aim for a trendy remote"],
        "questions": [{"text": "What is the budget?", "asked_by": "Marketing", "answered": true, "at_s": null}],
        "objections": [],
        "risks": ["The budget may be too small"],
    })
}
