//! One call to a function's step URL: builds the JCS-canonical call request,
//! signs it, sends it and reads the reply as the Inngest executor does.

use std::time::Duration;

use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::backoff;
use super::model::{FunctionRecord, Job, MemoEntry, RunRecord};
use crate::signing::SigningKey;
use crate::wire::{CallCtx, CallRequest, Event, Op, Stack, headers};

/// Request bodies over this size send `steps` as `{}` with `use_api`, so the
/// SDK fetches the state from `/v0/runs/{id}/actions`.
const MAX_REQUEST_BODY: usize = 4 * 1024 * 1024;

/// Replies over this size fail the attempt.
const MAX_RESPONSE_BODY: usize = 8 * 1024 * 1024;

/// Opcode names, matched case-insensitively as the Inngest executor does.
const OPCODES: [&str; 17] = [
    "None",
    "Step",
    "StepRun",
    "StepError",
    "StepPlanned",
    "Sleep",
    "WaitForEvent",
    "InvokeFunction",
    "AIGateway",
    "Gateway",
    "WaitForSignal",
    "RunComplete",
    "StepFailed",
    "SyncRunComplete",
    "DiscoveryRequest",
    "DeferAdd",
    "DeferAbort",
];

/// What a call produced.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    /// 206: work for the executor.
    Ops {
        ops: Vec<Op>,
        no_retry: bool,
        retry_after: Option<Duration>,
        /// `X-Inngest-Req-Version`, 0 when absent.
        version: i64,
    },
    /// 200: the function returned.
    Output(Value),
    /// The attempt failed: an error status, an unreachable URL, or a reply
    /// that did not come from an SDK.
    Failed {
        error: Value,
        no_retry: bool,
        retry_after: Option<Duration>,
    },
}

impl Reply {
    fn failed(message: String) -> Self {
        Self::Failed {
            error: error_value(&message),
            no_retry: false,
            retry_after: None,
        }
    }
}

/// A serialized error with a name and message.
pub(crate) fn error_value(message: &str) -> Value {
    json!({ "name": "Error", "message": message })
}

/// Inputs of one call.
pub(crate) struct Call<'a> {
    pub(crate) function: &'a FunctionRecord,
    pub(crate) run: &'a RunRecord,
    pub(crate) job: &'a Job,
    pub(crate) steps: &'a [MemoEntry],
}

/// Builds the call request body.
pub(crate) fn request_body(call: &Call<'_>) -> Result<Vec<u8>, serde_json::Error> {
    let stack: Vec<String> = call.steps.iter().map(|entry| entry.hash.clone()).collect();
    let memo: Map<String, Value> = call
        .steps
        .iter()
        .map(|entry| (entry.hash.clone(), entry.value.clone()))
        .collect();
    let events: Vec<Event> = call.run.events.iter().cloned().map(with_user).collect();
    let mut request = CallRequest {
        ctx: CallCtx {
            run_id: call.run.id.clone(),
            fn_id: Some(call.function.id.clone()),
            attempt: call.job.attempt,
            max_attempts: Some(call.function.max_attempts()),
            stack: Stack {
                current: stack.len() as u64,
                stack,
            },
            disable_immediate_execution: call.run.force_plan,
            use_api: false,
            env: None,
            step_id: Some("step".to_owned()),
            qi_id: Some(call.job.id.clone()),
            request_id: Some(ulid::Ulid::new().to_string()),
            generation_id: None,
            job_id: Some(call.job.id.clone()),
        },
        event: events.first().cloned(),
        events,
        steps: memo,
        version: call.run.request_version,
        use_api: false,
        defers: Map::new(),
    };

    let body = serde_json_canonicalizer::to_vec(&request)?;
    if body.len() <= MAX_REQUEST_BODY - 1024 {
        return Ok(body);
    }
    request.steps = Map::new();
    request.use_api = true;
    request.ctx.use_api = true;
    let body = serde_json_canonicalizer::to_vec(&request)?;
    if body.len() <= MAX_REQUEST_BODY {
        return Ok(body);
    }
    request.events = Vec::new();
    serde_json_canonicalizer::to_vec(&request)
}

/// The executor always sends `user` as an object.
fn with_user(mut event: Event) -> Event {
    if event.user.as_ref().is_none_or(Value::is_null) {
        event.user = Some(Value::Object(Map::new()));
    }
    event
}

/// The step URL with `stepId` replaced; other query parameters stay.
pub(crate) fn step_url(registered: &str, step_id: &str) -> Result<url::Url, url::ParseError> {
    let mut url = url::Url::parse(registered)?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != "stepId")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("stepId", step_id);
    Ok(url)
}

/// Sends one call and reads the reply.
pub(crate) async fn send(
    http: &reqwest::Client,
    key: Option<&SigningKey>,
    call: &Call<'_>,
) -> Reply {
    let url = match step_url(&call.function.url, &call.job.step_id) {
        Ok(url) => url,
        Err(error) => {
            return Reply::failed(format!(
                "the step URL {:?} is invalid: {error}",
                call.function.url
            ));
        }
    };
    let body = match request_body(call) {
        Ok(body) => body,
        Err(error) => {
            return Reply::failed(format!("the call request could not be serialized: {error}"));
        }
    };

    let mut request = http
        .post(url.clone())
        .header("content-type", "application/json")
        .header("user-agent", "Inngest")
        .header(headers::RUN_ID, &call.run.id)
        .header(headers::STEP_ID, &call.job.step_id)
        .header(headers::REQ_VERSION, call.run.request_version.to_string())
        .header("x-inngest-job-id", &call.job.id)
        .header("x-request-id", ulid::Ulid::new().to_string());
    if let Some(key) = key {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        request = request.header(headers::SIGNATURE, key.sign(&body, now));
    }

    let response = match request.body(body).send().await {
        Ok(response) => response,
        Err(error) => return Reply::failed(format!("Unable to reach SDK URL {url}: {error}")),
    };
    let status = response.status();
    let headers = response.headers().clone();
    match response.bytes().await {
        Ok(body) if body.len() > MAX_RESPONSE_BODY => Reply::failed(format!(
            "the reply from {url} is {} bytes, over the {MAX_RESPONSE_BODY}-byte limit",
            body.len()
        )),
        Ok(body) => read_reply(status, &headers, &body),
        Err(error) => Reply::failed(format!("the reply from {url} could not be read: {error}")),
    }
}

/// Interprets status, headers and body.
pub(crate) fn read_reply(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Reply {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let from_sdk = header(headers::SDK).is_some_and(|value| !value.is_empty());
    let no_retry = header(headers::NO_RETRY) == Some("true");
    let retry_after = header("retry-after")
        .and_then(|value| backoff::retry_after(value, time::OffsetDateTime::now_utc()));

    if status == StatusCode::CREATED {
        return read_stream_envelope(headers, body);
    }
    if status.is_success() && !from_sdk {
        return Reply::failed(format!(
            "the {status} reply is not from an Inngest SDK (no X-Inngest-SDK header); check that the step URL reaches the serve endpoint"
        ));
    }

    if status == StatusCode::PARTIAL_CONTENT {
        let version = header(headers::REQ_VERSION)
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0);
        return match parse_ops(body) {
            Ok(ops) => Reply::Ops {
                ops,
                no_retry,
                retry_after,
                version,
            },
            Err(message) => Reply::failed(message),
        };
    }

    if status.is_success() {
        let output = parse_output(body);
        if no_retry || retry_after.is_some() {
            // A success marked no-retry is a final failure, and one with a
            // Retry-After is retried, as the Inngest executor treats them.
            return Reply::Failed {
                error: output,
                no_retry,
                retry_after,
            };
        }
        return Reply::Output(output);
    }

    let error = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(error)) if from_sdk => Value::Object(error),
        _ if from_sdk => error_value(&format!(
            "the SDK replied {status}: {}",
            String::from_utf8_lossy(body)
        )),
        _ => error_value(&format!(
            "upstream error: {status} without an X-Inngest-SDK header, so the serve endpoint was not reached: {}",
            String::from_utf8_lossy(&body[..body.len().min(512)])
        )),
    };
    Reply::Failed {
        error,
        no_retry,
        retry_after,
    }
}

/// A streamed reply: `{status, body, headers}` after keep-alive whitespace.
fn read_stream_envelope(outer: &HeaderMap, body: &[u8]) -> Reply {
    let Ok(Value::Object(envelope)) = serde_json::from_slice::<Value>(body) else {
        return Reply::failed("the streamed (201) reply is not a JSON envelope".to_owned());
    };
    if let Some(error) = envelope.get("error").and_then(Value::as_str) {
        return Reply::failed(format!("the streamed reply reported an error: {error}"));
    }
    let status = envelope
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|status| StatusCode::from_u16(status as u16).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::CREATED {
        return Reply::failed("the streamed reply nests another 201".to_owned());
    }
    let mut headers = outer.clone();
    if let Some(Value::Object(inner)) = envelope.get("headers") {
        for (name, value) in inner {
            let (Ok(name), Some(Ok(value))) = (
                http::HeaderName::try_from(name.as_str()),
                value.as_str().map(http::HeaderValue::try_from),
            ) else {
                continue;
            };
            headers.insert(name, value);
        }
    }
    let inner_body = match envelope.get("body") {
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(other) => other.to_string().into_bytes(),
        None => Vec::new(),
    };
    read_reply(status, &headers, &inner_body)
}

/// A 200 body: JSON when it parses, a double-encoded object unwrapped, text otherwise.
fn parse_output(body: &[u8]) -> Value {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::String(text)) => serde_json::from_str::<Value>(&text)
            .ok()
            .filter(Value::is_object)
            .unwrap_or(Value::String(text)),
        Ok(value) => value,
        Err(_) if body.is_empty() => Value::Null,
        Err(_) => Value::String(String::from_utf8_lossy(body).into_owned()),
    }
}

/// A 206 body: an array of ops, or one op from an old SDK.
fn parse_ops(body: &[u8]) -> Result<Vec<Op>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("the 206 reply has an empty body; it must be a JSON array of ops".to_owned());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| format!("the 206 reply is not JSON: {error}"))?;
    let items = match value {
        Value::Array(items) => items,
        object @ Value::Object(_) => vec![object],
        other => {
            return Err(format!(
                "the 206 reply must be an array of ops, got {other}"
            ));
        }
    };

    let mut ops = Vec::new();
    for mut item in items {
        if let Some(Value::String(code)) = item.get("op")
            && let Some(canonical) = OPCODES.iter().find(|name| name.eq_ignore_ascii_case(code))
        {
            item["op"] = Value::String((*canonical).to_owned());
        }
        let op: Op = serde_json::from_value(item.clone())
            .map_err(|error| format!("the op {item} is invalid: {error}"))?;
        ops.push(op);
    }
    if ops.is_empty() {
        ops.push(Op::new("", crate::wire::Opcode::None));
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdk_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(headers::SDK, "rust:v0".parse().expect("valid header"));
        headers
    }

    #[test]
    fn success_without_sdk_header_fails() {
        let reply = read_reply(StatusCode::OK, &HeaderMap::new(), b"{}");
        assert!(
            matches!(
                reply,
                Reply::Failed {
                    no_retry: false,
                    ..
                }
            ),
            "{reply:?}"
        );
    }

    #[test]
    fn ops_parse_case_insensitively() {
        let reply = read_reply(
            StatusCode::PARTIAL_CONTENT,
            &sdk_headers(),
            br#"[{"id":"a","op":"steprun","data":1}]"#,
        );
        let Reply::Ops { ops, version, .. } = reply else {
            panic!("expected ops, got {reply:?}");
        };
        assert_eq!(ops[0].op, crate::wire::Opcode::StepRun);
        assert_eq!(version, 0);
    }

    #[test]
    fn no_retry_must_be_exactly_true() {
        let mut headers = sdk_headers();
        headers.insert(headers::NO_RETRY, "1".parse().expect("valid header"));
        let reply = read_reply(StatusCode::BAD_REQUEST, &headers, br#"{"message":"x"}"#);
        assert!(
            matches!(
                reply,
                Reply::Failed {
                    no_retry: false,
                    ..
                }
            ),
            "{reply:?}"
        );
    }

    #[test]
    fn stream_envelope_is_unwrapped() {
        let body = br#"   {"status":200,"headers":{},"body":"{\"ok\":true}"}"#;
        let reply = read_reply(StatusCode::CREATED, &sdk_headers(), body);
        assert_eq!(reply, Reply::Output(json!({"ok": true})));
    }

    #[test]
    fn step_url_replaces_only_step_id() {
        let url = step_url(
            "http://localhost:3000/api/inngest?fnId=a-b&stepId=step&x=1",
            "abc",
        )
        .expect("valid URL");
        assert_eq!(
            url.as_str(),
            "http://localhost:3000/api/inngest?fnId=a-b&x=1&stepId=abc"
        );
    }
}
