//! Sorting vendor failures into retryable and permanent ones.
//!
//! Retryable: timeouts, connection failures, 408, 409, 425, 429 (unless the
//! quota is exhausted), every 5xx and Anthropic's 529 "overloaded". Permanent:
//! every other 4xx (invalid request, bad key, unknown model, too large) and
//! 402 or 429 with an exhausted quota or credit balance, because waiting does
//! not add credit.

use std::time::{Duration, SystemTime};

use functions::ports::ProviderError;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::{Redactor, retry_after};

/// Longest vendor message kept, in characters; HTML error pages can be large.
const MAX_MESSAGE_CHARS: usize = 500;

/// Error codes that mean the account is out of quota or credit.
const QUOTA_CODES: &[&str] = &[
    "insufficient_quota",
    "billing_error",
    "billing_hard_limit_reached",
];

/// A vendor API and the settings a user changes to fix its failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VendorApi {
    /// Provider name as configured, such as `openai`.
    pub name: &'static str,
    /// Setting that holds the key, such as `OPENAI_API_KEY`.
    pub key_setting: &'static str,
    /// Setting that holds the base URL.
    pub base_setting: &'static str,
    /// Setting that holds the model.
    pub model_setting: &'static str,
}

/// What a vendor request reported, kept as the source of a [`ProviderError`].
/// Every field is already free of secrets.
#[derive(Debug, thiserror::Error)]
pub enum VendorError {
    /// The vendor answered with an error status.
    #[error("HTTP {status} from {url}{code}: {message}", code = code.as_deref().map(|code| format!(" ({code})")).unwrap_or_default())]
    Status {
        status: u16,
        url: String,
        code: Option<String>,
        message: String,
    },
    /// The request did not complete.
    #[error("request to {url} failed: {detail}")]
    Transport { url: String, detail: String },
    /// The vendor answered 2xx with a body that is not its documented format.
    #[error("response from {url} is not in the expected format: {detail}")]
    Malformed { url: String, detail: String },
}

/// Classifies an error status. `url` must already be redacted.
pub fn classify_status(
    api: VendorApi,
    url: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    redactor: &Redactor,
) -> ProviderError {
    let (code, message) = vendor_message(body);
    let message = redactor.redact(&message);
    let code = code.map(|code| redactor.redact(&code));
    let quota = is_quota_failure(status, code.as_deref(), &message);
    let name = api.name;
    let number = status.as_u16();

    let summary = match number {
        _ if quota => format!(
            "{name} quota or credit is exhausted (HTTP {number}): {message}; add credit or \
             raise the spend limit of the account behind {key}, or choose another provider",
            key = api.key_setting
        ),
        401 | 403 => format!(
            "{name} rejected the credentials (HTTP {number}): {message}; check {key}",
            key = api.key_setting
        ),
        404 => format!(
            "{name} returned not found (HTTP {number}): {message}; check {model} and {base}",
            model = api.model_setting,
            base = api.base_setting
        ),
        429 => format!("{name} rate limit reached (HTTP 429): {message}"),
        529 => format!("{name} is overloaded (HTTP 529): {message}"),
        500..=599 => format!("{name} server error (HTTP {number}): {message}"),
        408 | 409 | 425 => format!("{name} asked for a retry (HTTP {number}): {message}"),
        _ => format!("{name} rejected the request (HTTP {number}): {message}"),
    };
    let source = VendorError::Status {
        status: number,
        url: url.to_owned(),
        code,
        message,
    };
    tracing::warn!(vendor = name, status = number, error = %summary, "vendor request failed");

    let retryable = !quota && matches!(number, 408 | 409 | 425 | 429 | 500..=599);
    if retryable {
        ProviderError::Retryable {
            message: summary,
            retry_after: retry_after(headers, SystemTime::now()),
            source: Some(Box::new(source)),
        }
    } else {
        ProviderError::Permanent {
            message: summary,
            source: Some(Box::new(source)),
        }
    }
}

/// Classifies a request that got no complete response. Timeouts and
/// connection failures are retryable; a request that could not be built is not.
pub fn classify_transport(
    api: VendorApi,
    url: &str,
    error: reqwest::Error,
    timeout: Duration,
    redactor: &Redactor,
) -> ProviderError {
    let name = api.name;
    let timed_out = error.is_timeout();
    let unbuildable = error.is_builder();
    let detail = redactor.redact(&error_chain(&error.without_url()));
    let summary = if timed_out {
        format!(
            "{name} request timed out after {:.1} s; retry, or raise VENDOR_TIMEOUT_SECS",
            timeout.as_secs_f64()
        )
    } else if unbuildable {
        format!(
            "{name} request to {url} could not be built: {detail}; check {base}",
            base = api.base_setting
        )
    } else {
        format!(
            "{name} request to {url} failed: {detail}; check {base} and that the server is running",
            base = api.base_setting
        )
    };
    tracing::warn!(vendor = name, error = %summary, "vendor request failed");

    let source = Box::new(VendorError::Transport {
        url: url.to_owned(),
        detail,
    });
    if !unbuildable {
        ProviderError::Retryable {
            message: summary,
            retry_after: None,
            source: Some(source),
        }
    } else {
        ProviderError::Permanent {
            message: summary,
            source: Some(source),
        }
    }
}

/// Joins an error and its sources with `: `.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn is_quota_failure(status: StatusCode, code: Option<&str>, message: &str) -> bool {
    if status == StatusCode::PAYMENT_REQUIRED {
        return true;
    }
    if status != StatusCode::TOO_MANY_REQUESTS {
        return false;
    }
    let lower = message.to_ascii_lowercase();
    code.is_some_and(|code| QUOTA_CODES.contains(&code))
        || lower.contains("exceeded your current quota")
        || lower.contains("credit balance")
}

/// Extracts the error code and message from the error bodies of OpenAI and
/// compatible servers (`{"error": {"message", "type", "code"}}` or
/// `{"error": "text"}`), Anthropic (`{"type": "error", "error": {"type",
/// "message"}}`) and Deepgram (`{"err_code", "err_msg"}` or `{"category",
/// "message"}`). Other bodies are returned as trimmed text.
fn vendor_message(body: &[u8]) -> (Option<String>, String) {
    let text = |value: &Value| value.as_str().map(str::to_owned);
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        let error = &value["error"];
        if error.is_object() {
            let code = text(&error["code"]).or_else(|| text(&error["type"]));
            if let Some(message) = text(&error["message"]) {
                return (code, truncate(&message));
            }
        }
        if let Some(message) = text(error) {
            return (None, truncate(&message));
        }
        if let Some(message) = text(&value["err_msg"]) {
            return (text(&value["err_code"]), truncate(&message));
        }
        if let Some(message) = text(&value["message"]) {
            return (text(&value["category"]), truncate(&message));
        }
    }
    let body = String::from_utf8_lossy(body);
    let body = body.trim();
    if body.is_empty() {
        return (None, "no error message in the response".to_owned());
    }
    (None, truncate(body))
}

fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    let kept: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: VendorApi = VendorApi {
        name: "openai",
        key_setting: "OPENAI_API_KEY",
        base_setting: "OPENAI_BASE_URL",
        model_setting: "ANALYZER_MODEL",
    };

    fn classify(status: u16, body: &str) -> ProviderError {
        classify_status(
            API,
            "http://127.0.0.1/v1/x",
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
            &Redactor::default(),
        )
    }

    #[test]
    fn statuses_sorted_by_retry() {
        for status in [408, 409, 425, 429, 500, 502, 503, 504, 529] {
            let error = classify(status, "{}");
            assert!(matches!(error, ProviderError::Retryable { .. }), "{status}");
        }
        for status in [400, 401, 402, 403, 404, 413, 415, 422] {
            let error = classify(status, "{}");
            assert!(matches!(error, ProviderError::Permanent { .. }), "{status}");
        }
    }

    #[test]
    fn quota_429_is_permanent() {
        let body = r#"{"error": {"message": "You exceeded your current quota.", "type": "insufficient_quota", "code": "insufficient_quota"}}"#;
        let error = classify(429, body);
        assert!(matches!(error, ProviderError::Permanent { .. }));
        assert!(
            error
                .to_string()
                .contains("You exceeded your current quota."),
            "{error}"
        );
    }

    #[test]
    fn messages_read_from_each_shape() {
        let cases = [
            (r#"{"error": {"message": "m1", "type": "t"}}"#, "m1"),
            (
                r#"{"type": "error", "error": {"type": "not_found_error", "message": "m2"}}"#,
                "m2",
            ),
            (r#"{"error": "m3"}"#, "m3"),
            (r#"{"err_code": "INVALID", "err_msg": "m4"}"#, "m4"),
            (r#"{"category": "INVALID_AUTH", "message": "m5"}"#, "m5"),
            ("<html>m6</html>", "<html>m6</html>"),
        ];
        for (body, message) in cases {
            assert_eq!(vendor_message(body.as_bytes()).1, message, "{body}");
        }
    }

    #[test]
    fn long_messages_truncated() {
        let body = "x".repeat(2 * MAX_MESSAGE_CHARS);
        let message = vendor_message(body.as_bytes()).1;
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
