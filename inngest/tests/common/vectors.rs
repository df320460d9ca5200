//! Loads the exchanges recorded from the official JavaScript SDK and replays
//! their requests against our handler.

use std::path::PathBuf;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use inngest::serve::{ServeHandler, ServeRequest, ServeResponse};
use serde::Deserialize;
use serde_json::Value;

/// Signing keys used by every cloud-mode vector.
pub const SIGNING_KEY: &str =
    "signkey-test-a8fa769dc777c30592b0fc33a10508bc40f06401da9613391f8f43b953dc742c";
pub const SIGNING_KEY_FALLBACK: &str =
    "signkey-test-b67eef56cb8470fe75876c42af525d29738e367adcd2697b6b6c94e5f24bfe55";

#[derive(Debug, Clone, Deserialize)]
pub struct Exchange {
    pub title: String,
    pub request: RecordedRequest,
    pub response: RecordedResponse,
    #[serde(default)]
    pub outbound_api_requests: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
}

impl RecordedResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Path of a file in the repository's `tests/vectors`.
pub fn path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(file)
}

/// The parsed JSON of a vector file.
pub fn load(file: &str) -> Value {
    let path = path(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("parse {}: {error}", path.display()))
}

/// The exchanges of a vector file.
pub fn exchanges(file: &str) -> Vec<Exchange> {
    serde_json::from_value(load(file)["exchanges"].clone())
        .expect("exchanges have the recorded shape")
}

/// The exchange with this exact title.
pub fn exchange(file: &str, title: &str) -> Exchange {
    exchanges(file)
        .into_iter()
        .find(|exchange| exchange.title == title)
        .unwrap_or_else(|| panic!("no exchange titled {title:?} in {file}"))
}

/// Replays a recorded request, optionally replacing its signature header.
pub async fn replay(
    handler: &ServeHandler,
    request: &RecordedRequest,
    signature: Option<String>,
) -> ServeResponse {
    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        if name.eq_ignore_ascii_case("x-inngest-signature") {
            continue;
        }
        headers.append(
            HeaderName::try_from(name.as_str()).expect("recorded header name"),
            HeaderValue::try_from(value.as_str()).expect("recorded header value"),
        );
    }
    if let Some(signature) =
        signature.or_else(|| request.header("x-inngest-signature").map(str::to_owned))
    {
        headers.insert(
            "x-inngest-signature",
            HeaderValue::try_from(signature).expect("signature"),
        );
    }
    if !headers.contains_key("host") {
        headers.insert("host", HeaderValue::from_static("localhost:3000"));
    }

    let serve_request = ServeRequest {
        method: Method::from_bytes(request.method.as_bytes()).expect("recorded method"),
        uri: request.path.parse::<Uri>().expect("recorded path"),
        headers,
        body: Bytes::from(request.body.clone().unwrap_or_default()),
    };
    handler.handle(serve_request).await
}

/// Normalises a JSON body for comparison: drops timings, stack traces and
/// the JS-only `__serialized` marker, and treats `opts: {}` as absent.
pub fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, inner) in map {
                match key.as_str() {
                    "timing" | "stack" | "__serialized" => continue,
                    "opts" if inner.as_object().is_some_and(|opts| opts.is_empty()) => continue,
                    _ => {
                        out.insert(key.clone(), normalize(inner));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// The response body as JSON (`Null` when empty).
pub fn body_json(response: &ServeResponse) -> Value {
    if response.body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(&response.body).unwrap_or_else(|error| {
        panic!(
            "response body is not JSON ({error}): {}",
            String::from_utf8_lossy(&response.body)
        )
    })
}

/// The recorded body as JSON (`Null` when empty).
pub fn recorded_json(response: &RecordedResponse) -> Value {
    if response.body.is_empty() {
        return Value::Null;
    }
    serde_json::from_str(&response.body).expect("recorded body is JSON")
}

/// Asserts status, protocol headers and normalised body against the vector.
pub fn assert_matches(exchange: &Exchange, response: &ServeResponse) {
    let title = &exchange.title;
    assert_eq!(
        response.status.as_u16(),
        exchange.response.status,
        "{title}: status"
    );

    for name in [
        "x-inngest-no-retry",
        "retry-after",
        "x-inngest-req-version",
        "x-inngest-sync-kind",
    ] {
        let ours = response
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok());
        assert_eq!(
            ours,
            exchange.response.header(name),
            "{title}: header {name}"
        );
    }
    for name in ["x-inngest-sdk", "x-inngest-signature"] {
        assert_eq!(
            response.headers.contains_key(name),
            exchange.response.header(name).is_some(),
            "{title}: presence of {name}"
        );
    }
    assert_eq!(
        response
            .headers
            .get("content-type")
            .and_then(|value| value.to_str().ok()),
        Some("application/json"),
        "{title}: content type"
    );

    assert_eq!(
        normalize(&body_json(response)),
        normalize(&recorded_json(&exchange.response)),
        "{title}: body"
    );
}
