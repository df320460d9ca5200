//! Responses of the serve endpoint: JSON bodies with the SDK headers.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{Value, json};

use crate::wire::{REQUEST_VERSION, headers};

/// A response before it is handed to the web framework.
#[derive(Debug, Clone)]
pub struct ServeResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ServeResponse {
    /// A JSON response with the SDK headers every response carries.
    pub fn json(status: StatusCode, body: &Value) -> Self {
        let body = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
        let mut response = Self {
            status,
            headers: HeaderMap::new(),
            body: Bytes::from(body),
        };
        response.set("content-type", "application/json");
        response.set(headers::SDK, crate::SDK_HEADER_VALUE);
        response.set("user-agent", crate::SDK_HEADER_VALUE);
        response.set(headers::SDK_HANDLED, "true");
        response.set(headers::FRAMEWORK, "axum");
        response.set(headers::REQ_VERSION, &REQUEST_VERSION.to_string());
        response
    }

    /// A framework-level rejection: `{"message": ..}` in the common shape.
    pub fn message(status: StatusCode, message: &str) -> Self {
        Self::json(status, &json!({ "message": message }))
    }

    /// The 401 for a request that failed authentication. Every `x-inngest-*`
    /// header but `x-inngest-sdk-handled` is removed, with `User-Agent`, so an
    /// unauthenticated caller cannot fingerprint the SDK.
    pub fn unauthorized() -> Self {
        let mut response = Self::message(StatusCode::UNAUTHORIZED, "Unauthorized");
        response.strip_sdk_headers();
        response
    }

    /// Removes identifying headers (see [`ServeResponse::unauthorized`]).
    pub fn strip_sdk_headers(&mut self) {
        let names: Vec<HeaderName> = self
            .headers
            .keys()
            .filter(|name| {
                let name = name.as_str();
                (name.starts_with("x-inngest-") && name != headers::SDK_HANDLED)
                    || name == "user-agent"
            })
            .cloned()
            .collect();
        for name in names {
            self.headers.remove(name);
        }
    }

    /// Sets a header, ignoring values that are not valid header text.
    pub fn set(&mut self, name: &str, value: &str) {
        let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value))
        else {
            return;
        };
        self.headers.insert(name, value);
    }

    /// Sets `X-Inngest-No-Retry`.
    pub fn no_retry(mut self, no_retry: bool) -> Self {
        self.set(headers::NO_RETRY, if no_retry { "true" } else { "false" });
        self
    }
}
